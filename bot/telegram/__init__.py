"""The Telegram front end (python-telegram-bot): handlers, wiring and runners."""
