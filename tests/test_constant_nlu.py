"""BOT_NLU=constant: the load benchmark's stand-in for the NLU (bench/load_bench.py)."""
from __future__ import annotations

import asyncio
import dataclasses
import sys

import pytest

from bot.engine import ConstantEngine
from bot.settings import Settings, SettingsError


def test_setting_defaults_to_rasa_and_accepts_constant():
    assert Settings.from_env({}).nlu == "rasa"
    assert Settings.from_env({"BOT_NLU": "constant"}).nlu == "constant"
    assert Settings.from_env({"BOT_NLU": " Constant "}).nlu == "constant"
    with pytest.raises(SettingsError, match="BOT_NLU"):
        Settings.from_env({"BOT_NLU": "gpt"})


def test_constant_engine_answers_everything_with_one_lesson():
    engine = ConstantEngine()

    async def turn(text):
        parse = await engine.parse(text)
        return parse, await engine.respond("someone", parse)

    parse, payloads = asyncio.run(turn("anything at all ក ខ"))
    assert parse.intent == "get_help" and parse.confidence == 1.0
    assert payloads == [{"lesson": "get_help"}]
    assert asyncio.run(engine.parse("   \x00 ")).intent is None


def test_build_with_the_constant_engine_does_not_load_rasa(tmp_path):
    from bot.app import build
    from bot.settings import ROOT

    settings = dataclasses.replace(Settings(), nlu="constant", database_url=f"sqlite:///{tmp_path / 'bot.db'}",
                                   model_dir=tmp_path / "no-models-here", content_dir=ROOT / "content",
                                   content_reload_seconds=0)
    already = "rasa.core.agent" in sys.modules
    parts = build(settings)
    assert isinstance(parts.conversation.engine, ConstantEngine)
    turn = asyncio.run(parts.conversation.on_text("who", "my son is always on his phone at night", "en"))
    assert turn.replies and "Getting help" in turn.replies[0].text
    assert already or "rasa.core.agent" not in sys.modules


def test_a_self_harm_threat_gets_the_emergency_lines_before_a_less_urgent_lesson(tmp_path):
    """Whatever the NLU picks among the urgent lessons, danger now comes first: here it is
    made to pick sextortion, whose lesson does not list the police."""
    from bot.app import build
    from bot.settings import ROOT

    settings = dataclasses.replace(Settings(), nlu="constant", database_url=f"sqlite:///{tmp_path / 'bot.db'}",
                                   model_dir=tmp_path / "no-models-here", content_dir=ROOT / "content",
                                   content_reload_seconds=0)
    parts = build(settings)
    parts.conversation.engine = ConstantEngine("sextortion")

    turn = asyncio.run(parts.conversation.on_text(
        "who", "he posted her video because we did not pay and now she says she wants to die", "en"))

    assert [r.text.startswith("🆘") for r in turn.replies[:1]] == [True]
    assert "117" in turn.replies[0].text and "117" not in turn.replies[1].text
    assert "092 311 511" in turn.replies[1].text  # then the sextortion lesson itself
