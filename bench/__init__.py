"""Benchmarks: `python -m bench [NAME ...]` (see bench/__main__.py)."""
import os

# As in bot/__init__.py: no telemetry, quiet TensorFlow, before anything imports rasa.
os.environ["RASA_TELEMETRY_ENABLED"] = "false"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("LOG_LEVEL_LIBRARIES", "ERROR")
