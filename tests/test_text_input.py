"""Any incoming text is made safe to process."""
from hypothesis import given, strategies as st

from bot.text_input import MAX_CHARS, clean


def test_bad_inputs_become_clean_text():
    assert clean(None) == "" and clean("   \n\t ") == ""
    assert clean("a\x00b\x07c") == "a b c"
    assert clean("\ud800 hi") == "? hi"
    assert len(clean("x" * 10_000)) == MAX_CHARS


@given(st.text())
def test_clean_always_gives_encodable_bounded_text(text):
    result = clean(text)
    result.encode("utf-8")
    assert len(result) <= MAX_CHARS
