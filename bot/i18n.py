"""UI strings from Babel message catalogs (locale/<lang>/LC_MESSAGES/messages.po)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from babel import Locale, negotiate_locale
from babel.support import NullTranslations, Translations

LANGUAGES = ("km", "en")
DEFAULT_LANGUAGE = "km"


class Translator:
    """Per-language gettext; a missing catalog falls back to the English msgids."""

    def __init__(self, locale_dir: Path) -> None:
        self._catalogs: Dict[str, NullTranslations] = {
            lang: Translations.load(str(locale_dir), locales=[lang], domain="messages") for lang in LANGUAGES
        }

    def __call__(self, lang: Optional[str]) -> NullTranslations:
        return self._catalogs.get(lang or DEFAULT_LANGUAGE, self._catalogs[DEFAULT_LANGUAGE])


def negotiate(language_code: Optional[str]) -> str:
    """The bot language for a Telegram language_code ('km', 'en-US', ...); Khmer when unsure."""
    if not language_code:
        return DEFAULT_LANGUAGE
    # Babel hands back the caller's spelling ("EN" for "EN-gb"): compare in lower case.
    return negotiate_locale([language_code.replace("_", "-").lower()], list(LANGUAGES), sep="-") or DEFAULT_LANGUAGE


def language_name(lang: str) -> str:
    """A language's name in itself (ភាសាខ្មែរ is spelled out: CLDR's name is ខ្មែរ)."""
    return "ភាសាខ្មែរ" if lang == "km" else Locale.parse(lang).get_display_name(lang).capitalize()
