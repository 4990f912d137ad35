"""A chat in the terminal through the same engine and rendering as Telegram.

Buttons are shown as numbered choices; type the number to press one.
"""
from __future__ import annotations

import asyncio
import html
import re
import sys
from typing import List, Optional, TextIO

from bot.conversation import Turn
from bot.replies import Button, Reply
from bot.settings import Settings
from bot.storage.repository import user_hash

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as plain text for a terminal."""
    text = re.sub(r'<a href="([^"]*)">([^<]*)</a>', r"\2 (\1)", text)
    return html.unescape(_TAG.sub("", text))


def show(reply: Reply, html: bool = False, out: TextIO = sys.stdout) -> List[Button]:
    """Print a reply with numbered buttons; returns the buttons in that order."""
    print(reply.text if html else plain(reply.text), file=out)
    buttons = list(reply.all_buttons())
    for number, button in enumerate(buttons, 1):
        print(f"  [{number}] {button.label}", file=out)
    return buttons


async def converse(conversation, who: str, lines, out: TextIO = sys.stdout, bot_username: str = "this_bot") -> None:
    """Run a chat over an iterator of input lines (stdin, or a list in tests)."""
    buttons: List[Button] = []

    def emit(turn: Turn) -> None:
        nonlocal buttons
        if turn.notice:
            print(f"({turn.notice})", file=out)
        buttons = []
        for reply in turn.replies:
            print(file=out)
            buttons.extend(show(reply, out=out))

    emit(await conversation.on_start(who, "", None))
    for line in lines:
        line = line.strip()
        if line in ("/quit", "/exit"):
            break
        chosen: Optional[Button] = buttons[int(line) - 1] if line.isdigit() and 0 < int(line) <= len(buttons) else None
        if chosen and chosen.data:
            emit(await conversation.on_callback(who, chosen.data, None))
        elif chosen and (chosen.share or chosen.url):
            print(f"(share: @{bot_username} {chosen.share})" if chosen.share else f"(link: {chosen.url})", file=out)
        elif line in ("/menu", "/start"):
            emit(Turn((conversation.menu(conversation.language(who)),)))
        elif line == "/forget":
            emit(conversation.forget(who, None))
        else:
            emit(await conversation.on_text(who, line, None))
        print("\n> ", end="", file=out, flush=True)


def chat(settings: Settings) -> int:
    from bot.app import build, configure_logging

    configure_logging(settings)
    parts = build(settings)
    print("Type your question (Khmer or English), a number to press a button, /menu, or /quit.", file=sys.stderr)
    try:
        asyncio.run(converse(parts.conversation, user_hash(0, "terminal" + settings.hash_salt), sys.stdin))
    except (KeyboardInterrupt, EOFError):
        pass
    return 0
