"""The callback URL the sandbox provides for the kit, and managed login's times following a pool back to real time."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
from hosted_helpers import Domain, make_domain
from sandbox_helpers import PASSWORD, make_user


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_callback_catcher_keeps_a_code_for_its_state_once(sandbox) -> None:
    base = f"{sandbox.endpoint_url}/_sandbox/callback"
    status, page = _get(f"{base}?code=the-code&state=state-1")
    assert status == 200 and "Signed in" in page and "the-code" not in page
    assert json.loads(_get(f"{base}/result?state=other")[1]) == {"pending": True}
    assert json.loads(_get(f"{base}/result?state=state-1")[1]) == {"code": "the-code", "state": "state-1"}
    assert json.loads(_get(f"{base}/result?state=state-1")[1]) == {"pending": True}  # picked up once
    status, page = _get(f"{base}?error=access_denied&error_description=nope&state=state-2")
    assert "refused" in page and "access_denied" in page
    assert json.loads(_get(f"{base}/result?state=state-2")[1])["error"] == "access_denied"
    assert _get(f"{base}?code=x")[0] == 400  # no state: nothing to hand to anyone


class _Remote:
    def __init__(self, url: str) -> None:
        self.endpoint_url = url


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_a_code_made_while_the_pool_ran_ahead_expires_on_real_time_afterwards(sandbox_process) -> None:
    url = sandbox_process()
    cognito = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="x")
    domain: Domain = make_domain(cognito, _Remote(url))
    user = make_user(cognito, domain.pool)
    _post(f"{url}/_sandbox/clock", {"advance": 3600, "pool": domain.pool.id})
    domain.sign_in_page()
    code = domain.code_of(domain.password(user, PASSWORD))
    _post(f"{url}/_sandbox/clock", {"reset": True, "pool": domain.pool.id})
    _post(f"{url}/_sandbox/clock", {"advance": 301, "pool": domain.pool.id})
    # its five minutes moved back with the clock: without that it would still be valid for an hour
    assert domain.exchange(code).json()["error"] == "invalid_grant"
    domain.sign_in_page()
    assert domain.exchange(domain.code_of(domain.password(user, PASSWORD))).status == 200
