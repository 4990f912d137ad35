"""UI strings come from the Babel catalogs; languages are negotiated from Telegram's codes."""
import pytest

from bot.i18n import Translator, language_name, negotiate
from bot.settings import ROOT


@pytest.mark.parametrize("code, lang", [("km", "km"), ("km-KH", "km"), ("en", "en"), ("en-US", "en"),
                                        ("en_GB", "en"), ("EN-gb", "en"), ("KM", "km"), (None, "km"), ("fr", "km"), ("", "km")])
def test_negotiation(code, lang):
    assert negotiate(code) == lang


def test_khmer_catalog_translates_and_english_is_identity():
    translator = Translator(ROOT / "locale")
    assert translator("km").gettext("Menu") == "ម៉ឺនុយ"
    assert translator("en").gettext("Menu") == "Menu"
    assert language_name("km") == "ភាសាខ្មែរ" and language_name("en") == "English"


def test_every_catalog_message_is_translated_to_khmer():
    from babel.messages.pofile import read_po

    with open(ROOT / "locale" / "km" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and not m.string]
    assert not missing
