"""Write workbooks in the official layouts (docs/workbooks.md).

Department text is untrusted: every string goes in as a text cell, never as a formula.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from alxa_lib.files import atomic_path
from alxa_lib.workbooks.columns import Column  # noqa: F401 - the writers' tables are made of these

if TYPE_CHECKING:
    import pandas as pd

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
# Characters XML 1.0 cannot carry: a department's cell may hold them (calamine reads them), openpyxl refuses them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def put(cell, value: Any) -> None:
    """Set a cell; strings always stay text (a leading ``=``, ``+``, ``-``, ``@`` never becomes a formula) and
    lose the control characters a workbook cannot hold."""
    if isinstance(value, str):
        value = NOT_XML.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd"



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


AMOUNT_FORMAT = "#,##0.00"  # 万元 with two decimals
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
_PERCENT = re.compile(r"^-?\d+(?:\.\d+)?%$")
_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# Headers of free text: a value there stays text even when it looks like a number (department text, codes).
FREE_TEXT = ("名称", "形象进度", "问题", "原因", "说明", "描述", "措施", "联络员", "填报人", "单位", "编号", "单元格",
             "填报值", "要求", "目标", "联系", "电话", "情况", "类型", "指标", "期次", "版本")
WRAP_AT = 40  # display columns; longer text wraps
MAX_WIDTH = 48


def display_width(text: str) -> int:
    """Columns a text takes on screen and paper: a Chinese (wide) character counts double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def typed(value: Any, header: str) -> tuple[Any, str | None]:
    """A table value as Excel should store it, and its display format: numbers and dates as such
    (万元 with two decimals, rates as percentages); free text stays text."""
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, bool):
        return value, None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date(), DATE_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    amount = "万元" in header
    if isinstance(value, (int, np.integer)):
        return int(value), AMOUNT_FORMAT if amount else "0"
    if isinstance(value, (float, np.floating)):
        return float(value), AMOUNT_FORMAT if amount else "0.00"
    if isinstance(value, str) and not any(w in header for w in FREE_TEXT):
        t = value.strip()
        if _PERCENT.match(t):
            return round(float(t[:-1]) / 100, 6), PERCENT_FORMAT
        if _NUMBER.match(t) and ("," in t or "." in t or amount):
            return float(t.replace(",", "")), AMOUNT_FORMAT
    return value, None


def _shown(value: Any, fmt: str | None) -> str:
    if isinstance(value, float) and fmt == PERCENT_FORMAT:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def finish_sheet(ws, header_row: int, data_row: int, ncol: int) -> None:
    """Make a written table printable and reusable: widths by content (Chinese counted double), long
    text wrapped, header frozen and filtered, A4 with the header repeated on every page, landscape when wide."""
    last = max(ws.max_row, data_row - 1)
    total = 0
    for c in range(1, ncol + 1):
        letter = get_column_letter(c)
        widest = 4
        for r in range(header_row, last + 1):
            cell = ws.cell(r, c)
            text = _shown(cell.value, cell.number_format if cell.number_format != "General" else None)
            w = max((display_width(line) for line in text.splitlines()), default=0)
            if w > WRAP_AT:
                cell.alignment = Alignment(wrap_text=True, vertical="top",
                                           horizontal=cell.alignment.horizontal if r < data_row else None)
            widest = max(widest, min(w, MAX_WIDTH if r < data_row else WRAP_AT))
        width = min(MAX_WIDTH, widest + 2)
        ws.column_dimensions[letter].width = width
        total += width
    ws.freeze_panes = f"A{data_row}"
    ws.auto_filter.ref = f"A{data_row - 1}:{get_column_letter(ncol)}{last}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if total > 100 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{data_row - 1}"


def _sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\\/*?:\[\]]", "-", name)[:31] or "Sheet"
    out, k = base, 2
    while out in taken:
        out = f"{base[:28]}({k})"
        k += 1
    taken.add(out)
    return out


def write_tables(path: Path | str, title: str, tables: list[tuple[str, pd.DataFrame]]) -> Path:
    """One sheet per (sheet title, DataFrame): a title line, a header, the rows. Numbers and dates are
    stored as such with a display format (``typed``); text stays text; each sheet is finished for print."""
    import pandas as pd

    wb = new_workbook()
    taken: set[str] = set()
    for i, (sheet, df) in enumerate(tables):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = _sheet_name(sheet, taken)
        headers = [str(c) for c in df.columns]
        cols = [Column(h, h) for h in headers]
        rows, formats = [], []
        for r in df.itertuples(index=False):
            vals = [None if (not isinstance(v, (str, dict, list)) and pd.isna(v)) else v for v in r]
            pairs = [typed(v, h) for v, h in zip(vals, headers)]
            rows.append([v for v, _ in pairs])
            formats.append([f for _, f in pairs])
        place = write_table(ws, TableSpec(title_lines=[f"{title} —— {sheet}"], columns=cols, rows=rows,
                                          two_row_header=False))
        for excel_row, fmts in zip(place.data_rows, formats):
            for c, fmt in enumerate(fmts, start=1):
                if fmt:
                    ws.cell(excel_row, c).number_format = fmt
        finish_sheet(ws, place.header_row, place.header_row + 1, max(1, len(cols)))
    return save_workbook(wb, path)


_FIXED_TIME: list[dt.datetime] = []  # set by :func:`fixed_timestamps`


@contextlib.contextmanager
def fixed_timestamps(when: dt.datetime) -> Iterator[None]:
    """Within the block, every workbook saved by :func:`save_workbook` carries ``when`` as its creation and
    modification time and as the time of each zip entry: the same content gives the same bytes (the sample
    year, written twice with one seed, is byte for byte the same, so its archive copies are not doubled)."""
    _FIXED_TIME.append(when)
    try:
        yield
    finally:
        _FIXED_TIME.pop()


_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fix_zip_times(path: Path, when: dt.datetime) -> None:
    """Rewrite an .xlsx with fixed zip entry times and core-property dates (same entries, same order)."""
    import zipfile
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(lambda m: m[1] + stamp + m[2], data)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            dst.writestr(fixed, data)


def save_workbook(wb: Workbook, path: Path | str) -> Path:
    """Save an openpyxl workbook whole or not at all (with fixed times inside :func:`fixed_timestamps`)."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
        if _FIXED_TIME:
            _fix_zip_times(tmp, _FIXED_TIME[-1])
    return Path(path)
