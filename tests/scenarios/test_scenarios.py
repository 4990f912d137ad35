"""Conversation scenarios, written as data, run against the real bot process.

Each tests/scenarios/*.yml is one user's conversation with `python -m bot run` (polling
mode, against tests/support/botapi.py's FakeBotAPI in strict mode, on its own SQLite file
and the session's test model). One bot process serves every scenario of this module; each
scenario has its own user (and so its own private chat).

The format::

    name: Emergency in English - the help lines come first   # shown when a step fails
    user: {language_code: en}        # the Telegram app's language (optional, default en)
    steps:
      - say: "my daughter is missing"          # a text message
        expect: {...}
      - command: "/start lesson_sextortion"    # a command, with the bot_command entity
      - press: "More ▸"                        # a button on the bot's latest message that
                                               # has one whose label is this, or contains it
      - photo: true                            # a photo (the bot must never fetch it)

Every step may have ``expect`` (all keys optional), checked against the replies to that
step only (sendMessage calls to the user's chat after the step was sent, collected until
the bot has been quiet for a moment). Texts are compared as the user sees them: tags
removed, HTML entities decoded.

    expect:
      replies: 2                        # exactly this many replies (0: none, e.g. feedback)
      first_contains: ["117", "..."]    # the first reply contains each (a string or a list)
      contains: ["...", "..."]          # each is in at least one reply
      not_contains: ["..."]             # none is in any reply
      buttons: ["More ▸", "Menu"]       # each is (part of) a button label of some reply
      notice: "Thank you for telling us."   # a button press's answer text (the little toast)

Whatever a step expects, every Bot API call the bot makes must succeed (strict mode:
well-formed HTML, at most 4096 characters, valid buttons), no file is ever downloaded,
and the bot logs no error.
"""
from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from tests.support.botapi import FakeBotAPI
from tests.support.botprocess import BotProcess, started_bot

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.yml"))
STEP_KINDS = ("say", "command", "press", "photo")
EXPECT_KEYS = {"replies", "first_contains", "contains", "not_contains", "buttons", "notice"}
QUIET = 0.5  # seconds without a new reply that end a step
STEP_TIMEOUT = 30.0

pytestmark = pytest.mark.timeout(240)


def visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


