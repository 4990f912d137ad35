"""Prometheus metrics, served at /metrics in webhook mode."""
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry()
UPDATES = Counter("bot_updates_total", "Updates handled", ["type"], registry=REGISTRY)
LATENCY = Histogram("bot_update_seconds", "Time to handle one update", registry=REGISTRY,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10))
FALLBACKS = Counter("bot_fallbacks_total", "Messages answered with a fallback", ["kind"], registry=REGISTRY)
ERRORS = Counter("bot_errors_total", "Unhandled errors in handlers", registry=REGISTRY)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
