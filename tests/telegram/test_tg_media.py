"""Media is never downloaded, stored, logged or forwarded; images get reporting guidance."""
from __future__ import annotations

import logging

import pytest

from tests.telegram.tg_helpers import data, labels

GUIDANCE = {
    "km": ("សូមកុំផ្ញើរូបថត វីដេអូ ឬឯកសារមកទីនេះ", "(URL)"),
    "en": ("Please do not send photos, videos or files here", "web address (URL)"),
}
TEXT_ONLY = {"km": "ខ្ញុំអានបានតែអក្សរប៉ុណ្ណោះ", "en": "I can only read text"}
NOT_SENT_ON = ("getFile", "downloadFile", "forwardMessage", "forwardMessages", "copyMessage", "copyMessages",
               "sendPhoto", "sendVideo", "sendDocument", "sendMediaGroup")


def _file_ids(update) -> list:
    message = update["message"]
    found = []
    for value in message.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "file_id" in item:
                found += [item["file_id"], item["file_unique_id"]]
    return found


def _assert_never_fetched_or_logged(tg, mark, update, caplog):
    assert tg.api.file_requests() == []
    assert tg.api.calls_to(*NOT_SENT_ON, since=mark) == []
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert all(file_id not in logged for file_id in _file_ids(update))


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize("kind", ["photo", "video", "document"])
def test_photos_videos_and_documents_get_reporting_guidance_and_are_never_fetched(tg, caplog, lang, kind):
    caplog.set_level(logging.INFO)
    chat = tg.chat(lang)
    update = tg.api.media_message(chat.user, kind, caption={"km": "មើលនេះ", "en": "look at this"}[lang])
    mark = tg.api.mark()
    [reply] = chat.push(update)
    start, url = GUIDANCE[lang]
    assert reply["text"].startswith(start) and url in reply["text"]
    assert "<b>092 311 511</b>" in reply["text"]  # the APLE hotline takes web addresses
    assert data(reply)[:2] == ["l:report_abuse", "l:nude_image_shared"]
    assert "l:emergency" in data(reply)
    _assert_never_fetched_or_logged(tg, mark, update, caplog)
    assert tg.parts.store.totals()[("media", kind)] >= 1


@pytest.mark.parametrize("lang, caption, call_now", [
    ("en", "my daughter is missing, this is her photo", "Call now if a child is in danger:"),
    ("km", "កូនស្រីខ្ញុំបាត់ខ្លួន នេះរូបគាត់", "បើកុមារកំពុងមានគ្រោះថ្នាក់ សូមហៅឥឡូវនេះ៖"),
])
def test_a_caption_with_danger_words_gets_the_help_lines_first(tg, caplog, lang, caption, call_now):
    caplog.set_level(logging.INFO)
    chat = tg.chat("km" if lang == "en" else "en")  # the caption's language wins, as for text
    update = tg.api.photo_message(chat.user, caption=caption)
    mark = tg.api.mark()
    urgent, guidance = chat.push(update)
    assert urgent["text"].startswith(f"🆘 <b>{call_now}</b>")
    assert "<b>117</b>" in urgent["text"] and "<b>1280</b>" in urgent["text"]
    assert guidance["text"].startswith(GUIDANCE[lang][0])
    _assert_never_fetched_or_logged(tg, mark, update, caplog)
    assert caption not in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize("kind", ["voice", "video_note", "sticker", "audio", "animation"])
def test_voice_video_notes_and_stickers_get_the_menu_and_are_never_fetched(tg, caplog, lang, kind):
    caplog.set_level(logging.INFO)
    chat = tg.chat(lang)
    update = tg.api.media_message(chat.user, kind)
    mark = tg.api.mark()
    [reply] = chat.push(update)
    if kind == "animation":  # a GIF can be an image of abuse too: the same guidance as photos
        assert reply["text"].startswith(GUIDANCE[lang][0])
    else:
        assert reply["text"].startswith(TEXT_ONLY[lang])
        assert "menu:now" in data(reply) and "l:emergency" in data(reply)
    _assert_never_fetched_or_logged(tg, mark, update, caplog)


def test_media_in_a_group_is_ignored_and_never_fetched(tg):
    user = tg.user("en")
    group = tg.api.group_chat(title="Parents")
    mark = tg.push(tg.api.photo_message(user, chat=group), tg.api.voice_message(user, chat=group))
    assert tg.api.sent_messages(group["id"], since=mark) == []
    assert tg.api.file_requests() == []


def test_other_messages_without_text_are_handled_without_error(tg):
    chat = tg.chat("en")
    for update in (tg.api.location_message(chat.user), tg.api.contact_message(chat.user)):
        chat.push(update)
    # still answering afterwards
    [reply] = chat.command("/help")
    assert labels(reply)
