"""Tests for cognito_mfa_kit.tokens: Cognito-shaped tokens verified against a served JWKS."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from cognito_mfa_kit.tokens import (
    InvalidClientIdError,
    InvalidTokenUseError,
    TokenClaims,
    clear_jwks_cache,
    decode_unverified,
    issuer_url,
    jwks_url,
    mask_token,
    verify,
)

POOL = "eu-west-1_AbCdEf123"
CLIENT = "5mt1kq0abc2defghij3klmnopq"
ISS = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_server():
    """Serve a JWKS for a fresh RSA key at <base>/<POOL>/.well-known/jwks.json."""
    key = new_key()
    kid = secrets.token_hex(8)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid=kid, alg="RS256", use="sig")
    state = {"hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != f"/{POOL}/.well-known/jwks.json":
                self.send_error(404)
                return
            state["hits"] += 1
            body = json.dumps({"keys": [jwk]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    clear_jwks_cache()
    yield {"key": key, "kid": kid, "url": jwks_url(POOL, endpoint_url=base), "state": state}
    server.shutdown()
    server.server_close()
    clear_jwks_cache()


def cognito_token(key, kid, *, use="access", iat=None, lifetime=3600, **overrides) -> str:
    now = int(time.time()) if iat is None else int(iat)
    claims = {
        "sub": "8f1e2d3c-aaaa-bbbb-cccc-0123456789ab",
        "iss": ISS,
        "token_use": use,
        "auth_time": now,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_hex(8),
    }
    if use == "access":
        claims.update(client_id=CLIENT, username="alice", scope="aws.cognito.signin.user.admin")
    else:
        claims.update(aud=CLIENT, **{"cognito:username": "alice"}, email="alice@example.com")
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


# --------------------------------------------------------------------------- URLs


def test_jwks_url_aws_and_endpoint():
    assert jwks_url(POOL) == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
    )
    assert jwks_url(POOL, region="us-east-2").startswith("https://cognito-idp.us-east-2.")
    assert jwks_url(POOL, endpoint_url="http://localhost:4566/") == (
        "http://localhost:4566/eu-west-1_AbCdEf123/.well-known/jwks.json"
    )
    assert issuer_url(POOL) == ISS
    with pytest.raises(ValueError, match="region"):
        jwks_url("nounderscore")


# --------------------------------------------------------------------------- verify


@pytest.mark.parametrize("use", ["access", "id"])
def test_verify_good_tokens(jwks_server, use):
    token = cognito_token(jwks_server["key"], jwks_server["kid"], use=use)
    claims = verify(token, jwks_url=jwks_server["url"], issuer=ISS, client_id=CLIENT,
                    token_use=use)
    assert claims.token_use == use
    assert claims.client_id == CLIENT
    assert claims.username == "alice"
    assert claims.iss == ISS and claims.pool_id == POOL
    assert claims.auth_time == claims.iat
    assert 3500 < claims.expires_in() <= 3600
    assert claims.raw["jti"]
    if use == "access":
        assert claims.scope == "aws.cognito.signin.user.admin"


def test_keys_are_cached(jwks_server):
    for _ in range(3):
        verify(cognito_token(jwks_server["key"], jwks_server["kid"]), jwks_url=jwks_server["url"])
    assert jwks_server["state"]["hits"] == 1


def test_wrong_signature(jwks_server):
    token = cognito_token(new_key(), jwks_server["kid"])  # right kid, other key
    with pytest.raises(jwt.InvalidSignatureError):
        verify(token, jwks_url=jwks_server["url"], issuer=ISS)


def test_tampered_payload(jwks_server):
    token = cognito_token(jwks_server["key"], jwks_server["kid"])
    header, _payload, sig = token.split(".")
    other = cognito_token(jwks_server["key"], jwks_server["kid"], username="mallory")
    with pytest.raises(jwt.InvalidSignatureError):
        verify(".".join([header, other.split(".")[1], sig]), jwks_url=jwks_server["url"])


def test_unknown_kid(jwks_server):
    token = cognito_token(jwks_server["key"], "not-a-known-kid")
    with pytest.raises(jwt.PyJWKClientError):
        verify(token, jwks_url=jwks_server["url"])


def test_hs256_token_is_refused(jwks_server):
    token = jwt.encode({"iss": ISS, "token_use": "access", "iat": 1, "exp": 2**31},
                       "k" * 32, algorithm="HS256", headers={"kid": jwks_server["kid"]})
    with pytest.raises(jwt.InvalidTokenError):
        verify(token, jwks_url=jwks_server["url"])


def test_wrong_issuer(jwks_server):
    token = cognito_token(jwks_server["key"], jwks_server["kid"],
                          iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")
    with pytest.raises(jwt.InvalidIssuerError):
        verify(token, jwks_url=jwks_server["url"], issuer=ISS)


@pytest.mark.parametrize("use", ["access", "id"])
def test_wrong_client(jwks_server, use):
    token = cognito_token(jwks_server["key"], jwks_server["kid"], use=use)
    with pytest.raises(jwt.InvalidAudienceError):
        verify(token, jwks_url=jwks_server["url"], client_id="another-client", token_use=use)
    with pytest.raises(jwt.InvalidAudienceError):  # also without saying which token_use
        verify(token, jwks_url=jwks_server["url"], client_id="another-client")


def test_access_token_wrong_client_is_our_error(jwks_server):
    token = cognito_token(jwks_server["key"], jwks_server["kid"], use="access")
    with pytest.raises(InvalidClientIdError):
        verify(token, jwks_url=jwks_server["url"], client_id="another-client")


@pytest.mark.parametrize(("actual", "expected"), [("id", "access"), ("access", "id")])
def test_wrong_token_use(jwks_server, actual, expected):
    token = cognito_token(jwks_server["key"], jwks_server["kid"], use=actual)
    with pytest.raises(InvalidTokenUseError, match=f"expected an {expected} token"):
        verify(token, jwks_url=jwks_server["url"], token_use=expected)


def test_token_use_is_required_and_valid(jwks_server):
    token = cognito_token(jwks_server["key"], jwks_server["kid"], token_use=None)
    with pytest.raises(jwt.MissingRequiredClaimError):
        verify(token, jwks_url=jwks_server["url"])
    with pytest.raises(ValueError):
        verify(token, jwks_url=jwks_server["url"], token_use="refresh")


def test_expired_by_this_machines_clock(jwks_server):
    token = cognito_token(jwks_server["key"], jwks_server["kid"], iat=time.time() - 7200)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(token, jwks_url=jwks_server["url"])
    # leeway gives grace
    token = cognito_token(jwks_server["key"], jwks_server["kid"], iat=time.time() - 3610)
    assert verify(token, jwks_url=jwks_server["url"], leeway=60).token_use == "access"


def test_clock_running_ahead(jwks_server):
    """The sandbox's clock runs 2 h ahead: its fresh tokens look 'not yet valid' to this machine,
    are fine at the sandbox's now, and are expired once the sandbox's clock passes exp."""
    sandbox_now = time.time() + 7200
    token = cognito_token(jwks_server["key"], jwks_server["kid"], iat=sandbox_now)
    with pytest.raises(jwt.ImmatureSignatureError):
        verify(token, jwks_url=jwks_server["url"])  # host clock: iat in the future
    claims = verify(token, jwks_url=jwks_server["url"], now=sandbox_now)
    assert claims.expires_in(sandbox_now) == pytest.approx(3600, abs=2)
    assert not claims.is_expired(sandbox_now)
    later = sandbox_now + 3601
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(token, jwks_url=jwks_server["url"], now=later)
    assert claims.is_expired(later)
    # A token still valid by the host clock is expired by the sandbox's clock.
    host_token = cognito_token(jwks_server["key"], jwks_server["kid"], lifetime=600)
    assert verify(host_token, jwks_url=jwks_server["url"]).exp
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(host_token, jwks_url=jwks_server["url"], now=sandbox_now)
    # iat in the future of the given now is refused too.
    with pytest.raises(jwt.ImmatureSignatureError):
        verify(token, jwks_url=jwks_server["url"], now=sandbox_now - 600)


def test_unreachable_jwks():
    clear_jwks_cache()
    token = cognito_token(new_key(), "k")
    with pytest.raises(jwt.PyJWKClientError):
        verify(token, jwks_url="http://127.0.0.1:9/x/.well-known/jwks.json")


# --------------------------------------------------------------------------- claims


def test_decode_unverified_and_masked_repr(jwks_server):
    token = cognito_token(new_key(), "whatever", use="id")  # signature not checked
    claims = decode_unverified(token)
    assert isinstance(claims, TokenClaims)
    assert claims.token_use == "id" and claims.client_id == CLIENT
    assert claims.username == "alice" and claims.raw["email"] == "alice@example.com"
    text = repr(claims)
    assert token not in text and token[:20] not in text
    assert CLIENT not in text and "alice@example.com" not in text
    assert "token_use='id'" in text


def test_decode_unverified_rejects_garbage():
    with pytest.raises(jwt.DecodeError):
        decode_unverified("not.a.token")


def test_expires_in_and_mask_token():
    claims = TokenClaims.from_claims({"exp": 1000, "token_use": "access"})
    assert claims.expires_in(400) == 600
    assert claims.expires_in(1600) == -600
    assert claims.is_expired(1000) and not claims.is_expired(999)
    assert claims.is_expired(1010, leeway=20) is False
    assert TokenClaims.from_claims({}).expires_in(0) is None
    masked = mask_token("eyJhbGciOiJSUzI1NiJ9.payload.signature")
    assert masked.startswith("eyJhbG") and "payload" not in masked and "38 chars" in masked


# --------------------------------------------------------------------------- real moto tokens


def test_verifies_tokens_issued_by_the_sandbox(sandbox):
    """Tokens from the kit's sandbox server, keys fetched from its JWKS endpoint over HTTP."""
    boto3 = pytest.importorskip("boto3")
    try:
        endpoint = sandbox.endpoint_url
        idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        pool = idp.create_user_pool(PoolName="tokens")["UserPool"]["Id"]
        client = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Passw0rd!x",
                                    Permanent=True)
        result = idp.admin_initiate_auth(
            UserPoolId=pool, ClientId=client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
        )["AuthenticationResult"]
        url = jwks_url(pool, endpoint_url=endpoint)
        clear_jwks_cache()
        # The sandbox's clock may run ahead of this machine's: check times against it.
        access = verify(result["AccessToken"], jwks_url=url, issuer=issuer_url(pool),
                        client_id=client, token_use="access", now=sandbox.now())
        id_claims = verify(result["IdToken"], jwks_url=url, issuer=issuer_url(pool),
                           client_id=client, token_use="id", now=sandbox.now())
        assert access.username == id_claims.username == "alice"
        assert access.pool_id == pool and id_claims.client_id == client
        with pytest.raises(InvalidTokenUseError):
            verify(result["IdToken"], jwks_url=url, token_use="access", now=sandbox.now())
    finally:
        clear_jwks_cache()
