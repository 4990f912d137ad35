"""The real bot process (`python -m bot run`) pointed at a FakeBotAPI, for end-to-end tests.

    api = FakeBotAPI().start_in_thread()
    bot = BotProcess(api, database=tmp_path / "bot.db", model_dir=model_dir).start()
    bot.wait_ready()                      # polling: its first getUpdates; webhook: /healthz answers
    api.push_update(api.text_message(api.make_user(7), "hello"))
    api.wait_for_replies_sync(7)
    bot.stop()                            # SIGTERM and wait; bot.kill() is SIGKILL

Each process gets its own SQLite file; the log (stdout and stderr) goes to a file next to
it, and `bot.log()` / `bot.errors()` read it back for assertions and failure messages.
Nothing is sent anywhere but 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from tests.support.botapi import Call, FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    def __init__(self, api: FakeBotAPI, database: Path, model_dir: Path, *, webhook: bool = False,
                 env: Optional[Dict[str, str]] = None, log_name: Optional[str] = None) -> None:
        self.api = api
        self.database = Path(database)
        self.webhook = webhook
        self.port = free_port() if webhook else None
        self.secret = "test-webhook-secret"
        self.env = {
            **os.environ, **api.env(),
            "DATABASE_URL": f"sqlite:///{self.database}",
            "MODEL_DIR": str(model_dir),
            "CONTENT_DIR": str(ROOT / "content"),
            "HASH_SALT": "test-salt",
            "FLOOD_LIMIT": "1000",
            "LOG_LEVEL": "INFO",
            "CONTENT_RELOAD_SECONDS": "0",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
        for key in ("WEBHOOK_URL", "WEBHOOK_SECRET", "PORT", "LISTEN_HOST", "REDIS_URL", "BOT_NLU"):
            self.env.pop(key, None)
        if webhook:
            self.env.update(WEBHOOK_URL=f"http://127.0.0.1:{self.port}", WEBHOOK_SECRET=self.secret,
                            PORT=str(self.port), LISTEN_HOST="127.0.0.1")
        self.env.update(env or {})
        self.log_path = self.database.with_name(log_name or f"{self.database.stem}.log")
        self.proc: Optional[subprocess.Popen] = None
        self.started_at = 0.0
        self._log_file = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "BotProcess":
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n".encode())
        self._log_file.flush()
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=str(ROOT), env=self.env,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 120.0, since: int = 0) -> float:
        """Seconds from start until the bot takes updates."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_alive()
            if self.webhook:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                        if r.status == 200:
                            return time.monotonic() - self.started_at
                except OSError:
                    pass
            elif self.api.calls_to("getUpdates", since=since):
                return time.monotonic() - self.started_at
            time.sleep(0.05)
        raise AssertionError(f"the bot did not get ready in {timeout:.0f} s\n{self.tail()}")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"the bot process exited with code {self.proc.returncode}\n{self.tail()}")

    def stop(self, timeout: float = 20.0) -> Optional[int]:
        """SIGTERM, then SIGKILL if it does not stop in time; the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._close_log()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, like a crash or the OOM killer."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # ------------------------------------------------------------------ the log
    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def tail(self, n: int = 40) -> str:
        return "--- bot log (last lines) ---\n" + "\n".join(self.log().splitlines()[-n:])

    def errors(self) -> List[str]:
        """ERROR and CRITICAL log lines (the bot logs with `%(levelname)s %(name)s:`)."""
        return [line for line in self.log().splitlines() if " ERROR " in line or " CRITICAL " in line
                or line.startswith("Traceback")]

    # ------------------------------------------------------------------ webhook delivery
    def post_update(self, update: dict, timeout: float = 30.0) -> int:
        """POST an update to the webhook as Telegram would; the HTTP status."""
        import json

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/telegram", data=json.dumps(update, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": self.secret}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


# ---------------------------------------------------------------------- waiting for replies
# A text the test model answers with one non-urgent lesson (screen time): exactly one reply.
SCREEN_TIME_EN = "my son is always on his phone at night"
SCREEN_TIME_KM = "កូនខ្ញុំលេងទូរស័ព្ទពេញមួយយប់"


def ok_sends(api: FakeBotAPI, chat: int, since: int = 0) -> List[Call]:
    return [c for c in api.calls_to("sendMessage", chat_id=chat, since=since) if c.ok]


def wait_ok_sends(api: FakeBotAPI, bot: BotProcess, chat: int, count: int = 1, since: int = 0,
                  timeout: float = 30.0) -> List[Call]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bot.assert_alive()
        found = ok_sends(api, chat, since)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{count} reply(ies) to chat {chat} not delivered in {timeout:.0f} s; calls: "
                         f"{api.calls_to('sendMessage', chat_id=chat, since=since)}\n{bot.tail()}")


def settle(seconds: float = 0.6) -> None:
    """Long enough for a second (duplicate) reply to show up if the bot were to send one."""
    time.sleep(seconds)


@contextlib.contextmanager
def started_bot(model_dir: Path, directory: Path, **kwargs) -> Iterator[Tuple[FakeBotAPI, BotProcess]]:
    """A strict stand-in and one bot process polling it, ready; both stopped at the end."""
    api = FakeBotAPI(strict=True).start_in_thread()
    bot = BotProcess(api, Path(directory) / "bot.db", model_dir, **kwargs).start()
    try:
        bot.wait_ready()
        yield api, bot
    finally:
        bot.stop()
        api.stop_thread()
