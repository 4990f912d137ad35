"""What a caregiver writes or sends is neither stored nor logged (words, file ids, Telegram ids)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.telegram.tg_helpers import data


@pytest.mark.parametrize("lang, secret", [
    ("en", "Sokha's uncle Dara keeps sending her phone credit and asks her to keep it secret"),
    ("km", "ពូដារ៉ាចេះតែផ្ញើកាតទូរស័ព្ទឱ្យសុខា ហើយប្រាប់វាកុំឱ្យប្រាប់ម៉ែ"),
])
def test_words_file_ids_and_user_ids_are_not_kept_or_logged(tg, caplog, lang, secret):
    caplog.set_level(logging.INFO)
    chat = tg.chat(lang)
    replies = chat.say(secret)
    assert replies and any(d.startswith("f:") for r in replies for d in data(r))  # a lesson
    photo = tg.api.photo_message(chat.user, caption=secret)
    chat.push(photo)
    tg.push(tg.api.inline_query(chat.user, secret[:40]))
    file_id = photo["message"]["photo"][-1]["file_id"]

    database = Path(tg.settings.database_url[len("sqlite:///"):]).read_bytes()
    for word in (secret, secret[:20], file_id):
        assert word.encode() not in database
    assert str(chat.id).encode() not in database  # users are salted hashes
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for word in (secret[:20], file_id, str(chat.id)):
        assert word not in logged
