"""The headless run of the whole course: every notebook executed with nbclient against one sandbox server.

    .venv/bin/python bench/course_run.py [--repeat N]

Prints the wall time per notebook and the total (kernel start included), as `make lab` trainees would see it with
"Restart kernel and run all" — but with nobody at the keyboard (virtual authenticator, sandbox clock).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from cognito_mfa_kit.course import HEADLESS_ENV
from cognito_mfa_kit.sandbox import ENV_URL, Sandbox

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def run_once() -> dict[str, float]:
    box = Sandbox.start()
    os.environ[ENV_URL] = box.endpoint_url
    os.environ[HEADLESS_ENV] = "1"
    times = {}
    try:
        for path in NOTEBOOKS:
            nb = nbformat.read(path, as_version=4)
            t0 = time.perf_counter()
            NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            times[path.stem] = time.perf_counter() - t0
    finally:
        box.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs = [run_once() for _ in range(args.repeat)]
    print(f"{'notebook':32} {'median s':>9}")
    for name in runs[0]:
        print(f"{name:32} {statistics.median(r[name] for r in runs):9.1f}")
    totals = [sum(r.values()) for r in runs]
    print(f"{'TOTAL':32} {statistics.median(totals):9.1f}   (runs: {', '.join(f'{t:.1f}' for t in totals)})")


if __name__ == "__main__":
    main()
