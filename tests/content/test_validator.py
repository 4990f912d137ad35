"""The content checker: one small broken fixture per class of problem.

Each test builds a valid content folder (two lessons in en and km, help lines, danger
phrases, glossary), breaks one thing and looks for the problem an editor would see.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import List

import pytest

from bot.content.validator import (
    ERROR, WARNING, Problem, check, error_lines, html_problems, parity, phone_numbers,
)

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 1)

EN_A = """\
id: a
title: Lesson A
summary: A short summary of lesson A.
button: Lesson A
urgent: true
first: |
  <b>Stay calm.</b> Talk with your child.

  Call the helpline if you are worried.
steps:
  - Stay calm.
  - Keep the messages.
  - Report the account.
more:
  - title: Why it matters
    text: |
      Children tell adults who listen.
related: [b]
helplines: [child_helpline]
sources:
  - title: UNICEF
    url: https://www.unicef.org/eap/
reviewed: 2026-01-10
review_by: 2027-01-10
"""
# line numbers in EN_A (and KM_A, which has the same shape)
LINE = {"id": 1, "title": 2, "summary": 3, "button": 4, "urgent": 5, "first": 6, "first_1": 7, "first_3": 9,
        "steps": 10, "step_2": 12, "more": 14, "more_title": 15, "more_text": 17, "related": 18,
        "helplines": 19, "sources": 20, "url": 22, "reviewed": 23, "review_by": 24}

KM_A = """\
id: a
title: មេរៀន ក
summary: សេចក្ដីសង្ខេបខ្លីនៃមេរៀន ក។
button: មេរៀន ក
urgent: true
first: |
  <b>សូមរក្សាភាពស្ងប់ស្ងាត់។</b> និយាយជាមួយកូន។

  ហៅខ្សែទូរស័ព្ទជំនួយ បើអ្នកព្រួយបារម្ភ។
steps:
  - សូមរក្សាភាពស្ងប់ស្ងាត់។
  - កុំលុបសារ។
  - រាយការណ៍គណនីនោះ។
more:
  - title: ហេតុអ្វីវាសំខាន់
    text: |
      កុមារប្រាប់មនុស្សធំដែលស្ដាប់ពួកគេ។
related: [b]
helplines: [child_helpline]
sources:
  - title: UNICEF
    url: https://www.unicef.org/eap/
reviewed: 2026-01-10
review_by: 2027-01-10
"""

EN_B = """\
id: b
title: Lesson B
summary: A short summary of lesson B.
button: Lesson B
urgent: false
first: |
  Children aged 12-17 use apps every day. In 2021, 11% had a bad experience.
related: [a]
helplines: [child_helpline]
sources:
  - title: UNICEF
    url: https://www.unicef.org/eap/
reviewed: 2026-01-10
review_by: 2027-01-10
"""

KM_B = """\
id: b
title: មេរៀន ខ
summary: សេចក្ដីសង្ខេបខ្លីនៃមេរៀន ខ។
button: មេរៀន ខ
urgent: false
first: |
  កុមារអាយុ ១២-១៧ឆ្នាំ ប្រើកម្មវិធីរាល់ថ្ងៃ។ ក្នុងឆ្នាំ ២០២១ ១១% បានជួបរឿងមិនល្អ។
related: [a]
helplines: [child_helpline]
sources:
  - title: UNICEF
    url: https://www.unicef.org/eap/
reviewed: 2026-01-10
review_by: 2027-01-10
"""

HELPLINES = """\
child_helpline:
  number: "1280"
  name:
    en: Child Helpline Cambodia
    km: ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា
  note:
    en: free, 24 hours
    km: ឥតគិតថ្លៃ ២៤ម៉ោង
  source: https://childhelplinecambodia.org/page/8
"""

SAFETY = """\
a:
  en:
    - in danger now
  km:
    - កំពុងមានគ្រោះថ្នាក់
"""

GLOSSARY = """\
child:
  en: child
  km: កូន / កុមារ
  note: a note
