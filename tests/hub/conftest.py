"""``class_hub`` (module scope): a class of two on `cognito-mfa-kit hub` (see tests/hub_helpers.py); stopped (Ctrl-C)
afterwards if a test has not stopped it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from hub_helpers import ClassHub, start_hub


@pytest.fixture(scope="module")
def class_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassHub]:
    hub = start_hub(tmp_path_factory.mktemp("hub"), "--count", "2")
    yield hub
    if hub.proc.poll() is None:
        try:
            hub.stop()
        except subprocess.TimeoutExpired:
            hub.proc.kill()