def as_list(value: Any) -> List[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def load(path: Path) -> Dict[str, Any]:
    """A scenario file, checked for the keys this runner knows (a typo must not pass silently)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("steps"), f"{path.name}: needs a list of steps"
    assert set(data) <= {"name", "user", "steps"}, f"{path.name}: unknown keys {set(data) - {'name', 'user', 'steps'}}"
    for n, step in enumerate(data["steps"], 1):
        kinds = [k for k in STEP_KINDS if k in step]
        assert len(kinds) == 1, f"{path.name} step {n}: exactly one of {STEP_KINDS}, got {sorted(step)}"
        assert set(step) <= set(STEP_KINDS) | {"expect"}, f"{path.name} step {n}: unknown keys {sorted(step)}"
        unknown = set(step.get("expect") or {}) - EXPECT_KEYS
        assert not unknown, f"{path.name} step {n}: unknown expect keys {sorted(unknown)}"
    return data


@pytest.fixture(scope="module")
def running_bot(model_dir, tmp_path_factory):
    with started_bot(model_dir, tmp_path_factory.mktemp("scenarios")) as running:
        yield running


def test_scenario_files_exist():
    assert len(SCENARIOS) >= 8, "at least 8 scenarios"
    names = {p.stem for p in SCENARIOS}
    assert any(n.endswith("_km") for n in names) and any(n.endswith("_en") for n in names)


def send(api: FakeBotAPI, user: dict, step: dict) -> None:
    if "say" in step:
        update = api.text_message(user, str(step["say"]))
    elif "command" in step:
        update = api.command(user, str(step["command"]))
    elif "photo" in step:
        update = api.photo_message(user)
    else:
        update = api.press_button(user, str(step["press"]))
    api.push_update(update)


def collect(api: FakeBotAPI, bot: BotProcess, chat: int, mark: int, step: dict, where: str) -> list:
    """The sendMessage calls answering this step, once the bot has been quiet for a moment."""
    want = (step.get("expect") or {}).get("replies")
    is_press = "press" in step
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        bot.assert_alive()
        sends = api.calls_to("sendMessage", since=mark, chat_id=chat)
        answered = not is_press or api.calls_to("answerCallbackQuery", since=mark)
        enough = len(sends) >= want if want is not None else bool(sends)
        if answered and (enough or (want == 0)):
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"{where}: no answer in {STEP_TIMEOUT:.0f} s (wanted {want or 'some'} replies); "
                                 f"got {sends}\n{bot.tail()}")
        time.sleep(0.02)
    count, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < QUIET:
        now = len(api.calls_to("sendMessage", since=mark, chat_id=chat))
        if now != count:
            count, last_change = now, time.monotonic()
        time.sleep(0.02)
    calls = api.calls_to("sendMessage", since=mark, chat_id=chat)
    failed = [c for c in calls if c.status != 200]
    assert not failed, f"{where}: the stand-in refused a reply (a bot bug): {failed}"
    return calls


def check(expect: dict, calls: list, notices: List[str], where: str) -> None:
    texts = [visible(c.text) for c in calls]
    shown = "\n".join(f"  reply {i + 1}: {t[:300]!r}" for i, t in enumerate(texts)) or "  (no replies)"
    labels = [b.get("text", "") for c in calls for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", [])
              for b in row]
    if "replies" in expect:
        assert len(texts) == expect["replies"], f"{where}: {len(texts)} replies, expected {expect['replies']}\n{shown}"
    for needle in as_list(expect.get("first_contains")):
        assert texts and needle in texts[0], f"{where}: the first reply lacks {needle!r}\n{shown}"
    for needle in as_list(expect.get("contains")):
        assert any(needle in t for t in texts), f"{where}: no reply contains {needle!r}\n{shown}"
    for needle in as_list(expect.get("not_contains")):
        assert not any(needle in t for t in texts), f"{where}: a reply contains {needle!r}\n{shown}"
    for label in as_list(expect.get("buttons")):
        assert any(label in l for l in labels), f"{where}: no button {label!r}; buttons: {labels}\n{shown}"
    if "notice" in expect:
        assert any(expect["notice"] in (n or "") for n in notices), \
            f"{where}: the button's answer was {notices}, expected {expect['notice']!r}"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path, running_bot):
    api, bot = running_bot
    scenario = load(path)
    user_id = 500_000 + SCENARIOS.index(path)
    language_code = (scenario.get("user") or {}).get("language_code", "en")
    user = api.make_user(user_id, "Scenario", language_code)
    for n, step in enumerate(scenario["steps"], 1):
        kind = next(k for k in STEP_KINDS if k in step)
        where = f"{path.name} ({scenario.get('name', '')}) step {n} [{kind}: {step[kind]!r}]"
        mark = api.mark()
        send(api, user, step)
        calls = collect(api, bot, user_id, mark, step, where)
        answers = api.calls_to("answerCallbackQuery", since=mark)
        assert all(c.ok for c in answers), f"{where}: answerCallbackQuery refused: {answers}"
        check(step.get("expect") or {}, calls, [c.params.get("text") for c in answers], where)
    assert api.file_requests() == [], "the bot fetched a file"


def test_no_errors_and_no_refused_calls(running_bot):
    """Runs after the scenarios (same module, same process): nothing went wrong on the way."""
    api, bot = running_bot
    refused = [c for c in api.calls if c.status not in (200, None) and c.method != "getUpdates"]
    assert not refused, f"Bot API calls the stand-in refused: {refused}"
    assert api.file_requests() == []
    assert bot.alive
    assert bot.errors() == [], "\n".join(bot.errors())
