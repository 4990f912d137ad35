"""The training data itself: every example gives the classifier something to read."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu import khmer_text
from bot.settings import ROOT

FILES = sorted((ROOT / "nlu_data").glob("[ek][nm]/*.yml"))


def examples(path: Path):
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip():
                yield block["intent"], line.strip()[2:].strip()


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_has_words(path):
    # An emoji-only example has no tokens: it would teach the model that an empty message
    # means its intent (the bot answers emoji-only messages before the NLU anyway).
    empty = [f"{intent}: {text!r}" for intent, text in examples(path) if not khmer_text.words(text)]
    assert not empty, empty


def test_both_languages_have_every_file():
    assert FILES and {p.name for p in FILES if p.parent.name == "en"} == {p.name for p in FILES if p.parent.name == "km"}
