"""Writing a benchmark's figures into docs/benchmarks.md: each script owns one ``## `` section and replaces it."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, text: str, heading: str | None = None) -> None:
    """Put ``text`` in place of the section of ``path`` that starts with ``heading`` (default: ``text``'s first line),
    up to the next ``## `` heading; append it if there is none. The file is created with a ``# Benchmarks`` title."""
    heading = heading or text.splitlines()[0]
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = doc.find(heading)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + len(heading))
        doc = doc[:start] + text.rstrip("\n") + ("\n" if end == -1 else "\n" + doc[end:])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if doc.endswith("\n") else doc + "\n", encoding="utf-8")


def publish(section: str, write: str | None, heading: str | None = None) -> None:
    """Print a benchmark's section; with ``write`` (a Markdown file), also put it in place there."""
    print(section)
    if write:
        replace_section(Path(write), section, heading)
