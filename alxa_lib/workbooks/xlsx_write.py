"""Write workbooks in the official layouts (docs/workbooks.md).

Department text is untrusted: every string goes in as a text cell, never as a formula.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from alxa_lib.files import atomic_path

if TYPE_CHECKING:
    import pandas as pd

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)


def put(cell, value: Any) -> None:
    """Set a cell; strings always stay text (a leading ``=``, ``+``, ``-``, ``@`` never becomes a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd"


@dataclass
class Column:
    """One column of a table: its header, its group header (two-row layout) and its field."""
    field: str
    header: str
    group: str | None = None


@dataclass
class TableSpec:
    title_lines: Sequence[str]
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    footer_lines: Sequence[str] = ()
    two_row_header: bool = True
    blank_row_after: Sequence[int] = ()  # data row indexes after which a blank row is inserted
    widths: dict[str, float] = field(default_factory=dict)


@dataclass
class TablePlacement:
    """Where a written table landed: header rows and the Excel row of each data row."""
    header_row: int
    data_rows: list[int]
    col_of: dict[str, str]

    def cell(self, row_index: int, field_name: str) -> str:
        return f"{self.col_of[field_name]}{self.data_rows[row_index]}"


def write_table(ws, spec: TableSpec, styled: bool = True) -> TablePlacement:
    """Write title lines, the (one- or two-row) header and the rows to ``ws``."""
    ncol = len(spec.columns)
    r = 1
    for i, line in enumerate(spec.title_lines):
        put(ws.cell(r, 1), line)
        if styled and ncol > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
            ws.cell(r, 1).font = TITLE_FONT if i == 0 else Font()
            ws.cell(r, 1).alignment = Alignment(horizontal="center" if i == 0 else "left")
        r += 1
    header_row = r
    has_groups = spec.two_row_header and any(c.group for c in spec.columns)
    if has_groups:
        c = 0
        while c < ncol:
            col = spec.columns[c]
            if col.group is None:
                put(ws.cell(r, c + 1), col.header)
                ws.merge_cells(start_row=r, start_column=c + 1, end_row=r + 1, end_column=c + 1)
                c += 1
                continue
            end = c
            while end + 1 < ncol and spec.columns[end + 1].group == col.group:
                end += 1
            put(ws.cell(r, c + 1), col.group)
            if end > c:
                ws.merge_cells(start_row=r, start_column=c + 1, end_row=r, end_column=end + 1)
            for k in range(c, end + 1):
                put(ws.cell(r + 1, k + 1), spec.columns[k].header)
            c = end + 1
        r += 2
    else:
        for c, col in enumerate(spec.columns):
            put(ws.cell(r, c + 1), col.header)
        r += 1
    if styled:
        for rr in range(header_row, r):
            for c in range(1, ncol + 1):
                cell = ws.cell(rr, c)
                cell.font = HEADER_FONT
                cell.border = BORDER
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for c, col in enumerate(spec.columns, start=1):
            ws.column_dimensions[get_column_letter(c)].width = spec.widths.get(col.field, max(8, min(30, len(col.header) * 2 + 2)))
    data_rows = []
    blank_after = set(spec.blank_row_after)
    for i, row in enumerate(spec.rows):
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(r, c)
            put(cell, value)
            if styled:
                cell.border = BORDER
        data_rows.append(r)
        r += 1
        if i in blank_after:
            r += 1
    r += 1 if spec.footer_lines else 0
    for line in spec.footer_lines:
        put(ws.cell(r, 1), line)
        r += 1
    col_of = {col.field: get_column_letter(c) for c, col in enumerate(spec.columns, start=1)}
    return TablePlacement(header_row=header_row, data_rows=data_rows, col_of=col_of)


def save_xls(path: Path, sheet_name: str, spec: TableSpec) -> TablePlacement:
    """Write a legacy ``.xls`` (one-row header, values only) with xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(sheet_name)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    r = 0
    for line in spec.title_lines:
        sheet.write(r, 0, line)
        r += 1
    header_row = r + 1
    for c, col in enumerate(spec.columns):
        sheet.write(r, c, col.header)
    r += 1
    data_rows = []
    for row in spec.rows:
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write(r, c, dt.datetime.combine(value, dt.time()), date_style)
            else:
                sheet.write(r, c, value)
        data_rows.append(r + 1)
        r += 1
    r += 1
    for line in spec.footer_lines:
        sheet.write(r, 0, line)
        r += 1
    with atomic_path(path) as tmp:
        book.save(str(tmp))
    col_of = {col.field: get_column_letter(c) for c, col in enumerate(spec.columns, start=1)}
    return TablePlacement(header_row=header_row, data_rows=data_rows, col_of=col_of)


def new_workbook() -> Workbook:
    wb = Workbook()
    return wb


def write_tables(path: Path | str, title: str, tables: list[tuple[str, pd.DataFrame]]) -> Path:
    """One sheet per (sheet title, DataFrame): a title line, a header, the rows; text stays text."""
    import pandas as pd

    wb = new_workbook()
    for i, (sheet, df) in enumerate(tables):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet[:31]
        cols = [Column(str(c), str(c)) for c in df.columns]
        rows = [[None if (not isinstance(v, (str, dict, list)) and pd.isna(v)) else v for v in r]
                for r in df.itertuples(index=False)]
        write_table(ws, TableSpec(title_lines=[f"{title} —— {sheet}"], columns=cols, rows=rows, two_row_header=False))
    return save_workbook(wb, path)


def save_workbook(wb: Workbook, path: Path | str) -> Path:
    """Save an openpyxl workbook whole or not at all."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
