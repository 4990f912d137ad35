"""The Rasa tokenizer component, and the packages every custom component says it needs."""
from __future__ import annotations

import importlib.util

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.classifier import TfidfIntentClassifier
from bot.nlu.entities import GazetteerEntityExtractor
from bot.nlu.tokenizer import KhmerLatinTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return KhmerLatinTokenizer.create(KhmerLatinTokenizer.get_default_config(), None, None, None)


def tokens_of(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


@pytest.mark.parametrize("text", [
    "មនុស្សចម្លែកឆាតកូនខ្ញុំ",
    "កូនស្រី១២ឆ្នាំ លេង TikTok រហូត!!",
    "My son (9yo) plays FREE FIRE all night 😩",
    "ហ្វេស\u200bប៊ុក និង fb\u200b Messenger",
    "ក\u17bb\u17d2\u179aម កំុ",
    "   ",
    "",
])
def test_token_offsets_slice_the_text_and_lemmas_are_norms(tokenizer, text):
    from bot.nlu import khmer_text

    tokens = tokens_of(tokenizer, text)
    words = khmer_text.words(text)
    assert [t.text for t in tokens] == [text[t.start:t.end] for t in tokens] == [w.text for w in words]
    assert [t.lemma for t in tokens] == [w.norm for w in words]
    assert all(t.end > t.start for t in tokens)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))


def test_khmer_lemmas_are_normalised(tokenizer):
    tokens = tokens_of(tokenizer, "ក\u17bb\u17d2\u179aម ១២ FB")
    assert [t.text for t in tokens] == ["ក\u17bb\u17d2\u179aម", "១២", "FB"]
    assert [t.lemma for t in tokens] == ["ក្រុម", "12", "fb"]


@pytest.mark.parametrize("component", [KhmerLatinTokenizer, TfidfIntentClassifier,
                                       GazetteerEntityExtractor])
def test_required_packages_are_importable(component):
    packages = component.required_packages()
    assert packages, f"{component.__name__} names no packages"
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    assert not missing, f"{component.__name__} needs {missing}"
