"""The calls under each notebook cell: :func:`follow` shows every Cognito call a cell makes, :func:`calls` the latest.

Each call is its AWS CLI twin, then Cognito's answer (secrets masked, a long answer folded after its first lines),
the request folded. A failure the lesson announced with :func:`~cognito_mfa_kit.course.expect` is shown calmly as
*expected* (``data-expected='true'``); any other failure in red, explained (``data-ok='false'``). A cell that makes
many calls shows the first few whole and the others by their headline. Plain Python: IPython is used only when
running in a kernel.
"""

from __future__ import annotations

import contextlib
import html
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clockhint import clock_ahead
from ..errors import explain
from ..journal import Call
from ..rendering import PRE_STYLE, folded_pre
from .kernel import install_name_error_hint

if TYPE_CHECKING:
    from ..connect import Lab

__all__ = ["SHOWN_CALLS", "Markdown", "call_html", "calls", "expecting", "follow", "unfollow"]

#: A cell's first calls shown whole; the others (except failures) by their headline, a click away.
SHOWN_CALLS = 2
#: Headlines shown after those; further calls (a listing that describes every pool...) fold into one line.
SHOWN_HEADLINES = 6


class Markdown(str):
    """A string that a notebook renders as Markdown."""

    def _repr_markdown_(self) -> str:
        return str(self)


# --------------------------------------------------------------------------- which failures the lesson expects

_expected_codes: list[tuple[str, ...]] = []


@contextlib.contextmanager
def expecting(codes: Sequence[str]) -> Iterator[None]:
    """While the block runs, a call failing with one of ``codes`` is the lesson's point: shown as expected."""
    _expected_codes.append(tuple(codes))
    try:
        yield
    finally:
        _expected_codes.pop()


def _is_expected(call: Call) -> bool:
    return call.error is not None and any(call.error.code in codes for codes in _expected_codes)


# --------------------------------------------------------------------------- one call as HTML / text

_PRE = f"<pre style='{PRE_STYLE};margin-bottom:6px'>"


def call_html(call: Call, index: int | None = None, *, expected: bool = False,
              clock_ahead: float | None = None) -> str:
    """One call as HTML: operation and outcome, the AWS CLI twin, Cognito's answer (masked, a long one folded),
    the request folded. ``expected``: a failure the lesson is about, shown calmly."""
    e = html.escape
    number = f"{index}. " if index is not None else ""
    error = call.error_masked
    if error is None:
        outcome, border = "<span style='color:#1b7f3b'>OK</span>", "#8aa4c8"
    elif expected:
        outcome, border = f"<span style='color:#555'>expected: {e(error.code)}</span>", "#b8c0cc"
    else:
        outcome, border = f"<span style='color:#b3261e'>{e(error.code)}</span>", "#b3261e"
    parts = [
        f"<div class='cmk-call' data-operation='{e(call.operation)}' data-ok='{str(call.ok).lower()}' "
        f"data-expected='{str(bool(expected and error is not None)).lower()}' "
        f"style='border-left:3px solid {border};padding-left:8px;margin:6px 0'>",
        f"<b>{number}{e(call.operation)}</b> — {outcome} <small>({call.elapsed_ms:.0f} ms)</small>",
        f"{_PRE}$ {e(call.as_cli())}</pre>",
    ]
    if error is None:
        body = json.dumps(call.response_masked, indent=2, default=str)
        parts.append(f"<small>Cognito answered</small>{folded_pre(body)}")
    elif expected:
        parts.append(f"<small>Cognito refused it, as this step expects</small>{_PRE}{e(error.code)}: "
                     f"{e(error.message)}</pre>")
    else:
        why = explain((error.code, error.message), operation=call.operation, clock_ahead=clock_ahead)
        parts.append(
            f"<small>Cognito refused</small>{_PRE}{e(why.code or error.code)}: {e(why.message or '')}</pre>"
            f"<small><b>{e(why.title)}.</b> {e(why.what_to_do)}</small>"
        )
    request = json.dumps(call.request_masked, indent=2, default=str)
    parts.append(f"<details><summary><small>request as sent (masked)</small></summary>{_PRE}{e(request)}</pre>"
                 "</details></div>")
    return "".join(parts)


def _call_text(call: Call, index: int | None = None, *, expected: bool = False) -> str:
    number = f"{index}. " if index is not None else ""
    error = call.error_masked
    outcome = "OK" if error is None else f"expected: {error}" if expected else str(error)
    return f"{number}{call.operation} — {outcome}\n$ {call.as_cli()}"


def _call_line(call: Call, index: int, *, expected: bool) -> str:
    """One call folded to its headline (``6. ListUsers — OK``); a click opens it whole."""
    e = html.escape
    error = call.error_masked
    outcome = "OK" if error is None else f"expected: {error.code}" if expected else error.code
    return (f"<details class='cmk-call-line'><summary style='cursor:pointer'><small>{index}. {e(call.operation)} — "
            f"{e(outcome)}</small></summary>{call_html(call, index, expected=expected)}</details>")


