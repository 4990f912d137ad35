"""Fault tests run the real bot process (`python -m bot run`) against FakeBotAPI's injected faults."""
from __future__ import annotations

import pytest

from tests.support.botprocess import started_bot


@pytest.fixture(scope="package")
def polling_bot(model_dir, tmp_path_factory):
    """One bot process, polling a strict stand-in, shared by the fault and fuzz tests.

    Each test uses its own users and removes any fault it leaves behind; kill -9 tests
    start processes of their own.
    """
    with started_bot(model_dir, tmp_path_factory.mktemp("faults")) as running:
        yield running
