"""bot.nlu.khmer_text: words keep true raw offsets whatever the input; Khmer is segmented and normalised."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.nlu import khmer_text

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff"
INVISIBLE = ZERO_WIDTH + "\u2060\u00ad"
KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"

# Pieces of text the way people type them: Khmer letters, dependent vowels, signs,
# subscripts, punctuation and digits in any order (also malformed), Latin, digits,
# emoji, zero-width characters, punctuation, whitespace and control characters.
khmer_chars = st.characters(min_codepoint=0x1780, max_codepoint=0x17FF)
khmer_symbols = st.characters(min_codepoint=0x19E0, max_codepoint=0x19FF)
khmer_words = st.sampled_from(["កូន", "ខ្ញុំ", "ហ្វេសប៊ុក", "ស្ត្រី", "កំុ", "ក្រុម", "អាយុ", "ឆ្នាំ", "ម៉ោង", "ៗ", "។", "៛"])
latin = st.characters(min_codepoint=0x41, max_codepoint=0x7A)
accented = st.sampled_from(["é", "ß", "İ", "ﬁ", "e\u0301", "Ω"])
emoji = st.sampled_from(["😀", "👍🏽", "👨\u200d👩\u200d👧", "❤️", "🇰🇭", "\U0001f4f1"])
invisible = st.sampled_from(list(INVISIBLE))
digits = st.sampled_from(list("0123456789" + KHMER_DIGITS))
punctuation = st.sampled_from(list(".,!?;:'\"()[]{}-_/\\@#$%&*+=<>~`|…“”«»"))
whitespace = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028"])
control = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x85", "\x9f"])
pieces = st.one_of(khmer_chars, khmer_symbols, khmer_words, latin, accented, emoji, invisible, digits,
                   punctuation, whitespace, control)
messages = st.lists(pieces, max_size=60).map("".join)


def check_words(text: str) -> None:
    words = khmer_text.words(text)
    end = 0
    for word in words:
        assert word.text == text[word.start:word.end], word
        assert word.start >= end, "words overlap or are out of order"
        assert word.end > word.start
        end = word.end
        assert word.text.strip(INVISIBLE), f"a word of only invisible characters: {word!r}"
        assert word.norm, f"empty norm: {word!r}"
        assert not set(word.norm) & set(ZERO_WIDTH), f"zero-width character in the norm: {word!r}"
        assert not set(word.norm) & set(KHMER_DIGITS), f"Khmer digit left in the norm: {word!r}"
    assert khmer_text.normalise(text) == " ".join(w.norm for w in words)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
@example("")
@example("\u200b\u200b")
@example("ក\u200b")
@example("\u200bក\u17d2")
@example("\u17d2\u17d2\u17d2")
@example("ហ្វេស\u200bប៊ុក fb\u200b ១២ឆ្នាំ")
@example("👨\u200d👩\u200d👧កូន")
def test_words_slice_the_raw_text_in_order(text):
    check_words(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_words_on_any_unicode(text):
    check_words(text)


@pytest.mark.parametrize("text, expected", [
    ("មនុស្សចម្លែកឆាតកូនខ្ញុំ", ["មនុស្ស", "ចម្លែក", "ឆាត", "កូន", "ខ្ញុំ"]),
    ("គេគំរាមកូនខ្ញុំ", ["គេ", "គំរាម", "កូន", "ខ្ញុំ"]),
    ("ខ្ញុំចង់រាយការណ៍", ["ខ្ញុំ", "ចង់", "រាយការណ៍"]),
    ("សូមអរគុណច្រើន", ["សូម", "អរគុណ", "ច្រើន"]),
    ("កូនខ្ញុំលេងហ្គេមរហូតដល់យប់", ["កូន", "ខ្ញុំ", "លេង", "ហ្គេម", "រហូតដល់", "យប់"]),
    ("កូនស្រីខ្ញុំបាត់ខ្លួន", ["កូនស្រី", "ខ្ញុំ", "បាត់ខ្លួន"]),
    ("កូនខ្ញុំលេង TikTok ៣ម៉ោង!", ["កូន", "ខ្ញុំ", "លេង", "TikTok", "៣", "ម៉ោង"]),
])
def test_khmer_sentences_split_into_words(text, expected):
    assert [w.text for w in khmer_text.words(text)] == expected


def test_mixed_text_offsets_and_norms():
    text = "Kid 12yo លេង Free Fire ១២ ម៉ោង។"
    got = [(w.text, w.start, w.end, w.norm) for w in khmer_text.words(text)]
    assert got == [
        ("Kid", 0, 3, "kid"), ("12yo", 4, 8, "12yo"), ("លេង", 9, 12, "លេង"), ("Free", 13, 17, "free"),
        ("Fire", 18, 22, "fire"), ("១២", 23, 25, "12"), ("ម៉ោង", 26, 30, "ម៉ោង"),
    ]


def test_zero_width_space_inside_a_word_keeps_it_whole():
    text = "លេងហ្វេស\u200bប៊ុក"
    words = khmer_text.words(text)
    assert [w.norm for w in words] == ["លេង", "ហ្វេសប៊ុក"]
    facebook = words[1]
    assert (facebook.start, facebook.end) == (3, 13)
    assert facebook.text == "ហ្វេស\u200bប៊ុក" == text[facebook.start:facebook.end]


def test_zero_width_characters_between_words_are_not_words():
    text = "\u200bកូន\u200c\u200dខ្ញុំ\ufeff"
    words = khmer_text.words(text)
    assert [w.norm for w in words] == ["កូន", "ខ្ញុំ"]
    assert words[0].start == 1 and words[-1].end == len(text) - 1


@pytest.mark.parametrize("canonical, typed", [
    # A vowel typed before the subscript consonant: ក ុ ្ រ instead of ក ្ រ ុ.
    ("ក្រុម", "ក\u17bb\u17d2\u179aម"),
    # Nikahit typed before the vowel below: ក ំ ុ (កំុ, a common typing of កុំ).
    ("កុំ", "ក\u17c6\u17bb"),
    # Register shifter after the vowel: ប ុ ៊ instead of ប ៊ ុ (ហ្វេសប៊ុក).
    ("ហ្វេសប៊ុក", "ហ្វេសប\u17bb\u17caក"),
    # Vowel before the second subscript: ស ្ ត ី ្ រ instead of ស ្ ត ្ រ ី.
    ("ស្ត្រី", "ស\u17d2ត\u17b8\u17d2រ"),
])
def test_misordered_khmer_normalises_to_the_canonical_spelling(canonical, typed):
    assert typed != canonical
    assert khmer_text.normalise(typed) == khmer_text.normalise(canonical) == canonical
    (word,) = khmer_text.words(typed)
    assert word.text == typed  # the raw text is untouched


def test_khmer_digits_fold_to_ascii():
    assert khmer_text.normalise("អាយុ ១២ ឆ្នាំ") == "អាយុ 12 ឆ្នាំ"
    assert khmer_text.normalise("០១២៣៤៥៦៧៨៩") == "0123456789"
    assert khmer_text.normalise("age ១៥") == "age 15"


def test_script_share():
    assert khmer_text.script_share("កូនខ្ញុំ") == 1.0
    assert khmer_text.script_share("my child") == 0.0
    assert khmer_text.script_share("123 😀") == 0.5
    assert 0.0 < khmer_text.script_share("កូន TikTok") < 1.0