"""


def make_content(root: Path) -> Path:
    """A valid content folder: lessons a and b in en and km, help lines, safety, glossary."""
    content = root / "content"
    files = {"en/a.yml": EN_A, "km/a.yml": KM_A, "en/b.yml": EN_B, "km/b.yml": KM_B,
             "helplines.yml": HELPLINES, "safety.yml": SAFETY, "glossary.yml": GLOSSARY}
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    return content


def edit(content: Path, name: str, old: str, new: str) -> None:
    path = content / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def find(problems: List[Problem], name: str, phrase: str, severity: str = ERROR) -> Problem:
    """The one problem in file `name` whose message contains `phrase`."""
    matches = [p for p in problems if p.path.as_posix().endswith(name) and phrase in p.message
               and p.severity == severity]
    assert matches, f"no {severity} with {phrase!r} in {name}; got:\n" + "\n".join(map(str, problems))
    return matches[0]


@pytest.fixture
def content(tmp_path) -> Path:
    return make_content(tmp_path)


def problems(content: Path) -> List[Problem]:
    return check(content, today=TODAY)


# --------------------------------------------------------------------------- the valid fixture

def test_the_valid_fixture_has_no_problems(content):
    assert problems(content) == []
    assert error_lines(content) == []
    assert parity(content) == []


# --------------------------------------------------------------------------- files

def test_yaml_syntax_error_with_line(content):
    edit(content, "en/a.yml", "title: Lesson A", "title: [Lesson A")
    problem = find(problems(content), "en/a.yml", "YAML syntax")
    assert problem.line in (2, 3)
    assert "quotes" in problem.message


def test_yaml_colon_in_step_explains_quotes(content):
    edit(content, "en/a.yml", "  - Keep the messages.", "  - Tell your child: it is not your fault.")
    problem = find(problems(content), "en/a.yml", "step 2 must be text")
    assert problem.line == LINE["step_2"]
    assert "double quotes" in problem.message


def test_file_that_is_not_utf8(content):
    (content / "en" / "a.yml").write_bytes(EN_A.replace("Lesson A", "Leçon A").encode("latin-1"))
    problem = find(problems(content), "en/a.yml", "not UTF-8")
    assert problem.line == LINE["title"]


def test_empty_lesson_file(content):
    (content / "en" / "a.yml").write_text("", encoding="utf-8")
    find(problems(content), "en/a.yml", "the file is empty")


def test_duplicate_field(content):
    edit(content, "en/a.yml", "button: Lesson A\n", "button: Lesson A\ntitle: Again\n")
    problem = find(problems(content), "en/a.yml", "written twice")
    assert problem.line == 5


def test_yml_file_with_another_extension_is_reported(content):
    (content / "en" / "c.yaml").write_text(EN_B, encoding="utf-8")
    find(problems(content), "en/c.yaml", "must end in .yml", WARNING)


# --------------------------------------------------------------------------- fields

def test_missing_field(content):
    edit(content, "en/a.yml", "summary: A short summary of lesson A.\n", "")
    problem = find(problems(content), "en/a.yml", "'summary' is missing")
    assert problem.line == 1


def test_unknown_field_lists_the_allowed_ones(content):
    edit(content, "en/a.yml", "summary:", "sumary:")
    found = problems(content)
    problem = find(found, "en/a.yml", "unknown field 'sumary'")
    assert problem.line == LINE["summary"]
    assert "did you mean 'summary'" in problem.message
    assert "id, title, summary, button" in problem.message
    find(found, "en/a.yml", "'summary' is missing")


def test_unknown_field_in_a_more_part(content):
    edit(content, "en/a.yml", "    text: |", "    body: |")
    found = problems(content)
    assert find(found, "en/a.yml", "unknown field 'body' in more part 1").line == LINE["more_text"] - 1
    find(found, "en/a.yml", "more part 1 has no text:")


@pytest.mark.parametrize("old, new, key, phrase", [
    ("urgent: true", "urgent: maybe", "urgent", "'urgent' must be true or false"),
    ("title: Lesson A", "title: 42", "title", "'title' must be text, not a number"),
    ("title: Lesson A", "title:", "title", "'title' is empty"),
    ("reviewed: 2026-01-10", 'reviewed: "2026-01-10"', "reviewed", "must be a date written like 2026-11-29 without quotes"),
    ("related: [b]", "related: b", "related", "'related' must be a list of ids"),
    ("helplines: [child_helpline]", "helplines: {x: 1}", "helplines", "'helplines' must be a list of ids"),
    ("steps:\n  - Stay calm.", "steps: Stay calm.\nx:\n  - Stay calm.", "steps", "'steps' must be a list"),
])
def test_wrong_types(content, old, new, key, phrase):
    edit(content, "en/a.yml", old, new)
    assert find(problems(content), "en/a.yml", phrase).line == LINE[key]


def test_id_must_match_the_file_name(content):
    edit(content, "km/a.yml", "id: a", "id: aa")
    problem = find(problems(content), "km/a.yml", "does not match the file name 'a.yml'")
    assert problem.line == 1


def test_file_name_must_be_a_valid_id(content):
    for lang in ("en", "km"):
        text = (content / lang / "a.yml").read_text(encoding="utf-8").replace("id: a", "id: Big-A")
        (content / lang / "Big-A.yml").write_text(text, encoding="utf-8")
    find(problems(content), "en/Big-A.yml", "cannot be a lesson id")


# --------------------------------------------------------------------------- cross-references

def test_lesson_in_one_language_only(content):
    (content / "km" / "b.yml").unlink()
    problem = find(problems(content), "en/b.yml", "no Khmer version")
    assert problem.line == 1
    assert "content/km/b.yml" in problem.message


def test_related_id_that_is_not_a_lesson(content):
    edit(content, "en/a.yml", "related: [b]", "related: [b, bb]")
    problem = find(problems(content), "en/a.yml", "'bb', which is not a lesson")
    assert problem.line == LINE["related"]


def test_related_naming_the_lesson_itself(content):
    edit(content, "km/a.yml", "related: [b]", "related: [b, a]")
    assert find(problems(content), "km/a.yml", "names this lesson itself").line == LINE["related"]


def test_helpline_id_not_in_helplines_yml(content):
    edit(content, "en/a.yml", "helplines: [child_helpline]", "helplines: [child_helpline, police]")
    problem = find(problems(content), "en/a.yml", "'police', which is not in helplines.yml")
    assert problem.line == LINE["helplines"]
    assert "child_helpline" in problem.message


# --------------------------------------------------------------------------- scripts

def test_khmer_file_in_english(content):
    (content / "km" / "a.yml").write_text(EN_A, encoding="utf-8")
    problem = find(problems(content), "km/a.yml", "not in Khmer script")
    assert problem.line == LINE["summary"] or problem.line == LINE["first"]


def test_khmer_file_with_brand_names_and_urls_is_fine(content):
    edit(content, "km/b.yml", "ប្រើកម្មវិធីរាល់ថ្ងៃ។",
         'ប្រើ Facebook, TikTok និង YouTube រាល់ថ្ងៃ។ <a href="https://www.youtube.com/kids/">YouTube Kids</a>')
    assert problems(content) == []


def test_one_untranslated_step_in_a_khmer_file_is_a_warning(content):
    edit(content, "km/a.yml", "  - កុំលុបសារ។", "  - Keep the messages, do not delete them.")
    problem = find(problems(content), "km/a.yml", "mostly in Latin letters", WARNING)
    assert problem.line == LINE["step_2"]
    assert error_lines(content) == []


def test_english_file_with_khmer(content):
    edit(content, "en/a.yml", "  Call the helpline", "  Call ខ្សែទូរស័ព្ទជំនួយ")
    problem = find(problems(content), "en/a.yml", "contains Khmer text")
    assert problem.line == LINE["first_3"]


def test_english_file_with_a_khmer_digit(content):
    edit(content, "en/b.yml", "aged 12-17", "aged ១២")
    find(problems(content), "en/b.yml", "contains Khmer text")


# --------------------------------------------------------------------------- HTML

@pytest.mark.parametrize("html, phrase", [
    ("<span>Stay calm.</span>", "<span> is not allowed"),
    ("<b>Stay calm.", "<b> is never closed"),
    ("<b><i>Stay calm.</b></i>", "closes <b> before the <i> inside it is closed"),
    ("Stay calm.</b>", "</b> closes a tag that is not open"),
    ("Stay calm & safe.", "a bare '&'"),
    ("Stay calm &nbsp;now.", "Telegram does not know '&nbsp;'"),
    ("Ages < 13 wait.", "a bare '<'"),
    ('<a href="https://x.org" target="_blank">x</a>', "<a> cannot have 'target'"),
    ("<a>x</a>", "<a> needs href"),
    ('<b class="x">x</b>', "<b> cannot have 'class'"),
    ("line<br>break", "<br> is not allowed"),
])
def test_html_outside_telegrams_subset(content, html, phrase):
    edit(content, "en/a.yml", "  <b>Stay calm.</b> Talk with your child.", f"  {html} Talk with your child.")
    problem = find(problems(content), "en/a.yml", phrase)
    assert problem.line == LINE["first_1"]
    assert problem.message.startswith("'first': ")


def test_html_in_steps_and_more_is_checked(content):
    edit(content, "en/a.yml", "  - Stay calm.", "  - <i>Stay calm.")
    edit(content, "en/a.yml", "      Children tell adults", "      Children & adults")
    found = problems(content)
    assert find(found, "en/a.yml", "step 1: <i> is never closed").line == LINE["steps"] + 1
    assert find(found, "en/a.yml", "more part 1 text: a bare '&'").line == LINE["more_text"]


def test_allowed_html_passes():
    text = ('<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> <strike>k</strike>'
            ' <del>d</del> <a href="https://a.org/?x=1&amp;y=2">a</a> <code>c</code> <pre>p</pre>'
            ' <blockquote>q</blockquote> <tg-spoiler>t</tg-spoiler> &lt; &gt; &amp; &quot; &#39; &#x41; 5 > 3')
    assert html_problems(text) == []


def test_tags_in_a_plain_text_field(content):
    edit(content, "en/a.yml", "title: Lesson A", "title: <b>Lesson A</b>")
    problem = find(problems(content), "en/a.yml", "'title' is shown as plain text")
    assert problem.line == LINE["title"]


# --------------------------------------------------------------------------- lengths

def test_first_over_600_visible_characters(content):
    edit(content, "en/a.yml", "  Call the helpline if you are worried.", "  " + "word " * 130)
    problem = find(problems(content), "en/a.yml", "'first' is 6")
    assert "the limit is 600" in problem.message
    assert problem.line == LINE["first"]


def test_tags_and_entities_do_not_count_towards_the_length(content):
    # 590 visible characters, far more with the tags
    edit(content, "en/a.yml", "  Call the helpline if you are worried.", "  " + "<b>aaaaaaaaaa&amp;</b> " * 45)
    assert problems(content) == []


@pytest.mark.parametrize("old, new, key, phrase", [
    ("title: Lesson A", "title: " + "x" * 81, "title", "'title' is 81 characters long; the limit is 80"),
    ("summary: A short summary of lesson A.", "summary: " + "x" * 141, "summary", "the limit is 140"),
    ("button: Lesson A", "button: " + "x" * 29, "button", "'button' is 29 characters long; the limit is 28"),
    ("  - title: Why it matters", "  - title: " + "x" * 61, "more_title", "more part 1 title is 61"),
    ("      Children tell adults who listen.", "      " + "word " * 250, "more_text_key", "more part 1 text is 1249"),
])
def test_field_lengths(content, old, new, key, phrase):
    edit(content, "en/a.yml", old, new)
    problem = find(problems(content), "en/a.yml", phrase)
    assert problem.line == LINE.get(key, LINE["more_text"] - 1)


def test_rendered_first_message_over_4096(content):
    long_steps = "".join(f"  - {'Step text. ' * 54}\n" for _ in range(7))  # 7 x ~594 characters
    edit(content, "en/a.yml", "  - Stay calm.\n  - Keep the messages.\n  - Report the account.\n", long_steps)
    found = problems(content)
    problem = find(found, "en/a.yml", "first message")
    assert "the limit is 4096" in problem.message
    assert not [p for p in found if p.severity == ERROR and p is not problem]


# --------------------------------------------------------------------------- sources, dates, urgency

def test_missing_sources(content):
    edit(content, "en/a.yml", "sources:\n  - title: UNICEF\n    url: https://www.unicef.org/eap/\n", "sources: []\n")
    assert find(problems(content), "en/a.yml", "there are no sources").line == LINE["sources"]


def test_source_without_https_url(content):
    edit(content, "en/a.yml", "url: https://www.unicef.org/eap/", "url: http://www.unicef.org/eap/")
    assert find(problems(content), "en/a.yml", "source 1 needs a url: starting with https://").line == LINE["url"]


def test_source_without_url(content):
    edit(content, "km/a.yml", "    url: https://www.unicef.org/eap/\n", "")
    find(problems(content), "km/a.yml", "source 1 needs a url")


def test_review_date_in_the_past_is_a_warning(content):
    edit(content, "en/a.yml", "review_by: 2027-01-10", "review_by: 2026-03-01")
    found = problems(content)
    problem = find(found, "en/a.yml", "has passed", WARNING)
    assert problem.line == LINE["review_by"]
    assert str(problem).split(": ", 1)[1].startswith("warning: the review date 2026-03-01 has passed")
    assert error_lines(content) == []


def test_date_that_does_not_exist(content):
    edit(content, "km/a.yml", "reviewed: 2026-01-10", "reviewed: 2026-02-30")
    problem = find(problems(content), "km/a.yml", "'2026-02-30' is not a real date")
    assert problem.line == LINE["reviewed"]


def test_review_by_before_reviewed_is_an_error(content):
    edit(content, "en/a.yml", "review_by: 2027-01-10", "review_by: 2025-12-01")
    assert find(problems(content), "en/a.yml", "is before reviewed").line == LINE["review_by"]


def test_urgent_lesson_without_steps(content):
    edit(content, "en/a.yml", "steps:\n  - Stay calm.\n  - Keep the messages.\n  - Report the account.\n", "")
    find(problems(content), "en/a.yml", "urgent lessons need 'steps:'")


# --------------------------------------------------------------------------- phone numbers

@pytest.mark.parametrize("text", [
    "Call 012 345 678 now.", "Call 1280.", "Call 092-311-511.", "Call +855 23 224 841.",
    "ហៅលេខ ១២៨០ ឥឡូវ។", "ហៅ១២៨៨", "Call 12 34 56 78 9.", "About 150 reports.",
])
def test_phone_numbers_are_found(text):
    assert phone_numbers(text), text


@pytest.mark.parametrize("text", [
    "Children aged 13 and up.", "In 2021.", "11% of children.", "Ages 12-17.", "The plan 2021-2025.",
    "About 160,000 children.", "Up to 25.", "កុមារអាយុ ១៣ឆ្នាំ ក្នុងឆ្នាំ ២០២១ ១១%",
    '<a href="https://support.google.com/youtube/answer/2801999">YouTube</a>',
    "See https://en.vietnamplus.vn/article-236589.vnp", "24/7", "14 July 2021",
])
def test_not_phone_numbers(text):
    assert phone_numbers(text) == [], text


def test_phone_number_in_a_lesson(content):
    edit(content, "en/a.yml", "  Call the helpline if", "  Call 1280 if")
    problem = find(problems(content), "en/a.yml", "'1280', which looks like a phone number")
    assert problem.line == LINE["first_3"]
    assert "helplines.yml" in problem.message


def test_khmer_phone_number_in_a_step(content):
    edit(content, "km/a.yml", "  - កុំលុបសារ។", "  - ហៅលេខ ០៩២ ៣១១ ៥១១។")
    assert find(problems(content), "km/a.yml", "looks like a phone number").line == LINE["step_2"]


# --------------------------------------------------------------------------- helplines.yml

def test_helpline_number_not_in_facts(content):
    edit(content, "helplines.yml", '"1280"', '"012 311112"')
    problem = find(problems(content), "helplines.yml", "not one of the numbers checked")
    assert problem.line == 2


@pytest.mark.parametrize("number", ['"117"', '"1288"', '"092 311 511"', '"092-311-511"', '"+855 23 224 841"'])
def test_helpline_numbers_from_facts_are_allowed(content, number):
    edit(content, "helplines.yml", '"1280"', number)
    assert problems(content) == []


def test_helpline_number_without_quotes(content):
    edit(content, "helplines.yml", '"1280"', "1280")
    assert find(problems(content), "helplines.yml", "write the number in double quotes").line == 2


def test_helpline_missing_km_name_and_unknown_field(content):
    edit(content, "helplines.yml", "    km: ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា\n", "")
    edit(content, "helplines.yml", "  source:", "  sorce:")
    found = problems(content)
    find(found, "helplines.yml", "has no name in km")
    assert "number, name, note, url, source" in find(found, "helplines.yml", "unknown field 'sorce'").message


def test_missing_helplines_yml(content):
    (content / "helplines.yml").unlink()
    found = problems(content)
    find(found, "helplines.yml", "helplines.yml is missing")
    find(found, "en/a.yml", "'child_helpline', which is not in helplines.yml")


# --------------------------------------------------------------------------- safety.yml, glossary.yml

def test_safety_topic_that_is_not_a_lesson(content):
    edit(content, "safety.yml", "a:\n", "emergency:\n")
    assert find(problems(content), "safety.yml", "'emergency' is not a lesson id").line == 1


def test_safety_language_other_than_en_km(content):
    edit(content, "safety.yml", "  km:\n", "  fr:\n")
    found = problems(content)
    assert find(found, "safety.yml", "the language 'fr' is not used").line == 4
    find(found, "safety.yml", "has no km: phrases", WARNING)


def test_safety_empty_list(content):
    edit(content, "safety.yml", "  en:\n    - in danger now\n", "  en: []\n")
    assert find(problems(content), "safety.yml", "'a' en: the list of phrases is empty").line == 2


def test_glossary_entry_without_km(content):
    edit(content, "glossary.yml", "  km: កូន / កុមារ\n", "")
    assert find(problems(content), "glossary.yml", "term 'child' has no km:").line == 1


# --------------------------------------------------------------------------- the API

def test_all_problems_are_collected_not_only_the_first(content):
    edit(content, "en/a.yml", "title: Lesson A", "title: " + "x" * 81)
    edit(content, "en/a.yml", "urgent: true", "urgent: yes please")
    edit(content, "en/a.yml", "  Call the helpline if", "  Call 1280 if")
    edit(content, "km/b.yml", "related: [a]", "related: [a, zz]")
    edit(content, "safety.yml", "  km:\n", "  fr:\n")
    found = [p for p in problems(content) if p.severity == ERROR]
    assert len(found) == 5
    assert [p.line for p in found if p.path.name == "a.yml"] == [2, 5, 9]  # sorted by file and line


def test_problem_str_shows_the_path_relative_to_the_repository():
    inside = Problem(REPO / "content" / "en" / "a.yml", 3, ERROR, "'title' is empty: write some text")
    assert str(inside) == "content/en/a.yml:3: 'title' is empty: write some text"
    warning = Problem(Path("/elsewhere/content/km/a.yml"), 7, WARNING, "the review date has passed")
    assert str(warning) == "/elsewhere/content/km/a.yml:7: warning: the review date has passed"


def test_error_lines_leaves_out_warnings(content):
    edit(content, "en/a.yml", "review_by: 2027-01-10", "review_by: 2026-03-01")
    edit(content, "en/b.yml", "title: Lesson B", "title: ")
    lines = error_lines(content)
    assert len(lines) == 1
    assert lines[0].endswith("en/b.yml:2: 'title' is empty: write some text")


def test_parity_lists_differences_between_en_and_km(content):
    edit(content, "km/a.yml", "  - រាយការណ៍គណនីនោះ។\n", "")
    edit(content, "km/a.yml", "urgent: true", "urgent: false")
    edit(content, "km/a.yml", "related: [b]", "related: []")
    edit(content, "en/b.yml", "related: [a]", "related: [a, b]")
    edit(content, "km/b.yml", "related: [a]", "related: [b, a]")
    edit(content, "km/b.yml", "sources:\n", "sources:\n  - title: NSPCC\n    url: https://www.nspcc.org.uk/\n")
    assert parity(content) == [
        "a: steps en 3, km 2",
        "a: related en [b], km []",
        "a: urgent en true, km false",
        "b: related order en [a, b], km [b, a]",
        "b: sources en 1, km 2",
    ]


def test_parity_skips_lessons_in_one_language_and_broken_files(content):
    (content / "km" / "b.yml").unlink()
    (content / "km" / "a.yml").write_text("title: [broken", encoding="utf-8")
    assert parity(content) == []


# --------------------------------------------------------------------------- the real content

def test_the_repository_content_has_no_errors():
    """Fails while lessons are being written; the message lists what to fix."""
    errors = error_lines(REPO / "content")
    assert errors == [], "\n".join(errors)
