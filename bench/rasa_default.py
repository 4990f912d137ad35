"""Rasa's default NLU pipeline (as `rasa init` writes it), trained and run through Rasa itself."""
from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import List, Sequence

from bench.common import SEED, Example

# `rasa init`'s config.yml (Rasa 3.6), NLU part. Left out: EntitySynonymMapper (no
# annotated entities), ResponseSelector (no retrieval intents) and FallbackClassifier
# (we score the top intent). DIET's random_seed is pinned for repeatable figures.
DEFAULT_CONFIG = f"""\
recipe: default.v1
language: en
assistant_id: bench-rasa-default
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
    random_seed: {SEED}
policies: []
"""


class RasaDefault:
    """WhitespaceTokenizer + Regex/LexicalSyntactic/CountVectors featurizers + DIETClassifier (100 epochs)."""

    name = "Rasa default (DIET)"

    def __init__(self) -> None:
        self.agent = None
        self.train_seconds = 0.0

    def fit(self, examples: Sequence[Example]) -> "RasaDefault":
        from rasa.core.agent import Agent
        from rasa.model_training import train_nlu
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.nlu.training_data.training_data import TrainingData

        work = Path(tempfile.mkdtemp(prefix="bench-diet-"))
        # No Rasa training cache: the time is a full training, and ~0.5 GB of DIET models
        # per training stays out of the project's .rasa/cache.
        cache_size = os.environ.get("RASA_MAX_CACHE_SIZE")
        os.environ["RASA_MAX_CACHE_SIZE"] = "0"
        try:
            data = TrainingData([Message.build(text=e.text, intent=e.intent) for e in examples])
            (work / "nlu.yml").write_text(data.nlu_as_yaml(), encoding="utf-8")
            (work / "config.yml").write_text(DEFAULT_CONFIG, encoding="utf-8")
            started = time.perf_counter()
            model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"),
                              fixed_model_name="diet")
            self.train_seconds = time.perf_counter() - started
            if not model:
                raise RuntimeError("Rasa NLU training failed")
            from bot.engine import quiet_rasa_logs

            quiet_rasa_logs()
            self.agent = Agent.load(model)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if cache_size is None:
                os.environ.pop("RASA_MAX_CACHE_SIZE", None)
            else:
                os.environ["RASA_MAX_CACHE_SIZE"] = cache_size
        return self

    def predict(self, texts: Sequence[str]) -> List[str]:
        async def parse_all():
            out = []
            for text in texts:
                data = await self.agent.parse_message(text)
                out.append((data.get("intent") or {}).get("name") or "")
            return out

        return asyncio.run(parse_all())
