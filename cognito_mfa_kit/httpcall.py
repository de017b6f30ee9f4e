"""HTTP calls that are not cognito-idp API calls — managed login's OAuth endpoints (``/oauth2/token``,
``/oauth2/userInfo``, the pages a browser visits) — journaled like every call: request, masked answer, the error in
plain words, and the ``curl`` twin that really runs.

>>> call = http_call(lab.journal, "POST", "http://p.auth.localhost:4566/oauth2/token", form={...})
>>> call.as_cli()      # curl -sS -X POST ... --data-urlencode 'code=********' ...

Secrets are masked by name (OAuth has no service model to mark them): form fields :data:`SECRET_FIELDS`, the
``Authorization`` header, the tokens of a JSON answer, and the ``code`` of a redirect. Python here can't resolve
``*.localhost`` names (the sandbox's domains): the call connects to 127.0.0.1 and sends the Host header; the curl
twin says the same with ``--resolve``.
"""

from __future__ import annotations

import copy
import http.client
import json
import re
import shlex
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from .journal import Call, CallError, Journal, mask_value

#: form fields and query parameters that are secrets
SECRET_FIELDS = frozenset({"code", "code_verifier", "client_secret", "refresh_token", "password", "new_password",
                           "access_token", "id_token"})
#: keys of a JSON answer that are secrets
SECRET_KEYS = frozenset({"access_token", "id_token", "refresh_token"})
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


class HttpError(ClientError):
    """An HTTP endpoint refused the call: ``error`` (OAuth's, e.g. ``invalid_grant``) and its description, like a
    botocore ClientError (so ``errors.explain`` and the course's ``expect`` read it the same way)."""

    def __init__(self, call: HttpCall) -> None:
        assert call.error is not None  # noqa: S101 - narrows the type: the caller found an error
        super().__init__({"Error": {"Code": call.error.code, "Message": call.error.message},
                          "ResponseMetadata": {"HTTPStatusCode": call.http_status}}, call.operation)
        self.call = call


def _mask_query(url: str) -> str:
    split = urllib.parse.urlsplit(url)
    if not split.query:
        return url
    pairs = [(k, mask_value(v) if k in SECRET_FIELDS else v) for k, v in urllib.parse.parse_qsl(split.query)]
    return urllib.parse.urlunsplit(split._replace(query=urllib.parse.urlencode(pairs, safe="*")))


def _mask_headers(headers: dict[str, str]) -> dict[str, str]:
    shown = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, secret = value.partition(" ")
            shown[name] = f"{scheme} {mask_value(secret)}"
        else:
            shown[name] = value
    return shown


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask_value(v) if k in SECRET_KEYS else _mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


@dataclass
class HttpCall(Call):
    """One HTTP call (``operation`` is e.g. ``POST /oauth2/token``); ``request`` holds ``method``, ``url``,
    ``headers`` and ``form``; ``response`` holds ``status`` and ``body`` (JSON), ``location`` (a redirect) or
    ``page`` (an HTML page's title). ``connect_to``: the address used for a ``*.localhost`` host."""

    connect_to: str | None = None
    #: the HTML page answered (only with ``keep_page``; never shown nor saved: a set-up page holds a TOTP key)
    page_text: str | None = field(default=None, repr=False, compare=False)
    #: what the journal view calls the twin
    twin_name = "curl"

    @property
    def request_masked(self) -> dict[str, Any]:
        request = copy.deepcopy(self.request)
        request["url"] = _mask_query(request.get("url", ""))
        request["headers"] = _mask_headers(request.get("headers") or {})
        if request.get("form"):
            request["form"] = {k: mask_value(v) if k in SECRET_FIELDS else v for k, v in request["form"].items()}
        return request

    @property
    def response_masked(self) -> dict[str, Any] | None:
        if self.response is None:
            return None
        response = _mask_json(copy.deepcopy(self.response))
        if response.get("location"):
            response["location"] = _mask_query(response["location"])
        return response

    def as_cli(self, redact: bool = True) -> str:
        """The ``curl`` command doing the same call (secrets masked unless ``redact=False``)."""
        request = self.request_masked if redact else self.request
        url = request["url"]
        words = ["curl", "-sS"]
        if request.get("method", "GET") != "GET":
            words += ["-X", request["method"]]
        words.append(shlex.quote(url))
        if self.connect_to:
            split = urllib.parse.urlsplit(url)
            port = split.port or (443 if split.scheme == "https" else 80)
            words += ["--resolve", shlex.quote(f"{split.hostname}:{port}:{self.connect_to}")]
        for name, value in (request.get("headers") or {}).items():
            words += ["-H", shlex.quote(f"{name}: {value}")]
        for name, value in (request.get("form") or {}).items():
            words += ["--data-urlencode", shlex.quote(f"{name}={value}")]
        return " ".join(words)


