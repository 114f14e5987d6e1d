"""The second reader of a legacy .xls (an OLE compound file) that calamine refuses: xlrd (docs/workbooks.md §6)."""
from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path
from typing import Any

from alxa_lib.workbooks.opening import not_a_workbook, reader_failure


def xls_second_reader(path: Path, first: BaseException, merges: dict[str, list] | None = None
                      ) -> tuple[dict[str, list[list[Any]]], set[str]]:
    """A legacy .xls (OLE compound file) that calamine refused (an unusual CODEPAGE such as 32768, Apple Roman,
    which the BIFF specification lists; a record calamine is stricter about than Excel), read by xlrd before
    ``corrupt``. The guard has bounded the file already: its size, its sector chains, and the rows, columns
    and cells its workbook stream places (xlrd builds a sheet from the same cells, formatted blanks left out
    with ``formatting_info=False``); each sheet is loaded on demand, converted, then released. Values as
    calamine gives them (whole numbers as int, dates as date or datetime, error cells as their text);
    merged ranges from the sheets' MERGEDCELLS records. Raise ``corrupt`` naming both readers."""
    import xlrd
    lim = _limits()
    try:
        book = xlrd.open_workbook(file_contents=Path(path).read_bytes(), on_demand=True, formatting_info=False,
                                  logfile=io.StringIO())
    except BaseException as exc:  # noqa: BLE001
        if not reader_failure(exc):
            raise
        raise not_a_workbook(path, f": calamine: {first}; xlrd: {type(exc).__name__}: {exc}") from exc
    try:
        out, hidden = {}, set()
        for i, name in enumerate(book.sheet_names()):
            if book._sheet_visibility[i]:  # 1 hidden, 2 very hidden
                hidden.add(name)
            try:
                sheet = book.sheet_by_index(i)
            except BaseException as exc:  # noqa: BLE001
                if not reader_failure(exc):
                    raise
                if name not in hidden:  # a visible sheet that is damaged may be the report: never read it as empty
                    raise not_a_workbook(path, f": calamine: {first}; xlrd: sheet {name!r}: {exc}") from exc
                out[name] = []
                continue
            if sheet.nrows > lim["rows"] or sheet.ncols > lim["columns"]:  # the guard's bounds, held once more
                raise not_a_workbook(path, f": calamine: {first}; xlrd: sheet {name!r} of {sheet.nrows} rows, "
                                           f"{sheet.ncols} columns")
            out[name] = [[_xlrd_value(t, v, book.datemode) for t, v in zip(sheet.row_types(r), sheet.row_values(r))]
                         + [""] * (sheet.ncols - sheet.row_len(r)) for r in range(sheet.nrows)]
            if merges is not None:
                merges[name] = _merged_ranges(book.mem, book._sh_abs_posn[i])
            book.unload_sheet(i)
        return out, hidden
    finally:
        book.release_resources()


def _limits() -> dict:
    from alxa_lib import params
    cfg = params.load("ingest")
    return {"rows": cfg["max_rows"] + cfg["limits"]["row_slack"], "columns": cfg["limits"]["max_columns"]}


def _xlrd_value(kind: int, value: Any, datemode: int) -> Any:
    """One xlrd cell as calamine gives it."""
    import xlrd
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == xlrd.XL_CELL_DATE:
        try:
            when = xlrd.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
        return when.date() if when.time() == dt.time() else when
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERR")
    return value


_MERGEDCELLS, _EOF = 0x00E5, 0x000A


def _merged_ranges(stream: bytes, at: int) -> list:
    """The merged ranges of the sheet whose BOF record is at ``at`` in the workbook stream, as calamine gives
    them (((row, col), (last row, last col)), 0-based): its MERGEDCELLS records, up to its EOF record."""
    out = []
    while at + 4 <= len(stream):
        kind, n = struct.unpack_from("<HH", stream, at)
        if kind == _MERGEDCELLS and n >= 2:
            count = min(struct.unpack_from("<H", stream, at + 4)[0], (n - 2) // 8)
            for k in range(count):
                r0, r1, c0, c1 = struct.unpack_from("<HHHH", stream, at + 6 + 8 * k)
                out.append(((r0, c0), (r1, c1)))
        at += 4 + n
        if kind == _EOF:
            break
    return out
