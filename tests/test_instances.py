"""Two real bot processes in webhook mode behind one "load balancer", sharing PostgreSQL and Redis.

The test posts each user's updates to the two instances in turn, sends some twice (once to
each instance, at the same moment, as when Telegram retries), and checks with the Bot API
stand-in that every update was answered exactly once, in order, in the language the user
chose on the other instance.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from bot.settings import ROOT
from tests.services import drop_all_tables, postgres_url, redis_url, services  # noqa: F401  (fixtures)
from tests.support.botapi import FakeBotAPI

pytestmark = pytest.mark.timeout(600)

TOKEN = "123456:TEST-token-for-tests"
SECRET = "instances-test-secret"
SALT = "instances-test-salt"
USERS = 3
ADMIN = 0  # index of the user listed in ADMIN_IDS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5.0):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.status, response.read().decode()


@dataclass
class Instance:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    env: Dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_instance(name: str, api: FakeBotAPI, database_url: str, redis: str, model_dir: Path,
                   admin_id: int, tmp: Path) -> Instance:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url, "TELEGRAM_FILE_URL": api.base_file_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}", "WEBHOOK_SECRET": SECRET, "PORT": str(port),
        "LISTEN_HOST": "127.0.0.1", "DATABASE_URL": database_url, "REDIS_URL": redis,
        "MODEL_DIR": str(model_dir), "CONTENT_DIR": str(ROOT / "content"), "HASH_SALT": SALT,
        "ADMIN_IDS": str(admin_id), "FLOOD_LIMIT": "100", "LOG_LEVEL": "INFO", "CONTENT_RELOAD_SECONDS": "0",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    log = tmp / f"bot-{name}.log"
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    return Instance(name, port, process, log, env)


def wait_healthy(instance: Instance, deadline: float) -> None:
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            pytest.fail(f"instance {instance.name} exited with {instance.process.returncode}:\n{instance.log_tail()}")
        try:
            if get(instance.url + "/healthz", timeout=2)[0] == 200:
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    pytest.fail(f"instance {instance.name} did not answer /healthz in time:\n{instance.log_tail()}")


def stop_instance(instance: Instance) -> Optional[int]:
    if instance.process.poll() is None:
        instance.process.send_signal(signal.SIGTERM)
        try:
            return instance.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(instance.process.pid, signal.SIGKILL)
            instance.process.wait(timeout=10)
            return None
    return instance.process.returncode


@pytest.fixture(scope="module")
def cluster(postgres_url, redis_url, model_dir, tmp_path_factory):
    """The Bot API stand-in and two bot instances on an empty database."""
    import redis

    drop_all_tables(postgres_url)
    redis.Redis.from_url(redis_url).flushdb()
    tmp = tmp_path_factory.mktemp("instances")
    api = FakeBotAPI(token=TOKEN).start_in_thread()
    users = [api.make_user(first_name=f"Caregiver{i}", language_code="en") for i in range(USERS)]
    instances = [start_instance(name, api, postgres_url, redis_url, model_dir, users[ADMIN]["id"], tmp) for name in "AB"]
    try:
        deadline = time.monotonic() + 300
        for instance in instances:
            wait_healthy(instance, deadline)
        yield api, instances, users
    finally:
        codes = [stop_instance(instance) for instance in instances]
        api.stop_thread()
        drop_all_tables(postgres_url)
    assert codes == [0, 0], "the instances did not stop cleanly on SIGTERM:\n" + "\n".join(i.log_tail() for i in instances)


@pytest.fixture(scope="module")
def conversation():
    """What the bot says, rendered in-process by the same code the instances run."""
    from bot.content.loader import ContentStore
    from bot.conversation import Conversation
    from bot.i18n import Translator

    return Conversation(None, ContentStore(ROOT / "content"), Translator(ROOT / "locale"), None)


def updates_handled(instance: Instance) -> float:
    """bot_updates_total of an instance, all update types together."""
    text = get(instance.url + "/metrics")[1]
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("bot_updates_total{"))


async def deliver(api: FakeBotAPI, instance: Instance, update: dict, secret: str = SECRET) -> int:
    return await api.deliver_webhook(update, url=instance.url + "/telegram", secret_token=secret, timeout=120)


def test_updates_shared_by_two_instances_are_each_answered_once_in_order(cluster, conversation):
    api, instances, users = cluster
    km_question = "កូនខ្ញុំលេង Free Fire ពេក"
    # (update builder, replies expected) for every user, in order; language chosen on one
    # instance must show in the next reply, which the other instance sends.
    script = [
        (lambda u: api.command(u, "/start school42"), [conversation.welcome("en").text]),
        (lambda u: api.callback_query(u, "g:km"), [conversation.welcome("km", choose_language=False).text]),
        (lambda u: api.command(u, "/menu"), [conversation.menu("km").text]),
        (lambda u: api.command(u, "/help"), [conversation.help("km").text]),
        (lambda u: api.text_message(u, km_question), [conversation.lesson("online_gaming", "km").text]),
        (lambda u: api.command(u, "/privacy"), [conversation.privacy("km").text]),
        (lambda u: api.command(u, "/language"), [conversation.language_choice("km").text]),
        (lambda u: api.callback_query(u, "g:en"), [conversation.welcome("en", choose_language=False).text]),
        (lambda u: api.command(u, "/menu"), [conversation.menu("en").text]),
    ]
    assert conversation.menu("km").text != conversation.menu("en").text, "the Khmer catalog is not compiled"
    twice = {1, 2, 4, 7}  # steps delivered to both instances at once, as a retry would
    seen: Dict[int, List[List[str]]] = {}
    delivered: List[int] = []

    async def one_user(index: int, user: dict) -> None:
        chat = user["id"]
        seen[chat] = []
        for step, (build, _) in enumerate(script):
            update = build(user)
            mark = api.mark()
            first = instances[(index + step) % 2]
            if step in twice:
                statuses = await asyncio.gather(deliver(api, first, update), deliver(api, instances[(index + step + 1) % 2], update))
            else:
                statuses = [await deliver(api, first, update)]
            assert statuses == [200] * len(statuses)
            delivered.append(update["update_id"])
            seen[chat].append([c.text for c in api.calls_to("sendMessage", since=mark, chat_id=chat) if c.ok])

    async def everyone() -> None:
        await asyncio.gather(*(one_user(i, u) for i, u in enumerate(users)))

    asyncio.run(asyncio.wait_for(everyone(), 300))
    time.sleep(1.0)  # nothing may come late either

    assert len(set(delivered)) == USERS * len(script)
    for user in users:
        chat = user["id"]
        for step, (_, replies) in enumerate(script):
            assert seen[chat][step] == replies, f"user {chat}, step {step}"
        all_sent = [c.text for c in api.calls_to("sendMessage", chat_id=chat) if c.ok]
        assert all_sent == [text for _, replies in script for text in replies]
    # every button press answered once, the retried ones too
    assert len(api.calls_to("answerCallbackQuery")) == 2 * USERS
    # Both instances did part of the work, and the retried updates did reach both: the
    # second copy was taken in and dropped (counted, not answered).
    handled = [updates_handled(instance) for instance in instances]
    assert all(n > 0 for n in handled) and sum(handled) == USERS * (len(script) + len(twice))
    for instance in instances:
        assert "Traceback" not in instance.log.read_text(errors="replace"), instance.log_tail()


def test_stats_answer_admins_only(cluster):
    api, instances, users = cluster
    admin, other = users[ADMIN], users[ADMIN + 1]
    mark = api.mark()
    for instance in instances:
        assert asyncio.run(deliver(api, instance, api.command(other, "/stats"))) == 200
    assert api.calls_to("sendMessage", since=mark) == []
    assert asyncio.run(deliver(api, instances[1], api.command(admin, "/stats"))) == 200
    replies = [c.text for c in api.calls_to("sendMessage", since=mark) if c.ok]
    assert len(replies) == 1 and replies[0].startswith("<b>Last 30 days</b>")
    assert "<b>Topics asked</b>" in replies[0] and "<b>Feedback</b>" in replies[0]


def test_health_metrics_and_forged_posts(cluster):
    api, instances, users = cluster
    for instance in instances:
        status, body = get(instance.url + "/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["ok"] is True and health["lessons"] > 0

        status, metrics = get(instance.url + "/metrics")
        assert status == 200
        assert "# TYPE bot_updates_total counter" in metrics
        assert "# TYPE bot_update_seconds histogram" in metrics
        assert "bot_update_seconds_bucket{" in metrics and "bot_update_seconds_count" in metrics

        update = api.command(users[0], "/help")
        mark = api.mark()
        assert asyncio.run(deliver(api, instance, update, secret="wrong")) == 403
        assert asyncio.run(deliver(api, instance, update, secret=None)) == 403
        assert api.calls_to("sendMessage", since=mark) == []

        # Docker's HEALTHCHECK command, with the instance's own settings
        check = subprocess.run([sys.executable, "-m", "bot", "healthcheck"], cwd=ROOT, env=instance.env,
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
    dead = {**instances[0].env, "PORT": str(free_port())}
    check = subprocess.run([sys.executable, "-m", "bot", "healthcheck"], cwd=ROOT, env=dead,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 1
