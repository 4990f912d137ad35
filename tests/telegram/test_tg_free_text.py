"""Free text through Rasa: lessons and their buttons, "did you mean", out of scope, the safety net."""
from __future__ import annotations

import re

import pytest

from tests.telegram.tg_helpers import buttons, data, heading, labels

QUESTIONS = {  # a question the NLU answers with a lesson, in each language
    "en": ("how many hours should my child use phone", "screen_time"),
    "km": ("កូនញៀនទូរស័ព្ទខ្លាំងណាស់ ធ្វើម៉េចទៅ", "screen_time"),
}
WORDS = {
    "km": {"more": "បន្ថែមទៀត ▸", "up": "👍 មានប្រយោជន៍", "down": "👎 មិនមានប្រយោជន៍", "thanks": "សូមអរគុណដែលបានប្រាប់យើង។",
           "share": "📤 ចែករំលែកទៅឪពុកម្ដាយផ្សេង", "menu": "☰ ម៉ឺនុយ", "sources": "📚 ប្រភព",
           "none": "មិនមែនទាំងនេះទេ", "did_you_mean": "ខ្ញុំមិនប្រាកដថាយល់ត្រូវទេ។ តើអ្នកចង់និយាយពី៖",
           "talk": "បើអ្នកព្រួយបារម្ភ", "scope": "សូមទោស ខ្ញុំអាចជួយបានតែរឿងការពារកុមារ",
           "prompt": "សូមជ្រើសរើសប្រធានបទ", "now": "🚨 កំពុងកើតឡើង", "call_now": "បើកុមារកំពុងមានគ្រោះថ្នាក់ សូមហៅឥឡូវនេះ៖"},
    "en": {"more": "More ▸", "up": "👍 Helpful", "down": "👎 Not helpful", "thanks": "Thank you for telling us.",
           "share": "📤 Share with another parent", "menu": "☰ Menu", "sources": "📚 Sources",
           "none": "None of these", "did_you_mean": "I am not sure I understood. Did you mean:",
           "talk": "If you are worried", "scope": "Sorry, I can only help with keeping children safe online",
           "prompt": "Choose a topic", "now": "🚨 Happening now", "call_now": "Call now if a child is in danger:"},
}


@pytest.mark.parametrize("lang", ["km", "en"])
def test_free_text_gets_a_lesson_with_related_more_feedback_and_share_buttons(tg, lang):
    text, topic = QUESTIONS[lang]
    chat = tg.chat("en" if lang == "km" else "km")  # the language of the words wins
    [message] = chat.say(text)
    library = tg.parts.content.library
    lesson = library.lesson(topic, lang)
    words = WORDS[lang]
    assert message["text"].startswith(heading(lesson))
    names = labels(message)
    assert names[0] == words["more"]
    assert [library.lesson(r, lang).button for r in lesson.related] == names[1:1 + len(lesson.related)]
    assert [words["up"], words["down"], words["share"], words["menu"]] == names[-4:]
    share = next(b for b in buttons(message) if b["text"] == words["share"])
    assert share == {"text": words["share"], "switch_inline_query": topic}
    assert chat.language == lang

    # "More" walks through the parts; the last one names the sources.
    for part, section in enumerate(lesson.more, 1):
        [more] = chat.press(words["more"] if part == 1 else f"m:{topic}:{part}").messages
        assert more["text"].startswith(heading(section))
        assert (words["sources"] in more["text"]) == (part == len(lesson.more))
        assert (f"m:{topic}:{part + 1}" in data(more)) == (part < len(lesson.more))

    # A related topic opens that lesson.
    related = library.lesson(lesson.related[0], lang)
    [opened] = chat.press(related.button).messages
    assert opened["text"].startswith(heading(related)) or opened["text"].startswith("🆘")

    # Was this helpful: answered with a thank-you, counted, no new message.
    before = tg.parts.store.totals().get(("feedback_up", related.id), 0)
    press = chat.press(words["up"])
    assert press.notice == words["thanks"] and press.messages == []
    assert tg.parts.store.totals()[("feedback_up", related.id)] == before + 1
    press = chat.press(words["down"])
    assert press.notice == words["thanks"] and press.messages == []


# Vague by nature, with no topic's words in them ("a quick question about my child"): a
# topic word such as អ៊ីនធឺណិត "internet" reaches 0.30 parental_controls once the data grows.
LOW_CONFIDENCE = {"en": "i have a question about my grandson", "km": "សួរបន្តិច អំពីកូនខ្ញុំ"}


