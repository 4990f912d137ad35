"""The gazetteer: platforms by their spellings in both scripts, a child's age by number patterns."""
from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu import khmer_text
from bot.nlu.entities import GazetteerEntityExtractor
from bot.settings import ROOT


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    """Trained on the repository's synonym lists, then loaded back from the model storage, as Rasa does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("gazetteer"))
    resource = Resource("gazetteer")
    trained = GazetteerEntityExtractor.create({}, storage, resource, None)
    trained.train(load_data(str(ROOT / "nlu_data" / "lookups")))
    loaded = GazetteerEntityExtractor.load({}, storage, resource, None)
    assert loaded.spellings == trained.spellings
    return loaded


def found(extractor, text, entity=None):
    return [(e["entity"], e["value"]) for e in extractor.extract(text) if entity in (None, e["entity"])]


def platforms(extractor, text):
    return [v for e, v in found(extractor, text, "platform")]


@pytest.mark.parametrize("text, expected", [
    ("my son is on fb all day", ["facebook"]),
    ("Someone messaged her on FACEBOOK", ["facebook"]),
    ("she plays Free Fire and watches TikTok", ["free_fire", "tiktok"]),
    ("freefire top up", ["free_fire"]),
    ("is insta ok for 12 year olds", ["instagram"]),
    ("class on google meet", ["google_meet"]),
    ("កូនលេងហ្វេសប៊ុករហូត", ["facebook"]),
    ("កូនលេង ហ្វេសប៊ុក រហូត", ["facebook"]),
    ("កូនលេងហ្វេស\u200bប៊ុករហូត", ["facebook"]),  # a zero-width space inside the name
    ("កូនលេងហ្វេសប\u17bb\u17caករហូត", ["facebook"]),  # vowel and register shifter typed the other way round
    ("ចៅលេងហ្វ្រីហ្វាយពេញមួយយប់", ["free_fire"]),
    ("គេឆាតតាម តេឡេក្រាម", ["telegram"]),
    ("ទិកតុក និង យូធូប", ["tiktok", "youtube"]),
])
def test_platforms_map_to_canonical_values(extractor, text, expected):
    assert platforms(extractor, text) == expected


@pytest.mark.parametrize("text", [
    "my daughter went to meet a man",
    "we will meet the teacher tomorrow",
    "he waited in line at the market",
    "my son is offline at night",
    "she fell off her bike",
    "the film was good",
])
def test_ordinary_words_are_not_platforms(extractor, text):
    assert platforms(extractor, text) == []


@pytest.mark.parametrize("text, age", [
    ("she is 12 years old", 12),
    ("my 9yo plays roblox", 9),
    ("my 9 yo son", 9),
    ("son aged 14", 14),
    ("a twelve year old", 12),
    ("ten years old boy", 10),
    ("អាយុ ១២ ឆ្នាំ", 12),
    ("អាយុដប់ឆ្នាំ", 10),
    ("កូនស្រី១៥ឆ្នាំ", 15),
    ("កូនអាយុប្រហែល ៨", 8),
    ("she is 35 years old", None),
    ("we have 3 phones", None),
    ("he sent the message 5 times", None),  # "age" inside a word
    ("read page 3", None),
    ("often years old", None),  # "ten" inside "often"
    ("លេងជាមួយឆ្នាំនេះ", None),  # មួយ inside ជាមួយ is not one
])
def test_child_age(extractor, text, age):
    ages = [v for e, v in found(extractor, text, "child_age")]
    assert ages == ([age] if age is not None else [])


@pytest.mark.parametrize("text", [
    "my 9yo uses fb and tik tok",
    "កូនស្រីអាយុ១២ឆ្នាំលេងហ្វេស\u200bប៊ុក និង TikTok",
    "ចៅ ១០ ឆ្នាំ លេង Free Fire ជាមួយ ff friends",
    "Kid, 13 years old, on whats app",
])
def test_entity_spans_fall_on_token_boundaries(extractor, text):
    words = khmer_text.words(text)
    starts, ends = {w.start for w in words}, {w.end for w in words}
    entities = extractor.extract(text)
    assert entities
    for e in entities:
        assert e["start"] in starts and e["end"] in ends, e
        assert e["start"] < e["end"]
    spans = sorted((e["start"], e["end"]) for e in entities)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "overlapping entities"


def test_entities_through_rasa_process(extractor):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": "my 9yo is on fb"})
    extractor.process([message])
    entities = message.get("entities")
    assert {(e["entity"], e["value"]) for e in entities} == {("child_age", 9), ("platform", "facebook")}
    assert all(e["extractor"] == "GazetteerEntityExtractor" for e in entities)
