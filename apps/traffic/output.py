"""Writing result lines as JSON lines or CSV, and reading JSON-lines results back.

JSON lines keep everything: the series and, last, the summary. CSV holds one series (the
columns of its first line, without `type`); the summary does not fit its columns and is
written as one JSON line to a separate stream.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

FORMATS = ("jsonl", "csv")


def write_jsonl(lines: Iterable[dict], out: IO[str]) -> None:
    for line in lines:
        out.write(json.dumps(line, sort_keys=True) + "\n")


def write_csv(lines: Sequence[dict], out: IO[str]) -> None:
    """The series as CSV, header from the first line's keys (in their order, minus `type`)."""
    if not lines:
        return
    columns = [key for key in lines[0] if key != "type"]
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)


def read_jsonl(path: Path) -> tuple[list[dict], dict | None]:
    """(series lines, summary or None) of a JSON-lines result file."""
    lines = [json.loads(raw) for raw in path.read_text().splitlines() if raw.strip()]
    summary = next((line for line in reversed(lines) if line.get("type") == "summary"), None)
    return [line for line in lines if line.get("type") != "summary"], summary
