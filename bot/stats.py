"""Aggregate figures for the operators (/stats): daily counts only, never who asked what."""
from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Dict, List, Tuple

from bot.storage import Store

DAYS = 30
TOP = 10  # lines shown per section; the rest are summed as "others"

# (title, kinds of Store.count() shown in it), in the order shown.
SECTIONS = (
    ("Topics asked", ("topic",)),
    ("Fallbacks", ("fallback",)),
    ("Deep links and sources", ("deep_link", "source")),
    ("Safety net (urgent words)", ("safety_net",)),
    ("Media sent", ("media",)),
)


def format_stats(store: Store, days: int = DAYS) -> str:
    """The /stats message (Telegram HTML): totals over the last `days` days."""
    totals = store.totals(days)
    by_kind: Dict[str, Dict[str, int]] = defaultdict(dict)
    for (kind, key), n in totals.items():
        by_kind[kind][key] = n
    lines = [f"<b>Last {days} days</b>",
             f"Users with a saved language: {store.user_count()} ({store.user_count(days)} set in this period)"]
    for title, kinds in SECTIONS:
        counts: Dict[str, int] = {}
        for kind in kinds:
            prefix = f"{kind}: " if len(kinds) > 1 else ""
            counts.update({prefix + key: n for key, n in by_kind.get(kind, {}).items()})
        lines += _section(title, counts)
    lines += _feedback(by_kind.get("feedback_up", {}), by_kind.get("feedback_down", {}))
    return "\n".join(lines)


def _section(title: str, counts: Dict[str, int]) -> List[str]:
    lines = ["", f"<b>{escape(title)}</b>: {sum(counts.values())}"]
    ranked: List[Tuple[str, int]] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    lines += [f"  {escape(key)}: {n}" for key, n in ranked[:TOP]]
    if len(ranked) > TOP:
        lines.append(f"  others: {sum(n for _, n in ranked[TOP:])}")
    return lines


def _feedback(up: Dict[str, int], down: Dict[str, int]) -> List[str]:
    lines = ["", f"<b>Feedback</b>: 👍 {sum(up.values())}  👎 {sum(down.values())}"]
    lessons = sorted(set(up) | set(down), key=lambda k: (-(up.get(k, 0) + down.get(k, 0)), k))
    lines += [f"  {escape(k)}: 👍 {up.get(k, 0)}  👎 {down.get(k, 0)}" for k in lessons[:TOP]]
    if len(lessons) > TOP:
        lines.append(f"  others: {len(lessons) - TOP} lessons")
    return lines
