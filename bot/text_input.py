"""Make any incoming text safe to process: bounded, valid Unicode, no control characters."""
from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 4096  # Telegram's own limit for a message
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """Text as the NLU should see it; '' when nothing meaningful is left."""
    if not isinstance(text, str):
        return ""
    # Lone surrogates cannot be encoded to UTF-8 and would crash logging or storage.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub(" ", text[:MAX_CHARS])
    text = unicodedata.normalize("NFC", text)
    return text.strip()
