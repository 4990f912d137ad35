"""Train the Rasa model (NLU and dialogue) from the repository's data."""
from __future__ import annotations

import time
from pathlib import Path

from bot.settings import ROOT


def train(config: Path, out: Path, nlu_data: Path = ROOT / "nlu_data", stories: Path = ROOT / "stories",
          domain: Path = ROOT / "domain.yml", name: str | None = None) -> Path:
    """Train into out/<timestamp>.tar.gz (or out/<name>.tar.gz) and return the path."""
    from rasa.model_training import train as rasa_train

    out.mkdir(parents=True, exist_ok=True)
    result = rasa_train(
        domain=str(domain), config=str(config), training_files=[str(nlu_data), str(stories)],
        output=str(out), fixed_model_name=name or time.strftime("%Y%m%d-%H%M%S"), force_training=True,
    )
    if result.code != 0 or not result.model:
        raise RuntimeError(f"training failed (code {result.code})")
    return Path(result.model)
