"""The SVM's per-intent probabilities (bot.nlu.calibration)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from bot.nlu.calibration import PerIntentCalibratedClassifierCV

TOPICS = {
    "sextortion": ["he wants money or he posts her photo", "pay or your video goes online", "a man threatens to share his nude",
                   "they ask dollars for not sending the pictures", "blackmail with her private photo",
                   "send more or i show everyone"],
    "screen_time": ["how many hours of phone a day", "my son plays games all night", "too much tablet before bed",
                    "limit time on youtube for kids", "she is on the phone from morning",
                    "how long should children watch videos"],
    "greet": ["hello", "hi there", "good morning", "hey bot", "hello sir", "good evening"],
}
TEXTS = [t for texts in TOPICS.values() for t in texts]
LABELS = [label for label, texts in TOPICS.items() for _ in texts]


def fitted(kind, labels=LABELS, texts=TEXTS):
    features = TfidfVectorizer().fit(texts)
    split = StratifiedKFold(3, shuffle=True, random_state=0)
    model = kind(LinearSVC(C=1.0, random_state=0), method="sigmoid", cv=split, ensemble=False)
    # An array: scikit-learn 1.1 counts each intent's examples with y == intent.
    return features, model.fit(features.transform(texts), np.asarray(labels))


def test_each_intent_keeps_its_own_sigmoid_and_the_ranking_of_the_normalised_model():
    features, own = fitted(PerIntentCalibratedClassifierCV)
    _, shared = fitted(CalibratedClassifierCV)
    x = features.transform(["he wants her photo or money", "games every night", "my grandson"])
    p, q = own.predict_proba(x), shared.predict_proba(x)
    calibrated = own.calibrated_classifiers_[0]
    scores = calibrated.base_estimator.decision_function(x)
    for column, sigmoid in enumerate(calibrated.calibrators):
        assert np.allclose(p[:, column], sigmoid.predict(scores[:, column]))
    # Dividing by the sum is all the normalised model does differently.
    assert np.allclose(p / p.sum(axis=1, keepdims=True), q)
    assert (np.argsort(-p, axis=1) == np.argsort(-q, axis=1)).all()
    assert list(own.predict(x)) == list(shared.predict(x))


def test_a_message_like_no_intent_stays_unsure():
    features, own = fitted(PerIntentCalibratedClassifierCV)
    _, shared = fitted(CalibratedClassifierCV)
    vague = features.transform(["a question about my grandson"])
    clear = features.transform(["pay or we post her video"])
    # Normalised, the least bad intent of a message that fits none looks sure; on its own it does not.
    assert own.predict_proba(vague).max() < shared.predict_proba(vague).max()
    assert own.predict_proba(vague).max() < own.predict_proba(clear).max()


def test_two_intents_give_probabilities_that_sum_to_one():
    two = [label for label in LABELS if label != "greet"]
    features, own = fitted(PerIntentCalibratedClassifierCV, two, TEXTS[:len(two)])
    p = own.predict_proba(features.transform(["pay or we post it", "hours on the phone"]))
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1)


@pytest.mark.parametrize("text", ["", "zzzz qqqq"])
def test_a_message_with_no_known_word_gets_probabilities_in_range(text):
    features, own = fitted(PerIntentCalibratedClassifierCV)
    p = own.predict_proba(features.transform([text]))
    assert p.shape == (1, 3) and ((p >= 0) & (p <= 1)).all()