@pytest.mark.parametrize("lang", ["km", "en"])
def test_low_confidence_offers_did_you_mean_with_top_three_and_none_of_these(tg, lang):
    chat = tg.chat(lang)
    [question] = chat.say(LOW_CONFIDENCE[lang])
    words = WORDS[lang]
    assert question["text"] == words["did_you_mean"]
    topics = [d for d in data(question) if d.startswith("l:")]
    assert 1 <= len(topics) <= 3
    assert data(question)[-1] == "none" and labels(question)[-1] == words["none"]
    library = tg.parts.content.library
    assert labels(question)[:-1] == [library.lesson(t[2:], lang).button for t in topics]

    # A suggestion opens its lesson.
    [lesson] = chat.press(topics[0]).messages
    assert heading(library.lesson(topics[0][2:], lang)) in lesson["text"]

    # "None of these": the menu and a help line.
    chat.say(LOW_CONFIDENCE[lang])
    press = chat.press(words["none"])
    assert press.notice is None
    menu, talk = press.messages
    assert menu["text"].startswith(words["prompt"]) and words["now"] in labels(menu)
    assert talk["text"].startswith(words["talk"]) and "1280" in talk["text"]


OUT_OF_SCOPE = {"en": "what is the weather tomorrow in phnom penh", "km": "ថ្ងៃនេះភ្លៀងទេ"}


@pytest.mark.parametrize("lang", ["km", "en"])
def test_out_of_scope_gets_a_short_polite_scope_message_and_the_menu(tg, lang):
    [reply] = tg.chat(lang).say(OUT_OF_SCOPE[lang])
    assert reply["text"].startswith(WORDS[lang]["scope"])
    assert len(reply["text"]) < 200
    assert WORDS[lang]["now"] in labels(reply) and "l:emergency" in data(reply)


EMERGENCIES = {  # danger words from content/safety.yml
    "en": ["my son is missing", "my daughter is on tiktok all day and didnt come home"],
    "km": ["កូនខ្ញុំបាត់ខ្លួន", "កូនស្រីខ្ញុំទៅជួបអ្នកស្គាល់តាមអនឡាញ ហើយមិនទាន់មកផ្ទះវិញ"],
}


def _first_position(text: str, *numbers: str) -> int:
    return min(m.start() for n in numbers for m in [re.search(rf"<b>{re.escape(n)}</b>", text)] if m)


@pytest.mark.parametrize("lang, text", [(lang, t) for lang, ts in EMERGENCIES.items() for t in ts])
def test_an_emergency_is_answered_with_help_lines_first(tg, lang, text):
    chat = tg.chat(lang)
    replies = chat.say(text)
    first = replies[0]["text"]
    assert first.startswith("🆘 <b>" + WORDS[lang]["call_now"] + "</b>")
    lesson = tg.parts.content.library.lesson("emergency", lang)
    title = first.find(heading(lesson))
    police = _first_position(first, "117", "1288")
    assert 0 < police and "<b>1280</b>" in first
    if title != -1:  # the lesson in the same message: after the numbers
        assert police < title and first.index("<b>1280</b>") < title
    else:  # or in the next message
        assert any(heading(lesson) in r["text"] for r in replies[1:])


@pytest.mark.parametrize("lang, text, topic", [
    ("en", "kids are bullying my son in the class group and now he wants to die", "cyberbullying"),
    ("km", "កូនខ្ញុំលេងហ្គេម Free Fire រហូត ហើយឥឡូវបាត់ខ្លួន", "online_gaming"),
])
def test_danger_words_put_urgent_help_before_the_lesson_the_nlu_chose(tg, lang, text, topic):
    help_first, lesson = tg.chat(lang).say(text)
    assert help_first["text"].startswith("🆘 <b>" + WORDS[lang]["call_now"] + "</b>")
    assert "<b>117</b>" in help_first["text"] and "<b>1280</b>" in help_first["text"]
    assert data(help_first) == ["l:emergency"]  # the help lines are in the text, not behind it
    assert lesson["text"].startswith(heading(tg.parts.content.library.lesson(topic, lang)))


@pytest.mark.parametrize("lang, text, start", [
    ("en", "hello", "Hello!"), ("km", "សួស្តី", "សួស្តី!"),
    ("en", "are you a robot", "I am a chatbot"), ("km", "លាហើយ", "លាសិនហើយ"),
])
def test_conversation_moves(tg, lang, text, start):
    [reply] = tg.chat(lang).say(text)
    assert reply["text"].startswith(start)
