"""`rasa test core` on the session model: every conversation test story passes."""
import os
import subprocess
import sys
from pathlib import Path

from bot.engine import latest_model
from bot.settings import ROOT

STORIES = Path(__file__).parent / "test_stories.yml"


def test_conversation_stories_pass(model_dir, tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "test", "core", "--model", str(latest_model(model_dir)),
         "--stories", str(STORIES), "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    failed = (tmp_path / "failed_test_stories.yml")
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, f"{details}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "None of the test stories failed" in details, details
