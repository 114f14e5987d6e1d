"""A table's column as the workbook writers lay it out, kept apart from them so that a reader can know a form's
columns without importing openpyxl (the ingest reads with calamine; openpyxl's import costs about 0.06 s of
CPU in every ``alxa ingest``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Column:
    """One column of a table: its header, its group header (two-row layout) and its field."""
    field: str
    header: str
    group: str | None = None
