"""Fixtures for the widget tests: a Lab on the shared sandbox server, unique names, no background timers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from cognito_mfa_kit.connect import connect

_counter = itertools.count()


@pytest.fixture()
def lab(sandbox) -> Iterator:
    """A Lab (journaled client, the sandbox's clock over HTTP) on the session's sandbox server."""
    the_lab = connect(endpoint_url=sandbox.endpoint_url)
    assert the_lab.is_sandbox
    yield the_lab
    the_lab.close()


@pytest.fixture()
def unique() -> str:
    """A name no other test uses (pools are get-or-create by name)."""
    return f"ui{os.getpid()}-{next(_counter)}"


@pytest.fixture(autouse=True)
def _no_double_click_window(monkeypatch):
    """Tests click faster than people: only the tests about double clicks turn the guard's window back on."""
    from cognito_mfa_kit.ui import feedback

    monkeypatch.setattr(feedback, "DOUBLE_CLICK_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def _callbacks_raise(monkeypatch):
    """ipywidgets logs and swallows a click handler's exception; here it fails the test instead."""
    from ipywidgets.widgets.widget import CallbackDispatcher

    def call(self, *args, **kwargs):
        value = None
        for callback in self.callbacks:
            local_value = callback(*args, **kwargs)
            value = local_value if local_value is not None else value
        return value

    monkeypatch.setattr(CallbackDispatcher, "__call__", call)
