"""The trained model (session fixture): new sentences in both languages, bad input, `python -m bot ask`, no text in logs."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys

import pytest

from bot.engine import FALLBACK_INTENT
from bot.settings import ROOT

# Written for these tests, not taken from nlu_data/ or bench/data/.
ENGLISH = [
    ("my 13 year old left home this morning to meet a man from facebook and now her phone is off", "emergency"),
    ("someone says he will send my son's naked video to all his friends unless he pays 300 dollars", "sextortion"),
    ("i found naked selfies on my daughter's phone that she sent to a boy in her class", "nude_image_shared"),
    ("a grown man keeps buying my girl phone credit and tells her to keep their chats secret", "grooming"),
    ("kids at school made a fake account to make fun of my son and post mean comments about him", "cyberbullying"),
    ("my son watched a video of people being killed on youtube and now he cannot sleep", "harmful_content"),
    ("my boy spends all his pocket money on diamonds in mobile legends", "online_gaming"),
    ("my 14 year old streams live on tiktok at night and strangers send her coins", "live_streaming"),
    ("how many hours a day should a 6 year old use a tablet", "screen_time"),
    ("what is the minimum age to open an instagram account", "age_limits"),
    ("hey there, good evening", "greet"),
    ("what is the dollar exchange rate today", "out_of_scope"),
    ("are you a human or a machine", "bot_challenge"),
]
KHMER = [
    ("កូនស្រីខ្ញុំបាត់ខ្លួនតាំងពីម្សិលមិញ ក្រោយពីទៅជួបបុរសដែលស្គាល់តាមហ្វេសប៊ុក", "emergency"),
    ("មានគេគំរាមថានឹងបង្ហោះវីដេអូអាក្រាតរបស់កូនប្រុសខ្ញុំ បើវាមិនផ្ញើលុយអោយគេ", "sextortion"),
    ("ខ្ញុំឃើញរូបស្រាតរបស់កូនស្រីក្នុងទូរស័ព្ទ នាងផ្ញើវាទៅមិត្តប្រុសរបស់នាង", "nude_image_shared"),
    ("មានបុរសធំម្នាក់ផ្ញើកាដូ និងលុយអោយកូនខ្ញុំ ហើយប្រាប់វាកុំអោយប្រាប់ឪពុកម្តាយ", "grooming"),
    ("មិត្តរួមថ្នាក់ចំអកកូនខ្ញុំ ហើយបង្កើតអាខោនក្លែងក្លាយដើម្បីជេរវា", "cyberbullying"),
    ("កូនប្រុសខ្ញុំលេង Free Fire រហូត ហើយចាយលុយទិញពេជ្រច្រើនណាស់", "online_gaming"),
    ("កូនតូចខ្ញុំអាយុ៣ឆ្នាំ មើលទូរស័ព្ទរាល់ថ្ងៃ គួរអោយមើលប៉ុន្មានម៉ោង", "screen_time"),
    ("ក្មេងត្រូវមានអាយុប៉ុន្មានទើបអាចបើកអាខោន TikTok បាន", "age_limits"),
    ("តើដំឡើង Google Family Link លើទូរស័ព្ទកូនយ៉ាងដូចម្តេច", "parental_controls"),
    ("សួស្តីបង ខ្ញុំមានសំណួរ", "greet"),
    ("អរគុណបងដែលបានជួយ", "thank"),
    ("ថ្ងៃនេះអាកាសធាតុនៅភ្នំពេញយ៉ាងម៉េចដែរ", "out_of_scope"),
    ("និយាយភាសាអង់គ្លេសបានទេ", "change_language"),
]

BAD_INPUT = {
    "empty": "",
    "whitespace": " \t\n\u3000 ",
    "4096 characters": "z" * 4096,
    "over the limit": "\u17a2" * 10000,
    "emoji only": "😀😀🙏🏽👨\u200d👩\u200d👧",
    "control characters": "\x00\x01\x07\x1b[31m\x7f\x9f",
    "zero-width only": "\u200b\u200c\u200d\ufeff",
    "lone surrogate": "\ud800",
    "surrogate in text": "my son \udcff is on fb",
}
# What the NLU may answer to input with nothing to understand.
NOTHING = {None, FALLBACK_INTENT, "out_of_scope"}


def parse(engine, text):
    return asyncio.run(engine.parse(text))


@pytest.mark.parametrize("text, intent", ENGLISH + KHMER, ids=[f"{i}-{t[:24]}" for t, i in ENGLISH + KHMER])
def test_new_sentences_are_classified(engine, text, intent):
    result = parse(engine, text)
    assert result.intent == intent, f"{result.intent} ({result.confidence:.2f}); ranking {result.ranking[:3]}"


def test_every_urgent_intent_is_covered_in_both_languages():
    for sentences in (ENGLISH, KHMER):
        assert {"emergency", "sextortion", "nude_image_shared"} <= {i for _, i in sentences}


def test_parses_at_once_match_parses_one_by_one(engine):
    # The NLU runs on its own thread (bot.engine) while the event loop serves other chats,
    # and the safety net segments Khmer on the loop meanwhile.
    from bot import safety

    texts = [t for t, _ in ENGLISH + KHMER] + list(BAD_INPUT.values())

    async def run():
        one_by_one = [await engine.parse(t) for t in texts]
        at_once = await asyncio.gather(*(engine.parse(t) for t in texts),
                                       *(asyncio.to_thread(safety.normalise, t) for t in texts))
        return one_by_one, at_once[:len(texts)]

    one_by_one, at_once = asyncio.run(run())
    assert [(p.intent, p.ranking) for p in at_once] == [(p.intent, p.ranking) for p in one_by_one]


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_to_engine(engine, name):
    result = parse(engine, BAD_INPUT[name])
    if name == "surrogate in text":
        assert result.intent  # the rest of the message still counts
        return
    assert result.intent in NOTHING, f"{result.intent} ({result.confidence:.2f})"


def test_entities_come_through_the_engine(engine):
    result = parse(engine, "កូនស្រីអាយុ១២ឆ្នាំ លេងហ្វេស\u200bប៊ុក")
    assert {(e["entity"], e["value"]) for e in result.entities} == {("child_age", 12), ("platform", "facebook")}


ASK_BAD = ["empty", "whitespace", "4096 characters", "emoji only", "control characters"]


def ask_argv(*args, text_bytes=None):
    argv = [sys.executable, "-m", "bot", "ask", *args]
    if text_bytes is not None:  # raw bytes on the command line: invalid UTF-8 arrives as lone surrogates
        argv = [os.fsencode(a) for a in argv] + [text_bytes]
    return argv


def ask_env(model_dir):
    return {**os.environ, "MODEL_DIR": str(model_dir), "RASA_TELEMETRY_ENABLED": "false"}


ASK_JSON = "someone threatens to post my daughter's nude photos on fb unless she pays"
ASK_KHMER = "កូនស្រីខ្ញុំបាត់ខ្លួន ទៅជួបមនុស្សស្គាល់តាម Facebook"


@pytest.fixture(scope="module")
def asked(model_dir):
    """`python -m bot ask` on each input below, the processes run side by side to save time."""
    argvs = {name: ask_argv(BAD_INPUT[name].replace("\x00", ""), "--json") for name in ASK_BAD}  # no NUL in argv
    argvs["invalid UTF-8"] = ask_argv("--json", text_bytes=b"\xff\xfe")
    argvs["json"] = ask_argv(ASK_JSON, "--json")
    argvs["khmer"] = ask_argv(ASK_KHMER)
    procs = {name: subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
                                    env=ask_env(model_dir)) for name, argv in argvs.items()}
    return {name: (p.communicate(timeout=240), p.returncode) for name, p in procs.items()}


@pytest.mark.parametrize("name", ASK_BAD + ["invalid UTF-8"])
def test_bad_input_to_ask(asked, name):
    (out, err), code = asked[name]
    assert code == 0, err.decode(errors="replace")[-2000:]
    report = json.loads(out)
    assert report["intent"] in NOTHING
    assert report["lesson"] is None


def test_ask_json(asked):
    (out, err), code = asked["json"]
    assert code == 0, err.decode(errors="replace")[-2000:]
    report = json.loads(out)
    assert set(report) >= {"language", "intent", "confidence", "ranking", "entities", "lesson"}
    assert report["language"] == "en"
    assert report["intent"] == "sextortion" == report["lesson"]
    assert 0.0 < report["confidence"] <= 1.0
    assert len(report["ranking"]) == 3
    assert all(set(r) == {"intent", "confidence"} for r in report["ranking"])
    assert report["ranking"][0]["intent"] == "sextortion"
    start = ASK_JSON.index(" fb ") + 1
    assert report["entities"] == [{"entity": "platform", "value": "facebook", "start": start, "end": start + 2}]


def test_ask_plain_khmer(asked):
    (out, err), code = asked["khmer"]
    assert code == 0, err.decode(errors="replace")[-2000:]
    out = out.decode()
    assert "language:   km" in out
    assert "intent:     emergency" in out


def test_parsing_keeps_the_text_out_of_output_and_logs(engine, capfd, caplog):
    marker = "Zqxvj7 my daughter Wplk3 is missing"
    khmer = "កូនស្រីខ្ញុំបាត់ខ្លួន ក្សឡឆ"
    caplog.set_level(logging.DEBUG)  # the root logger; restored after the test
    for name in ("rasa", "bot", "bot.nlu"):
        caplog.set_level(logging.DEBUG, logger=name)
    capfd.readouterr()
    parse(engine, marker)
    parse(engine, khmer)
    out, err = capfd.readouterr()
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in ("Zqxvj7", "Wplk3", "ក្សឡឆ"):
        assert secret not in out
        assert secret not in err
        assert secret not in logged
