"""Callback data: what buttons carry, parsed strictly."""
import pytest
from hypothesis import given, strategies as st

from bot import callbacks


@pytest.mark.parametrize("data, kind, arg, extra", [
    (callbacks.lesson("grooming"), "lesson", "grooming", ""),
    (callbacks.more("sextortion", 2), "more", "sextortion", "2"),
    (callbacks.feedback("screen_time", "down"), "feedback", "screen_time", "down"),
    (callbacks.language("km"), "language", "km", ""),
    (callbacks.menu("prevent"), "menu", "prevent", ""),
    (callbacks.menu(), "menu", "", ""),
    (callbacks.NONE, "none", "", ""),
])
def test_buttons_round_trip(data, kind, arg, extra):
    assert callbacks.parse(data) == callbacks.Action(kind, arg, extra)
    assert len(data.encode()) <= 64  # Telegram's limit for callback data


@pytest.mark.parametrize("data", [
    None, "", "l:", "l:../etc/passwd", "l:Grooming", "m:grooming:0", "m:grooming:10", "f:grooming:maybe",
    "g:fr", "menu:secret", "l:grooming;drop table", "l:" + "a" * 70, " l:grooming", "l:grooming\n",
])
def test_forged_or_old_data_is_refused(data):
    assert callbacks.parse(data) is None


@given(st.text(max_size=80))
def test_parse_never_raises_and_only_returns_known_kinds(data):
    action = callbacks.parse(data)
    assert action is None or action.kind in {"lesson", "more", "feedback", "language", "menu", "none"}
