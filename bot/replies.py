"""What the bot says, independent of Telegram: HTML text and rows of buttons."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass(frozen=True)
class Button:
    label: str
    data: str = ""                      # callback data, see bot.callbacks
    share: Optional[str] = None         # switch_inline_query: share into another chat
    url: Optional[str] = None


@dataclass(frozen=True)
class Reply:
    text: str                                        # Telegram's HTML subset
    buttons: Tuple[Tuple[Button, ...], ...] = field(default_factory=tuple)

    def all_buttons(self) -> Tuple[Button, ...]:
        return tuple(b for row in self.buttons for b in row)
