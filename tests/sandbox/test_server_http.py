"""The sandbox's HTTP layer: keep-alive connections, and a stopped sandbox hangs up on them."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import pytest

from cognito_mfa_kit.sandbox import Sandbox

TARGET = "AWSCognitoIdentityProviderService.ListUserPools"


def _post(conn: http.client.HTTPConnection, body: dict, target: str = TARGET) -> http.client.HTTPResponse:
    conn.request("POST", "/", json.dumps(body), {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20250101/us-east-1/cognito-idp/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
    return conn.getresponse()


def test_one_connection_serves_many_calls() -> None:
    box = Sandbox.start()
    try:
        url = urlparse(box.endpoint_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        sockets = set()
        for _ in range(3):
            answer = _post(conn, {"MaxResults": 5})
            payload = json.loads(answer.read())
            assert answer.status == 200 and "UserPools" in payload
            assert answer.getheader("Connection") != "close"
            assert int(answer.getheader("Content-Length")) > 0
            sockets.add(id(conn.sock))
        assert len(sockets) == 1  # no reconnect between calls
        # A service error on the same connection, then a control endpoint: the connection still works.
        error = _post(conn, {"UserPoolId": "us-east-1_missing00"}, "AWSCognitoIdentityProviderService.DescribeUserPool")
        assert error.status == 400 and json.loads(error.read())["__type"].endswith("ResourceNotFoundException")
        conn.request("GET", "/_sandbox/health")
        health = conn.getresponse()
        assert health.status == 200 and json.loads(health.read())["ok"] is True
        assert len(sockets | {id(conn.sock)}) == 1
    finally:
        box.stop()
    # The stopped sandbox has hung up on the kept-alive connection.
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _post(conn, {"MaxResults": 5}).read()
    conn.close()


def test_client_asking_to_close_gets_connection_close() -> None:
    box = Sandbox.start()
    try:
        url = urlparse(box.endpoint_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", "/_sandbox/health", headers={"Connection": "close"})
        answer = conn.getresponse()
        assert answer.status == 200 and answer.getheader("Connection") == "close"
        answer.read()
        conn.close()
    finally:
        box.stop()


def test_a_call_is_in_the_account_moto_would_pick(cognito, monkeypatch: pytest.MonkeyPatch) -> None:
    """SandboxResponse.get_current_account skips moto's IAM search for the caller's key (the sandbox serves no IAM):
    it must pick the account moto's own method picks, with and without the x-moto-account-id header."""
    from moto.core.responses import BaseResponse

    from cognito_mfa_kit.sandbox.responses import SandboxResponse

    picked: list[tuple[str, str]] = []
    ours = SandboxResponse.get_current_account

    def both(self: SandboxResponse) -> str:
        picked.append((ours(self), BaseResponse.get_current_account(self)))
        return picked[-1][0]

    monkeypatch.setattr(SandboxResponse, "get_current_account", both)
    cognito.list_user_pools(MaxResults=5)
    cognito.meta.events.register("before-sign.cognito-idp.*",
                                 lambda request, **_: request.headers.__setitem__("x-moto-account-id", "210987654321"))
    cognito.list_user_pools(MaxResults=5)
    assert picked and all(a == b for a, b in picked), picked
    assert {a for a, _ in picked} == {"123456789012", "210987654321"}
