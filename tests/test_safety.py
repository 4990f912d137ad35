"""The safety net before the NLU, on the real danger phrases in content/safety.yml."""
import pytest

from bot.content.loader import load_library
from bot.safety import danger_topic, outranks
from bot.settings import ROOT

DANGER = load_library(ROOT / "content").danger


@pytest.mark.parametrize("text, topic", [
    ("HELP my daughter is missing since last night", "emergency"),
    ("someone kidnapped my son", "emergency"),
    ("a man is blackmailing my son with his photos", "sextortion"),
    ("he is threatening to post her pictures", "sextortion"),
    ("my girl sent nudes to a boy", "nude_image_shared"),
    ("ចៅស្រីខ្ញុំបាត់ខ្លួនតាំងពីម្សិលមិញ", "emergency"),
    ("ចៅស្រីខ្ញុំបាត់\u200bខ្លួន", "emergency"),  # a zero-width space from the keyboard
    ("missing child and blackmail", "emergency"),   # the most urgent topic wins
    ("my daughter called crying, she doesn't know where she is", "emergency"),
    ("my son took pills after the video was posted", "emergency"),
    ("ចៅថាចង់លោតទឹកទន្លេ ហើយបិទទូរស័ព្ទ", "emergency"),
])
def test_danger_phrases_are_found_in_both_languages(text, topic):
    assert danger_topic(text, DANGER) == topic


@pytest.mark.parametrize("text", [
    "how many hours of screen time is ok for a 6 year old",
    "what age can my son open a facebook account",
    "កូនខ្ញុំលេងហ្គេមច្រើនពេក",
    "",
])
def test_ordinary_questions_do_not_trigger_it(text):
    assert danger_topic(text, DANGER) is None


@pytest.mark.parametrize("net, chosen, first", [
    ("emergency", "sextortion", True),        # blackmail, and a child who says she will die tonight
    ("emergency", "nude_image_shared", True),
    ("sextortion", "nude_image_shared", True),
    ("emergency", "grooming", True),          # any lesson that is not urgent
    ("emergency", "emergency", False),        # the lesson starts with the same lines
    ("nude_image_shared", "sextortion", False),  # the chosen lesson is the more urgent one
    ("sextortion", "emergency", False),
    (None, "grooming", False),
])
def test_the_nets_help_lines_go_first_unless_the_chosen_lesson_is_as_urgent(net, chosen, first):
    assert outranks(net, chosen) is first
