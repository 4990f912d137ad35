"""The classifier's linear models (bot.nlu.classifier): the calibrated SVM and the logistic regression."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from bot.nlu.calibration import PerIntentCalibratedClassifierCV
from bot.nlu.classifier import Inputs, TfidfIntentClassifier, build_pipeline, class_weights, fit, linear_model

SEXTORTION = ["he wants money or he posts her photo", "pay or your video goes online", "a man threatens to share his nude",
              "they ask dollars for not sending the pictures", "blackmail with her private photo", "send more or i show everyone"]
SCREEN_TIME = ["how many hours of phone a day", "my son plays games all night", "too much tablet before bed",
               "limit time on youtube for kids", "she is on the phone from morning", "how long should children watch videos"]
GREET = ["hello", "hi there", "good morning", "hey bot", "hello sir", "good evening"]


def config(**changes):
    # The SVM unless a test says otherwise: its calibration is what most of these tests are about.
    return {**TfidfIntentClassifier.get_default_config(), "urgent_intents": ["sextortion"], "linear_model": "linear_svm",
            "C": 3.0, **changes}


def train(examples, **changes):
    inputs, labels = [Inputs(text) for text, _ in examples], [label for _, label in examples]
    settings = config(**changes)
    return fit(build_pipeline(settings), inputs, labels, settings)


def labelled(*groups):
    return [(text, label) for label, texts in groups for text in texts]


DATA = labelled(("sextortion", SEXTORTION), ("screen_time", SCREEN_TIME), ("greet", GREET))


def proba(model, text):
    return dict(zip(model.classes_, model.predict_proba([text], lambda rows: None, 0.0)[0]))


def test_the_svm_is_calibrated_to_a_probability_per_intent():
    model = train(DATA)
    clf = model.pipeline.named_steps["clf"]
    assert isinstance(clf, PerIntentCalibratedClassifierCV) and clf.cv.n_splits == 5
    p = proba(model, "he wants her photo or money")
    assert all(0 <= v <= 1 for v in p.values())
    assert max(p, key=p.get) == "sextortion"
    assert max(proba(model, "games every night on the phone").items(), key=lambda kv: kv[1])[0] == "screen_time"


@pytest.mark.parametrize("few", [1, 4])
def test_an_intent_with_fewer_examples_than_folds_gets_a_logistic_regression(caplog, few):
    with caplog.at_level(logging.WARNING):
        model = train(labelled(("sextortion", SEXTORTION[:few]), ("screen_time", SCREEN_TIME), ("greet", GREET)))
    assert isinstance(model.pipeline.named_steps["clf"], LogisticRegression)
    assert "fewer than 5 training examples" in caplog.text
    assert max(proba(model, "hello").items(), key=lambda kv: kv[1])[0] == "greet"


def test_an_unknown_linear_model_is_refused():
    with pytest.raises(ValueError, match="linear_svm or logistic_regression"):
        linear_model(config(linear_model="naive_bayes"))


@pytest.mark.parametrize("kind", ["linear_svm", "logistic_regression"])
def test_the_urgent_weight_reaches_the_model(kind):
    # A message between two intents leans further to the urgent one when it weighs more in training.
    between = "my son is on the phone all night and a man wants his photo"
    light = proba(train(DATA, linear_model=kind, urgent_weight=1.0), between)["sextortion"]
    heavy = proba(train(DATA, linear_model=kind, urgent_weight=6.0), between)["sextortion"]
    assert heavy > light + 0.02


def test_logistic_regression_weights_as_with_class_weights():
    # fit() passes the class weights as sample weights: the same model as scikit-learn's class_weight.
    settings = config(linear_model="logistic_regression", urgent_weight=4.0)
    model = train(DATA, linear_model="logistic_regression", urgent_weight=4.0)
    labels = [label for _, label in DATA]
    features = model.text_features([Inputs(text) for text, _ in DATA])
    reference = LogisticRegression(C=settings["C"], max_iter=settings["max_iter"], random_state=settings["random_state"],
                                   class_weight=class_weights(labels, settings)).fit(features, labels)
    texts = ["pay or we post it", "hours on games", "hi"]
    assert np.allclose(model.predict_proba(texts, lambda rows: None, 0.0),
                       reference.predict_proba(model.text_features([Inputs(t) for t in texts])), atol=1e-6)


def test_the_svm_weights_are_stored_column_major():
    # Predicting multiplies by coef_.T; row-major weights would be copied for every message.
    svm = train(DATA).pipeline.named_steps["clf"].calibrated_classifiers_[0].base_estimator
    assert svm.coef_.flags.f_contiguous


@pytest.mark.parametrize("kind", ["linear_svm", "logistic_regression"])
def test_the_model_does_not_depend_on_the_order_of_the_examples(kind):
    # Rasa hands the examples over in its own order; the benchmarks score the model Rasa trains.
    texts = ["pay or we post it", "hours on games", "hi", "my son is on the phone all night and a man wants his photo"]
    forward = train(DATA, linear_model=kind).predict_proba(texts, lambda rows: None, 0.0)
    backward = train(DATA[::-1], linear_model=kind).predict_proba(texts, lambda rows: None, 0.0)
    assert np.allclose(forward, backward, atol=1e-6)


def test_a_message_without_words_gets_no_intent_beside_one_with_words():
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.tokenizer import KhmerLatinTokenizer

    messages = [Message(data={TEXT: text}) for text in ("🙏🙏", "pay or we post her photo", "?!")]
    KhmerLatinTokenizer.create(KhmerLatinTokenizer.get_default_config(), None, None, None).process(messages)
    TfidfIntentClassifier(config(), None, None, train(DATA)).process(messages)
    assert [m.get(INTENT)["name"] for m in messages] == [None, "sextortion", None]
    assert messages[0].get(INTENT)["confidence"] == 0.0 and messages[0].get("intent_ranking") == []
