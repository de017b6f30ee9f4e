"""Errors explained: from a Cognito/botocore exception to what happened, why, and what to do.

``explain(error, operation=None)`` accepts a botocore ``ClientError`` (including ``client.exceptions.X``), a
``ParamValidationError``, missing-credential and connection errors, a ``(code, message)`` pair, an
``{"Error": {...}}`` response dict, an exception name, or anything else (a generic explanation; it
never raises). The rows of the catalogue (:mod:`cognito_mfa_kit.errors.catalogue`, data only) match the
exception code first, then the message or the operation that failed (most specific first), as Cognito
uses one exception for several situations. Messages are quoted with sensitive values (user codes,
passwords, sessions, tokens — per botocore's service model) masked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..masking import redact_message
from .catalogue import API_PAGE, CATALOGUE, GENERIC, Rule

__all__ = ["CATALOGUE", "Explanation", "Rule", "explain", "redact_message"]


@dataclass(frozen=True)
class Explanation:
    """A plain-words explanation of one error, for trainees."""

    title: str
    what_happened: str
    why: str
    what_to_do: str
    code: str | None
    message: str | None
    reference: str | None
    key: str = "unexpected-error"
    operation: str | None = None

    def as_text(self) -> str:
        """Plain text, one paragraph per part."""
        head = self.title + (f" [{self.code}]" if self.code else "")
        lines = [head, ""]
        if self.operation:
            lines.append(f"Call: {self.operation}")
        if self.message:
            lines.append(f"Message: {self.message}")
        lines += [f"{label}: {text}" for label, text in self.sections()]
        if self.reference:
            lines.append(f"More: {self.reference}")
        return "\n".join(lines)

    def as_markdown(self) -> str:
        """Markdown for a notebook cell or widget."""
        head = f"### {self.title}" + (f" (`{self.code}`)" if self.code else "")
        parts = [head, ""]
        if self.operation or self.message:
            call = f"`{self.operation}` said: " if self.operation else ""
            msg = f"*{_md_escape(self.message)}*" if self.message else ""
            parts += [f"> {call}{msg}".rstrip(": "), ""]
        parts += "\n\n".join(f"**{label}.** {text}" for label, text in self.sections()).split("\n")
        if self.reference:
            parts += ["", f"[Read more]({self.reference})"]
        return "\n".join(parts)

    def as_html(self) -> str:
        """A small HTML block (every value escaped), e.g. for a widget."""
        e = html.escape
        code = f" <code>{e(self.code)}</code>" if self.code else ""
        parts = [f"<div class='cmk-explanation' data-key='{e(self.key)}'>", f"<b>{e(self.title)}</b>{code}"]
        if self.message:
            said = f"<code>{e(self.operation)}</code> said: " if self.operation else ""
            parts.append(f"<blockquote>{said}<i>{e(self.message)}</i></blockquote>")
        parts += [f"<p><b>{label}.</b> {e(text)}</p>" for label, text in self.sections()]
        if self.reference:
            parts.append(f"<p><a href='{e(self.reference)}' target='_blank' rel='noopener'>Read more</a></p>")
        parts.append("</div>")
        return "".join(parts)

    def sections(self) -> tuple[tuple[str, str], ...]:
        """(label, text) of the three parts every rendering shows, in order."""
        return (("What happened", self.what_happened), ("Why", self.why), ("What to do", self.what_to_do))


def _md_escape(text: str) -> str:
    return re.sub(r"([*_`\[\]<>|])", r"\\\1", text.replace("\n", " "))


_BY_CODE: dict[str, list[Rule]] = {}
for _rule in CATALOGUE:
    for _code in _rule.codes:
        _BY_CODE.setdefault(_code, []).append(_rule)

_CONNECTION_NAMES = {
    "EndpointConnectionError", "ConnectionClosedError", "ConnectTimeoutError", "ReadTimeoutError",
    "ProxyConnectionError", "SSLError", "HTTPClientError", "ConnectionError",
    "ConnectionRefusedError", "ConnectionResetError", "TimeoutError", "URLError",
}


# --------------------------------------------------------------------------- explain


def _code_message_operation(error: Any) -> tuple[str | None, str, str | None]:
    """Pull (code, message, operation) from whatever was given."""
    if isinstance(error, tuple) and len(error) == 2:
        code, message = error
        code_text = str(code) if code is not None else None
        return code_text, ("" if message is None else str(message)), None
    if isinstance(error, Mapping):
        err = error.get("Error", error)
        if isinstance(err, Mapping):
            return (str(err.get("Code")) if err.get("Code") else None,
                    str(err.get("Message") or err.get("message") or ""), None)
        return None, str(error), None
    if isinstance(error, str):
        return error.strip() or None, "", None
    if isinstance(error, BaseException):
        response = getattr(error, "response", None)
        if isinstance(response, Mapping) and isinstance(response.get("Error"), Mapping):
            err = response["Error"]
            code = err.get("Code")
            return (str(code) if code else None, str(err.get("Message") or ""),
                    getattr(error, "operation_name", None))
        names = [cls.__name__ for cls in type(error).__mro__]
        if "ParamValidationError" in names:
            text = str(error).replace("Parameter validation failed:\n", "").strip()
            return "ParamValidationError", text, None
        for name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError",
                     "NoRegionError"):
            if name in names:
                return name, str(error), None
        if _CONNECTION_NAMES.intersection(names) or isinstance(error, (OSError, TimeoutError)):
            return "EndpointConnectionError", str(error), None
        return None, f"{type(error).__name__}: {error}", None
    return None, repr(error), None


def _find_rule(code: str | None, message: str, operation: str | None) -> Rule | None:
    if not code:
        return None
    if code not in _BY_CODE and code + "Exception" in _BY_CODE:
        code = code + "Exception"  # e.g. "CodeMismatch" as some SDKs shorten it
    for rule in _BY_CODE.get(code, ()):
        if rule.matches(code, message, operation):
            return rule
    return None


#: a TOTP code refused: at sign-in, or at VerifySoftwareToken
CODE_ERRORS = frozenset({"CodeMismatchException", "EnableSoftwareTokenMFAException"})
#: a pool clock this far ahead makes some of a real phone's codes fall outside Cognito's ±30 s window
CLOCK_AHEAD_MATTERS = 15.0


def _duration(seconds: float) -> str:
    seconds = round(abs(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs} s" if minutes and secs else f"{minutes} min" if minutes else f"{secs} s"


def explain(error: Any, operation: str | None = None, *, clock_ahead: float | None = None) -> Explanation:
    """Explain ``error`` in plain words. Never raises; unknown errors get a generic explanation.

    ``operation`` names the API call that failed when ``error`` does not carry it (a ``(code, message)`` pair from
    the journal); a ``ClientError`` knows its own. ``clock_ahead``: how far the clock of the user's pool runs ahead
    of real time (the sandbox's pools have a clock each, which lessons move) — a refused code is then explained by
    it, not by the phone.
    """
    try:
        code, message, found_operation = _code_message_operation(error)
        operation = found_operation or operation
        message = redact_message(message)
        rule = _find_rule(code, message, operation)
    except Exception as exc:  # noqa: BLE001 - explaining must never fail
        code, message, rule = None, f"(could not read the error: {exc!r})", None
    if rule is None:
        rule = GENERIC
        why = f"Cognito or AWS reported {code}, which this course's catalogue does not cover." if code else GENERIC.why
    else:
        why = rule.why
    reference = rule.reference
    if reference is None and operation and re.fullmatch(r"[A-Za-z]+", operation):
        reference = API_PAGE.format(operation)
    what_to_do = rule.what_to_do
    if code in CODE_ERRORS and clock_ahead is not None and clock_ahead >= CLOCK_AHEAD_MATTERS:
        steps = int(clock_ahead // 30) + (1 if clock_ahead % 30 else 0)
        why = (f"This user pool's clock runs {_duration(clock_ahead)} ahead of real time (a lesson moved it "
               f"forward). A phone shows the code for the real time, which this pool takes for a code about "
               f"{steps} step{'s' if steps != 1 else ''} old: Cognito accepts one step (30 s) either side, no more. "
               "The phone is right; the pool's clock is ahead.")
        what_to_do = ("Put the pool back on real time — `lab.back_to_real_time(pool)`, `course.wrap_up(lab)` or the "
                      "**Real time** button of the clock controls — then type the code the phone shows (or use the "
                      "virtual authenticator, which follows the pool's clock).")
    return Explanation(
        title=rule.title,
        what_happened=rule.what_happened,
        why=why,
        what_to_do=what_to_do,
        code=code,
        message=message or None,
        reference=reference,
        key=rule.key,
        operation=operation,
    )
