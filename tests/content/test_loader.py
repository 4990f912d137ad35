"""ContentStore with the validator: live reload of good edits, refusal of broken ones."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.content.loader import ContentError, ContentStore
from bot.content.validator import error_lines

EN = """\
id: a
title: Stay safe online
summary: What to do first.
button: Stay safe
urgent: false
first: |
  <b>Stay calm.</b> Talk with your child.

  Ask for help if you are worried.
related: []
helplines: [child_helpline]
sources:
  - title: UNICEF
    url: https://www.unicef.org/eap/
reviewed: 2026-01-10
review_by: 2099-01-10
"""

KM = """\
id: a
title: សុវត្ថិភាពតាមអនឡាញ
summary: អ្វីដែលត្រូវធ្វើមុនគេ។
button: សុវត្ថិភាព
urgent: false
first: |
  <b>សូមរក្សាភាពស្ងប់ស្ងាត់។</b> និយាយជាមួយកូន។

  សុំជំនួយ បើអ្នកព្រួយបារម្ភ។
related: []
helplines: [child_helpline]
sources:
  - title: UNICEF
    url: https://www.unicef.org/eap/
reviewed: 2026-01-10
review_by: 2099-01-10
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
"""


@pytest.fixture
def content(tmp_path) -> Path:
    content = tmp_path / "content"
    for name, text in {"en/a.yml": EN, "km/a.yml": KM, "helplines.yml": HELPLINES}.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    return content


@pytest.fixture
def store(content) -> ContentStore:
    return ContentStore(content, check=error_lines)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a visible change even on coarse clocks


def title(store: ContentStore) -> str:
    return store.library.lesson("a", "en").title


def test_starts_with_the_content(store):
    assert title(store) == "Stay safe online"
    assert store.reload_if_changed() is False  # nothing changed


def test_reloads_after_an_edit(store, content):
    edit(content / "en" / "a.yml", "title: Stay safe online", "title: Keep your child safe online")
    assert store.reload_if_changed() is True
    assert title(store) == "Keep your child safe online"
    assert store.reload_if_changed() is False


def test_keeps_the_last_good_library_when_yaml_breaks(store, content, caplog):
    edit(content / "en" / "a.yml", "title: Stay safe online", "title: [Stay safe online")
    with caplog.at_level(logging.ERROR, logger="bot.content.loader"):
        assert store.reload_if_changed() is False
    assert title(store) == "Stay safe online"
    assert "en/a.yml:3:" in caplog.text  # the flow list runs into the next line
    assert "YAML syntax" in caplog.text
    assert "keeping the last good version" in caplog.text


def test_keeps_the_last_good_library_when_a_validator_rule_breaks(store, content, caplog):
    # parses fine, but a phone number in the text is against the rules
    edit(content / "en" / "a.yml", "title: Stay safe online", "title: Safe online")
    edit(content / "en" / "a.yml", "  Ask for help if", "  Call 1280 if")
    with caplog.at_level(logging.ERROR, logger="bot.content.loader"):
        assert store.reload_if_changed() is False
    assert title(store) == "Stay safe online"
    assert "en/a.yml:9: 'first' contains '1280', which looks like a phone number" in caplog.text


def test_keeps_the_last_good_library_when_a_helpline_number_is_not_checked(store, content, caplog):
    edit(content / "helplines.yml", '"1280"', '"012 311112"')
    with caplog.at_level(logging.ERROR, logger="bot.content.loader"):
        assert store.reload_if_changed() is False
    assert store.library.helplines["child_helpline"].number == "1280"
    assert "helplines.yml:2:" in caplog.text


def test_recovers_after_the_broken_edit_is_fixed(store, content):
    path = content / "km" / "a.yml"
    edit(path, "title: សុវត្ថិភាពតាមអនឡាញ", "title: Safety online in English")
    edit(path, "  <b>សូមរក្សាភាពស្ងប់ស្ងាត់។</b> និយាយជាមួយកូន។", "  <b>Stay calm.</b> Talk with your child.")
    edit(path, "  សុំជំនួយ បើអ្នកព្រួយបារម្ភ។", "  Ask for help if you are worried, and talk again tomorrow.")
    assert store.reload_if_changed() is False  # not in Khmer script
    edit(path, "title: Safety online in English", "title: សុវត្ថិភាព")
    edit(path, "  <b>Stay calm.</b> Talk with your child.", "  <b>សូមរក្សាភាពស្ងប់ស្ងាត់។</b> និយាយជាមួយកូន។")
    edit(path, "  Ask for help if you are worried, and talk again tomorrow.", "  សុំជំនួយ បើអ្នកព្រួយបារម្ភ។")
    assert store.reload_if_changed() is True
    assert store.library.lesson("a", "km").title == "សុវត្ថិភាព"


def test_a_warning_does_not_block_an_edit(store, content):
    edit(content / "en" / "a.yml", "review_by: 2099-01-10", "review_by: 2026-02-01")
    edit(content / "en" / "a.yml", "title: Stay safe online", "title: Safe online")
    assert store.reload_if_changed() is True
    assert title(store) == "Safe online"


def test_refuses_to_start_on_broken_content(content):
    edit(content / "km" / "a.yml", "related: []", "related: [nowhere]")
    with pytest.raises(ContentError) as raised:
        ContentStore(content, check=error_lines)
    assert "km/a.yml:10:" in str(raised.value)
