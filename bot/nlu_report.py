"""`python -m bot ask`: what the NLU makes of one message, for people tuning the data."""
from __future__ import annotations

from typing import Any, Dict

from bot.content.models import TOPICS
from bot.engine import Engine, latest_model
from bot.nlu.khmer_text import script_share
from bot.settings import Settings


async def ask(settings: Settings, text: str, engine: Engine | None = None) -> Dict[str, Any]:
    engine = engine or Engine.load(latest_model(settings.model_dir))
    parse = await engine.parse(text)
    share = script_share(text)
    return {
        "language": "km" if share > 0.5 else "en" if share < 0.2 else "unknown",
        "intent": parse.intent,
        "confidence": parse.confidence,
        "ranking": [{"intent": n, "confidence": c} for n, c in parse.ranking[:3]],
        "entities": [{"entity": e["entity"], "value": e["value"], "start": e["start"], "end": e["end"]} for e in parse.entities],
        "lesson": parse.intent if parse.intent in TOPICS else None,
    }
