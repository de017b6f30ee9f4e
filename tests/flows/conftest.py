"""Fixtures for the flow tests: a Lab on the shared sandbox server, a fresh run id per test, TOTP enrolment."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from cognito_mfa_kit.connect import Lab, connect


@pytest.fixture()
def lab(sandbox) -> Iterator[Lab]:
    """connect() to the session's sandbox server: every call goes through lab.client and its journal."""
    lab = connect(endpoint_url=sandbox.endpoint_url)
    assert lab.is_sandbox
    yield lab
    lab.close()


@pytest.fixture()
def run_id() -> str:
    """A run id of this test only, so pools of other tests never match."""
    return "t-" + uuid.uuid4().hex[:10]


@pytest.fixture()
def enrol(lab: Lab):
    """A function enrolling a signed-in user's authenticator (access-token path) and preferring TOTP."""
    from cognito_mfa_kit import flows

    def _enrol(pool, user, *, preferred: bool = True):
        tokens = flows.sign_in(lab, pool, user.username, user.password)
        assert isinstance(tokens, flows.Tokens), tokens
        association = flows.associate(lab, access_token=tokens.access_token)
        phone = flows.authenticator(lab, association, account_name=user.username)
        assert flows.verify(lab, phone.code(), access_token=tokens.access_token, device_name="phone").ok
        flows.set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=preferred)
        lab.advance_clock(30)  # the code just used can't be used again
        return phone

    return _enrol
