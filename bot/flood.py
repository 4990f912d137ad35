"""Per-user flood limit: a sliding window of message times, one polite notice per window."""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Deque, Dict, Optional

ALLOW, NOTICE, DROP = "allow", "notice", "drop"


class FloodGuard:
    def __init__(self, limit: int, window: float, max_users: int = 100_000) -> None:
        self.limit, self.window, self.max_users = limit, window, max_users
        self._times: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._noticed: Dict[str, float] = {}

    def check(self, who: str, now: Optional[float] = None) -> str:
        """ALLOW the message, send a NOTICE (first time over the limit), or DROP it quietly."""
        now = time.monotonic() if now is None else now
        times = self._times.pop(who, None) or deque()
        self._times[who] = times  # most recent last, so the oldest users are evicted first
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        if len(self._times) > self.max_users:
            old, _ = self._times.popitem(last=False)
            self._noticed.pop(old, None)
        if len(times) <= self.limit:
            return ALLOW
        if now - self._noticed.get(who, -self.window - 1) > self.window:
            self._noticed[who] = now
            return NOTICE
        return DROP
