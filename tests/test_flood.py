"""The per-user flood limit."""
from bot.flood import ALLOW, DROP, NOTICE, FloodGuard


def test_one_notice_then_quiet_then_allowed_again_after_the_window():
    guard = FloodGuard(limit=3, window=10)
    verdicts = [guard.check("a", now=t) for t in (0, 1, 2, 3, 4, 5)]
    assert verdicts == [ALLOW, ALLOW, ALLOW, NOTICE, DROP, DROP]
    assert guard.check("a", now=30) == ALLOW


def test_users_are_counted_separately():
    guard = FloodGuard(limit=1, window=10)
    assert guard.check("a", now=0) == ALLOW
    assert guard.check("b", now=0) == ALLOW
    assert guard.check("a", now=1) == NOTICE


def test_memory_is_bounded():
    guard = FloodGuard(limit=5, window=10, max_users=100)
    for n in range(1000):
        guard.check(str(n), now=0)
    assert len(guard._times) == 100