def _target(url: str) -> tuple[str, str, int, str | None]:
    """(scheme, host to connect to, port, the loopback address used for a ``*.localhost`` name or None)."""
    split = urllib.parse.urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise ValueError(f"url: {url!r} is not an http(s) URL")
    port = split.port or (443 if split.scheme == "https" else 80)
    host = split.hostname
    if host.endswith(".localhost"):
        return split.scheme, "127.0.0.1", port, "127.0.0.1"
    return split.scheme, host, port, None


def _answer_of(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = {"status": status}
    location = headers.get("location")
    if location:
        answer["location"] = location
    kind = headers.get("content-type", "")
    text = body.decode("utf-8", "replace")
    if "json" in kind and text:
        try:
            answer["body"] = json.loads(text)
        except ValueError:
            answer["body"] = text
    elif "html" in kind:
        found = _TITLE.search(text)
        answer["page"] = found.group(1).strip() if found else ""
    elif text:
        answer["body"] = text
    return answer


def http_call(journal: Journal | None, method: str, url: str, *, form: dict[str, str] | None = None,
              headers: dict[str, str] | None = None, timeout: float = 15.0, raise_for_error: bool = True,
              operation: str | None = None, keep_page: bool = False) -> HttpCall:
    """Make one HTTP call (no redirect followed), record it in ``journal``, return it. A 4xx/5xx answer (or no answer)
    raises :class:`HttpError` unless ``raise_for_error=False``; its ``error`` is OAuth's ``error`` when the body has
    one."""
    scheme, host, port, connect_to = _target(url)
    split = urllib.parse.urlsplit(url)
    sent = dict(headers or {})
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    name = operation or f"{method} {split.path or '/'}"
    call = HttpCall(operation=name, request={"method": method, "url": url, "headers": dict(sent),
                                             **({"form": dict(form)} if form is not None else {})},
                    endpoint_url=f"{scheme}://{split.netloc}", service="https", connect_to=connect_to)
    sent.setdefault("Host", split.netloc)
    t0 = time.perf_counter()
    call.started_at = datetime.now(UTC)
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        path = split.path or "/"
        connection.request(method, path + (f"?{split.query}" if split.query else ""), body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answer = _answer_of(response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
        call.http_status = response.status
        if keep_page and "page" in answer:
            call.page_text = raw.decode("utf-8", "replace")
        if response.status >= 400:
            body_json = answer.get("body")
            data = body_json if isinstance(body_json, dict) else {}
            code = str(data.get("error") or f"HTTP{response.status}")
            message = str(data.get("error_description") or answer.get("page") or response.reason)
            call.error = CallError(code, message, response.status)
        else:
            call.response = answer
    except OSError as exc:
        call.error = CallError("EndpointConnectionError", f"{url}: {exc}")
    finally:
        connection.close()
        call.elapsed_ms = (time.perf_counter() - t0) * 1000.0
    if journal is not None:
        journal.append(call)
    if call.error is not None and raise_for_error:
        raise HttpError(call)
    return call


__all__ = ["SECRET_FIELDS", "HttpCall", "HttpError", "http_call"]
