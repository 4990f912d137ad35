"""`python -m bot healthcheck`: is the running bot alive? For Docker's HEALTHCHECK.

Webhook mode asks the bot's own /healthz. Polling mode has no HTTP server, so the bot's
background loop touches a heartbeat file every few seconds (at most a minute apart) and
the check looks at its age: a bot whose event loop is stuck or gone stops touching it.
"""
from __future__ import annotations

import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Optional, Tuple

from bot.settings import Settings

HEARTBEAT = Path(tempfile.gettempdir()) / "caregiver-bot.heartbeat"
MAX_AGE = 180.0  # seconds; the loop beats at least every 60


def beat(path: Optional[Path] = None) -> None:
    try:
        (path or HEARTBEAT).write_text(f"{time.time():.0f}\n")
    except OSError:  # a read-only /tmp must not stop the bot; the check then reports it
        pass


def check(settings: Settings, heartbeat: Optional[Path] = None, max_age: float = MAX_AGE,
          timeout: float = 3.0) -> Tuple[bool, str]:
    """(healthy, one line saying why)."""
    heartbeat = heartbeat or HEARTBEAT
    if settings.webhook_mode:
        host = settings.listen_host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        url = f"http://{host}:{settings.listen_port}/healthz"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        try:
            with opener.open(url, timeout=timeout) as response:
                return response.status == 200, f"{url}: HTTP {response.status}"
        except Exception as error:  # refused, timed out, HTTP error
            return False, f"{url}: {error}"
    try:
        age = time.time() - heartbeat.stat().st_mtime
    except FileNotFoundError:
        return False, f"no heartbeat at {heartbeat} yet"
    return age <= max_age, f"heartbeat {age:.0f} s old (at most {max_age:.0f})"
