"""One conversation turn, on the real trained model and content, without Telegram."""
import asyncio

import pytest

from bot import callbacks
from bot.engine import Parse
from bot.storage.repository import user_hash


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def conversation(shared_parts):
    return shared_parts.conversation


@pytest.fixture(autouse=True)
def who(request):
    """A user of its own for each test, on the session's shared database."""
    global WHO
    WHO = user_hash(abs(hash(request.node.name)), "test-salt")
    return WHO


def labels(reply):
    return [b.label for b in reply.all_buttons()]


def test_emergency_in_khmer_opens_with_help_lines_before_the_lesson(conversation):
    turn = run(conversation.on_text(WHO, "ជួយផង កូនស្រីខ្ញុំបាត់ខ្លួន ទៅជួបបុរសម្នាក់ដែលស្គាល់តាម Facebook", None))
    text = turn.replies[0].text
    assert text.index("117") < text.index("1280")
    assert text.startswith("🆘")
    assert conversation.store.language(WHO) == "km"


def test_sextortion_in_english_says_do_not_pay_and_offers_next_steps(conversation):
    turn = run(conversation.on_text(WHO, "a man says he will send my son's naked video to everyone unless we pay", None))
    reply = turn.replies[0]
    assert "092 311 511" in reply.text and "pay" in reply.text.lower()
    data = [b.data for b in reply.all_buttons()]
    assert callbacks.more("sextortion", 1) in data and callbacks.feedback("sextortion", "up") in data
    assert any(b.share == "sextortion" for b in reply.all_buttons())


def test_danger_words_put_help_lines_first_even_when_the_nlu_chose_another_topic(conversation):
    turn = run(conversation.on_text(WHO, "my son keeps seeing naked videos on youtube by accident", None))
    assert turn.replies[0].text.startswith("🆘")
    assert len(turn.replies) >= 1


def test_out_of_scope_gets_a_polite_scope_message_and_the_menu(conversation):
    turn = run(conversation.on_text(WHO, "what is the price of gold in phnom penh today", None))
    assert "only help" in turn.replies[0].text
    assert any(b.data == callbacks.menu("now") for b in turn.replies[0].all_buttons())


def test_low_confidence_offers_three_topics_and_none_of_these(conversation):
    parse = Parse("nlu_fallback", 0.2, ranking=(("grooming", 0.2), ("out_of_scope", 0.19),
                                                ("stranger_contact", 0.18), ("sextortion", 0.1), ("greet", 0.05)))
    payloads = run(conversation.engine.respond(WHO, parse))
    assert payloads == [{"reply": "did_you_mean"}]
    reply = conversation._render(payloads[0], "en", parse)[0]
    data = [b.data for b in reply.all_buttons()]
    assert data == [callbacks.lesson("grooming"), callbacks.lesson("stranger_contact"),
                    callbacks.lesson("sextortion"), callbacks.NONE]
    none = run(conversation.on_callback(WHO, callbacks.NONE, None))
    assert "1280" in none.replies[-1].text


def test_emoji_only_gets_asked_for_words_and_the_menu(conversation):
    reply = run(conversation.on_text(WHO, "😀😀😀", "en")).replies[0]
    assert "could not read" in reply.text and any(b.data == callbacks.menu("now") for b in reply.all_buttons())


def test_more_parts_follow_in_order_then_sources(conversation):
    lesson = conversation.content.library.lesson("grooming", "en")
    run(conversation.on_callback(WHO, callbacks.language("en"), None))
    for part in range(1, len(lesson.more) + 1):
        reply = run(conversation.on_callback(WHO, callbacks.more("grooming", part), None)).replies[0]
        assert lesson.more[part - 1].title in reply.text
    assert "📚" in reply.text and "href=" in reply.text


def test_language_button_switches_all_labels(conversation):
    run(conversation.on_callback(WHO, callbacks.language("km"), None))
    assert "ម៉ឺនុយ" in labels(conversation.lesson("screen_time", conversation.language(WHO)))[-1]
    run(conversation.on_callback(WHO, callbacks.language("en"), None))
    assert conversation.menu(conversation.language(WHO)).text.startswith("Choose a topic")


def test_deep_links_open_a_lesson_or_count_a_source(conversation):
    turn = run(conversation.on_start(WHO, "lesson_report_abuse", "en"))
    assert conversation.content.library.lesson("report_abuse", "en").title in turn.replies[0].text
    run(conversation.on_start(WHO, "school_42", "en"))
    run(conversation.on_start(WHO, "../../etc", "en"))
    totals = conversation.store.totals()
    assert totals[("source", "school_42")] == 1 and ("source", "../../etc") not in totals


def test_forged_buttons_get_the_menu_and_a_notice(conversation):
    for data in ("l:nope", "m:grooming:9", "f:nope:up", "garbage", None):
        turn = run(conversation.on_callback(WHO, data, "en"))
        assert turn.replies and turn.notice or data == "m:grooming:9"


def test_photos_get_guidance_voice_gets_the_menu(conversation):
    photo = conversation.on_media(WHO, "photo", "en").replies[0]
    assert "URL" in photo.text and "092 311 511" in photo.text
    voice = conversation.on_media(WHO, "voice", "en").replies[0]
    assert "only read text" in voice.text


def test_forget_erases_the_user(conversation):
    run(conversation.on_callback(WHO, callbacks.language("en"), None))
    assert conversation.store.language(WHO) == "en"
    conversation.forget(WHO, None)
    assert conversation.store.language(WHO) is None


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "\ud800", "x" * 5000, "🙂" * 100],
                         ids=["empty", "spaces", "control", "surrogate", "5000-chars", "emoji"])
def test_bad_input_gets_a_clear_answer(conversation, text):
    turn = run(conversation.on_text(WHO, text, "en"))
    assert turn.replies and all(r.text for r in turn.replies)
