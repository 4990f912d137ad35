"""A Telegram bot that helps caregivers in Cambodia keep children safe online."""
import os

# Rasa reports usage to a remote server unless told not to; this bot sends nothing
# anywhere but Telegram. Set before any rasa import, which reads it at import time.
os.environ["RASA_TELEMETRY_ENABLED"] = "false"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("LOG_LEVEL_LIBRARIES", "ERROR")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
