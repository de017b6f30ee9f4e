"""The notebook's kernel: is anybody at the keyboard, the kit's command for ``!`` cells, and the NameError hint.

- :func:`headless` says whether nobody is at the keyboard (``COGNITO_MFA_KIT_HEADLESS=1``, set by the course's test
  and benchmark): then widgets start no timers.
- :data:`KIT_COMMAND` runs the kit's command line with this kernel's Python (``!{course.KIT_COMMAND} doctor``).
- :func:`install_name_error_hint` makes a ``NameError`` in a course cell say what to do: run the cells above
  (``course.follow`` installs it, in every notebook's first cell). IPython's ``set_custom_exc``; the traceback is
  the usual one, with one line more.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from typing import Any

__all__ = ["HEADLESS_ENV", "KIT_COMMAND", "NAME_ERROR_HINT", "headless", "install_name_error_hint"]

#: Set to 1 by the course's test and benchmark: nobody is at the keyboard.
HEADLESS_ENV = "COGNITO_MFA_KIT_HEADLESS"
#: ``python -m cognito_mfa_kit`` with this kernel's interpreter, quoted for a shell (the ``!`` cells of notebook 08).
KIT_COMMAND = f"{shlex.quote(sys.executable)} -m cognito_mfa_kit"
#: What a NameError in a course cell adds to its traceback.
NAME_ERROR_HINT = (
    "{name} is made by a cell above this one, which has not run in this kernel (yet, or since the kernel "
    "restarted). Run the cells above first - menu Run > Run All Above Selected Cell - then this cell again."
)


def headless() -> bool:
    """True when the notebook runs with nobody at the keyboard (``$COGNITO_MFA_KIT_HEADLESS`` is 1/true/yes)."""
    return os.environ.get(HEADLESS_ENV, "").strip().lower() in ("1", "true", "yes")


def _hint(value: BaseException) -> str:
    found = re.search(r"name '([^']+)' is not defined", str(value))
    name = f"'{found.group(1)}'" if found else "That name"
    return NAME_ERROR_HINT.format(name=name)


def _name_error_handler(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
                        tb_offset: int | None = None) -> list[str]:
    """IPython's custom exception handler: the usual traceback, then what to do."""
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    stb = [*stb, "", _hint(value)]
    shell._showtraceback(etype, value, stb)
    return stb


def install_name_error_hint(shell: Any | None = None) -> bool:
    """From now on a ``NameError`` in this kernel tells the trainee to run the cells above. False outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython ships with the kit's dependencies
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((NameError,), _name_error_handler)
    return True
