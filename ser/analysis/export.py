"""Downloads as CSV that a spreadsheet opens safely (one result: ``ser.analysis.result``; many: ``ser.analysis.batch``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def table_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text. Text cells that a spreadsheet would run as a formula (a file called
    ``=HYPERLINK(...).wav``, a transcript starting with "+") get a leading apostrophe (OWASP)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_inert(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def _inert(cell: Any) -> Any:
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
