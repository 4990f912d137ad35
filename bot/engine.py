"""The language engine: a trained Rasa model (NLU and dialogue) running in-process."""
from __future__ import annotations

import asyncio
import copy
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot import text_input

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


class ModelMissing(RuntimeError):
    """No trained model where the settings say; `make train` makes one."""


@dataclass(frozen=True)
class Parse:
    """What the NLU understood of one message."""

    intent: Optional[str]
    confidence: float = 0.0
    ranking: Tuple[Tuple[str, float], ...] = ()
    entities: Tuple[Dict[str, Any], ...] = ()
    data: Dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def top(self, n: int, exclude: Tuple[str, ...] = ()) -> List[str]:
        return [name for name, _ in self.ranking if name not in exclude][:n]

    def with_intent(self, intent: str, confidence: float = 1.0) -> "Parse":
        data = copy.deepcopy(self.data)
        data["intent"] = {"name": intent, "confidence": confidence}
        return Parse(intent, confidence, self.ranking, self.entities, data)


EMPTY = Parse(None)


def quiet_rasa_logs() -> None:
    """Rasa's structured logs print each parsed message's text at debug level; drop all below WARNING."""
    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        processors=[structlog.processors.add_log_level, structlog.processors.KeyValueRenderer()],
    )


def latest_model(model_dir: Path) -> Path:
    models = sorted(Path(model_dir).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise ModelMissing(f"no trained model in {model_dir}: run `make train`")
    return models[-1]


class Engine:
    """Parses messages and runs the dialogue policy for one sender at a time."""

    def __init__(self, agent, review_logging: bool = False, threads: int = 1) -> None:
        self.agent = agent
        self.review_logging = review_logging
        # The NLU runs on threads of its own: most of a parse is the sentence vector,
        # computed in C without the GIL, so meanwhile the event loop goes on with other
        # chats' sends and dialogue, and with two threads two vectors are computed at once.
        # The components keep no state between messages (khmercut's tagger, which does,
        # is behind a lock); tests/nlu/test_model.py checks parses at once against one by one.
        self._nlu = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="nlu")
        self._loops = threading.local()

    @classmethod
    def load(cls, model_path: Path, tracker_store=None, lock_store=None, review_logging: bool = False,
             threads: int = 1) -> "Engine":
        from rasa.core.agent import Agent

        quiet_rasa_logs()
        agent = Agent.load(str(model_path), tracker_store=tracker_store, lock_store=lock_store)
        return cls(agent, review_logging, threads)

    @property
    def intents(self) -> List[str]:
        return list(self.agent.domain.intents)

    async def parse(self, text: str) -> Parse:
        """Intent, ranking and entities for a message; EMPTY when there is nothing to parse."""
        text = text_input.clean(text)
        if not text:
            return EMPTY
        data = await asyncio.get_running_loop().run_in_executor(self._nlu, self._parse_now, text)
        intent = data.get("intent") or {}
        ranking = tuple((r["name"], float(r["confidence"])) for r in data.get("intent_ranking") or [])
        return Parse(intent.get("name"), float(intent.get("confidence") or 0.0), ranking,
                     tuple(data.get("entities") or ()), data)

    def _parse_now(self, text: str) -> Dict[str, Any]:
        # Rasa's parse_message is a coroutine that runs the NLU graph without awaiting
        # anything, so a private event loop on this thread is enough; kept for the thread's
        # life (a new one per message cost more than the classifier).
        loop = getattr(self._loops, "loop", None)
        if loop is None:
            loop = self._loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(self.agent.parse_message(text))

    async def respond(self, sender_id: str, parse: Parse) -> List[Dict[str, Any]]:
        """Run the dialogue for an already parsed message; the custom payloads to render."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        data = copy.deepcopy(parse.data) if parse.data else {"intent": {"name": parse.intent, "confidence": parse.confidence}, "entities": []}
        data["intent"] = {"name": parse.intent, "confidence": parse.confidence}
        # The tracker keeps intents and entities; the words stay out unless an operator
        # turned on review logging.
        text = data.get("text", "") if self.review_logging else ""
        data["text"] = text
        if not self.review_logging:
            data["entities"] = [{k: v for k, v in e.items() if k in ("entity", "value", "start", "end")} for e in data.get("entities", [])]
        output = CollectingOutputChannel()
        await self.agent.handle_message(UserMessage(text, output, sender_id, parse_data=data))
        return [m["custom"] for m in output.messages if isinstance(m.get("custom"), dict)]


class ConstantEngine:
    """Engine's interface with one fixed answer and no Rasa: `BOT_NLU=constant`.

    For the load benchmark only: everything else (Telegram, the database, rendering)
    runs as usual, so the difference to a run with the real Engine is what the NLU
    and the dialogue policy cost.
    """

    def __init__(self, intent: str = "get_help") -> None:
        self.intent = intent

    @property
    def intents(self) -> List[str]:
        return [self.intent]

    async def parse(self, text: str) -> Parse:
        if not text_input.clean(text):
            return EMPTY
        return Parse(self.intent, 1.0, ((self.intent, 1.0),))

    async def respond(self, sender_id: str, parse: Parse) -> List[Dict[str, Any]]:
        return [{"lesson": self.intent}]