@dataclass
class _Calls:
    """Calls rendered for a notebook (HTML, with a plain-text fallback): ``(number, call, expected)``.

    The first :data:`SHOWN_CALLS` calls are shown whole; the next :data:`SHOWN_HEADLINES` by their headline (a click
    opens one); any further ones fold into a single "N more calls" line. A failure is always shown whole.
    """

    items: list[tuple[int, Call, bool]] = field(default_factory=list)
    #: id(call) → how far its pool's clock ran ahead when the call refused a TOTP code
    clock_ahead: dict[int, float] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        if not self.items:
            return "<small>(no calls)</small>"
        page: list[str] = []
        folded: list[str] = []
        for n, (i, call, expected) in enumerate(self.items):
            if n < SHOWN_CALLS or not call.ok:
                page.append(call_html(call, i, expected=expected, clock_ahead=self.clock_ahead.get(id(call))))
            elif n < SHOWN_CALLS + SHOWN_HEADLINES:
                page.append(_call_line(call, i, expected=expected))
            else:
                folded.append(_call_line(call, i, expected=expected))
                if n == len(self.items) - 1 or not self.items[n + 1][1].ok:  # close the fold before a failure
                    page.append(f"<details class='cmk-more-calls'><summary style='cursor:pointer'><small>... "
                                f"{len(folded)} more call{'s' if len(folded) != 1 else ''} (click to show them)"
                                f"</small></summary>{''.join(folded)}</details>")
                    folded = []
        return "".join(page)

    def __repr__(self) -> str:
        return "\n".join(_call_text(c, i, expected=x) for i, c, x in self.items) or "(no calls)"


def calls(lab: Lab, last: int = 1) -> _Calls:
    """The ``last`` calls of ``lab.journal``, ready to display (masked)."""
    journal = list(lab.journal)
    start = max(0, len(journal) - last)
    return _Calls([(i + 1, c, False) for i, c in enumerate(journal) if i >= start])


# --------------------------------------------------------------------------- under each cell

@dataclass
class _Follower:
    lab: Any
    in_cell: bool = False
    unsubscribe: Any = None
    shell: Any = None
    cell_calls: list[tuple[int, Call, bool]] = field(default_factory=list)
    clock_ahead: dict[int, float] = field(default_factory=dict)
    handle: Any = None

    def pre(self, *_: Any) -> None:
        self.in_cell = True
        self.cell_calls = []
        self.clock_ahead = {}
        self.handle = None

    def post(self, *_: Any) -> None:
        self.in_cell = False
        self.handle = None

    def on_call(self, call: Call) -> None:
        # Only calls made by the cell itself, in the kernel's main thread: a widget's button callback or a
        # background timer has no cell to print under (its own form shows the call).
        if not self.in_cell or threading.current_thread() is not threading.main_thread():
            return
        from IPython.display import display

        self.cell_calls.append((len(self.lab.journal), call, _is_expected(call)))
        if call.error is not None:  # a refused code while its pool's clock runs ahead: say so, not "the phone"
            ahead = clock_ahead(self.lab, call.error.code, request=call.request)
            if ahead is not None:
                self.clock_ahead[id(call)] = ahead
        view = _Calls(list(self.cell_calls), dict(self.clock_ahead))
        if self.handle is None:  # one output per cell, updated as its calls come in
            self.handle = display(view, display_id=True)
        else:
            self.handle.update(view)


_followers: dict[int, _Follower] = {}


def follow(lab: Lab) -> Markdown:
    """From now on, show each call ``lab`` makes under the notebook cell that made it (secrets masked).

    Also makes a ``NameError`` say "run the cells above" (:func:`~.kernel.install_name_error_hint`). Outside IPython
    it does nothing but return the banner. Calling it again for the same lab changes nothing.
    """
    banner = Markdown(f"**{lab.banner()}**\n\nEvery call below a cell is shown as its AWS CLI twin, then "
                      "Cognito's answer — tokens, sessions, secrets and passwords masked.")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kit's dependencies
        return banner
    shell = get_ipython()
    if shell is None:
        return banner
    install_name_error_hint(shell)
    if id(lab) in _followers:
        return banner
    follower = _Follower(lab, shell=shell)
    shell.events.register("pre_run_cell", follower.pre)
    shell.events.register("post_run_cell", follower.post)
    follower.unsubscribe = lab.journal.subscribe(follower.on_call)
    follower.in_cell = True  # the cell calling follow() is running now
    _followers[id(lab)] = follower
    return banner


def unfollow(lab: Lab) -> None:
    """Stop showing ``lab``'s calls under cells."""
    follower = _followers.pop(id(lab), None)
    if follower is None:
        return
    follower.unsubscribe()
    follower.shell.events.unregister("pre_run_cell", follower.pre)
    follower.shell.events.unregister("post_run_cell", follower.post)
