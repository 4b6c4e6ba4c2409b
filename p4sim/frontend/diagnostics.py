"""Source coordinates and compiler diagnostics.

Every error the front end reports carries a `Coord` pointing into the *original* file (after
the preprocessor's line mapping), so users see `file:line:col: error: message` with the source
line and a caret, as p4c and gcc print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Coord:
    """A position in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class P4Error(Exception):
    """A user-facing compile error at a source position (never a Python bug)."""

    def __init__(self, coord: Coord | None, message: str) -> None:
        super().__init__(message)
        self.coord = coord
        self.message = message

    def render(self, source_line: str | None = None) -> str:
        """Format as `file:line:col: error: msg`, plus the source line and a caret when known."""
        where = f"{self.coord}: " if self.coord else ""
        text = f"{where}error: {self.message}"
        if source_line is not None and self.coord is not None:
            line = source_line.rstrip("\n").expandtabs(1)
            caret = " " * max(self.coord.column - 1, 0) + "^"
            text += f"\n{line}\n{caret}"
        return text

    def __str__(self) -> str:
        return self.render()


def source_line(coord: Coord) -> str | None:
    """Read the line `coord` points at, or None when the file is not readable (e.g. built-in)."""
    try:
        lines = Path(coord.file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if 1 <= coord.line <= len(lines):
        return lines[coord.line - 1]
    return None
