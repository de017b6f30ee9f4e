"""Fixtures for the widget tests: a Lab on the shared sandbox server, unique names, no background timers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from cognito_mfa_kit import flows
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


@pytest.fixture()
def pool(lab, unique):
    return flows.create_teaching_pool(lab, unique, mfa="OPTIONAL")


@pytest.fixture()
def bob(lab, pool):
    return flows.create_user(lab, pool, "Bob")


@pytest.fixture()
def enrolled(lab, pool, bob):
    """Bob with a verified, preferred authenticator; returns (tokens, virtual authenticator)."""
    tokens = flows.sign_in(lab, pool, "Bob", bob.password)
    association = flows.associate(lab, access_token=tokens.access_token)
    phone = flows.authenticator(lab, association, account_name="Bob")
    flows.verify(lab, phone.code(), access_token=tokens.access_token, device_name="BobPhone")
    flows.set_preference(lab, tokens.access_token)
    lab.advance_clock(30)  # leave the verify's code behind
    return tokens, phone
