"""Bounded reading: decide whether a file may be parsed at all before any parser sees it (docs/workbooks.md §7).

A hostile or broken file must be decided in seconds and in little memory: the checks below look at the
file type (a regular file, by its magic bytes), the zip directory (part count, declared sizes, compression
ratio), stream every XML part once (actual size, no DTD or entity declaration) and bound the rows and
columns of every worksheet while streaming — stopping at the first limit crossed. The limits are in
``params/ingest.yaml`` ``limits``. Each refusal is a :class:`RejectedFile` with its own reason code.
"""
from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from alxa_lib import params
from alxa_lib.errors import RejectedFile
from alxa_lib.workbooks.cfb import Broken, Extent, check_compound_file
from alxa_lib.workbooks.opening import formula_cells_in, is_encrypted, not_a_workbook, password_protected
from alxa_lib.workbooks.sheetscan import (
    CHUNK,
    blank_formatting,
    bound_ods,
    mimetype,
    scan_chunk,
    small_part,
    too_long,
    too_many_cells,
    too_wide,
)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = CHUNK
_OVERLAP = 512  # longer than any tag the patterns below look for
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_ROW = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"")
_CELL_REF = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]+)(\d+)\"")  # where a cell is placed, whatever its row's number
_ANY_REF = re.compile(rb'r="([A-Z]*)(\d+)')  # finds at least every reference the two patterns above find
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>', re.S)


def limits() -> dict:
    cfg = params.load("ingest")
    return {"max_file_mb": cfg["max_file_mb"], "max_rows": cfg["max_rows"], **cfg["limits"]}


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_number_b(letters: bytes) -> int:
    return col_number(letters.decode())


@dataclass
class Inspection:
    """What the bounded pre-read learned: the container and the error cells (``t="e"``) per worksheet part."""
    container: str  # "zip" or "ole"
    error_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    formula_parts: set[str] = field(default_factory=set)  # worksheet parts holding a formula tag (``<f``)
    # Per worksheet part holding a formula: the cells whose formula has no cached value, found in the bytes
    # this pass inflated anyway (so the sheet is not inflated a second time for them).
    uncached_formulas: dict[str, set[str]] = field(default_factory=dict)


def inspect(path: Path) -> Inspection:
    """Refuse what must not be parsed; return what the pre-read learned. Never reads more than the limits."""
    lim = limits()
    try:
        st = os.stat(path)  # follows a symlink: a link to /dev/zero is judged by what it points to
    except OSError as exc:
        raise RejectedFile("not_found", f"文件无法访问 / file not accessible: {path} ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise RejectedFile("not_regular_file", f"不是普通文件（设备、管道或文件夹），拒收 / "
                                               f"not a regular file (a device, pipe or folder): {path.name}")
    size_mb = st.st_size / 1e6
    if size_mb > lim["max_file_mb"]:
        raise RejectedFile("oversized", f"文件大小{size_mb:.1f}MB超过{lim['max_file_mb']}MB上限 / file of {size_mb:.1f} MB "
                                        f"exceeds the {lim['max_file_mb']} MB limit: remove images or split it ({path.name})")
    with open(path, "rb", buffering=0) as fh:
        head = fh.read(8)
        if head.startswith(ZIP_MAGIC):
            # the whole zip in memory (at most max_file_mb): its directory and its parts are then read without a
            # system call for each seek and read (about 60 of them per workbook through a file)
            data = head + fh.readall()
    if head.startswith(OLE_MAGIC):
        extent = _check_ole(path)
        if extent.encrypted:  # XOR or RC4 .xls, ECMA-376 agile or standard: calamine would call some corrupt
            raise password_protected(path)
        _bound_extent(extent, lim, path.name)
        return Inspection("ole")
    if not head.startswith(ZIP_MAGIC):
        raise not_a_workbook(path, why=" (its content is not a workbook)")
    if len(data) > lim["max_file_mb"] * 1e6:  # grown since it was measured above
        raise RejectedFile("oversized", f"文件大小超过{lim['max_file_mb']}MB上限 / the file exceeds the "
                                        f"{lim['max_file_mb']} MB limit: remove images or split it ({path.name})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            seen = Inspection("zip")
            _scan_zip(z, lim, path.name, seen)
            return seen
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise not_a_workbook(path, f": {exc}") from None


def _check_ole(path: Path) -> Extent:
    """A legacy .xls (or an encrypted .xlsx) whose sector chains calamine can follow without end is refused;
    else the extent of its cells."""
    try:
        return check_compound_file(path)
    except Broken as exc:
        raise (password_protected(path) if is_encrypted(path) else not_a_workbook(path, f": {exc}")) from None


def _bound_extent(extent: Extent, lim: dict, name: str) -> None:
    """The bounds of an .xlsx sheet, for the cells of a legacy .xls: calamine builds each sheet as a dense grid
    reaching its farthest cell (one cell at row 65,536, column 256 cost 1.2 GB)."""
    row_cap = lim["max_rows"] + lim["row_slack"]
    if extent.rows > row_cap:
        raise too_long(row_cap, name)
    if extent.columns > lim["max_columns"]:
        raise too_wide(lim, name)
    if extent.cells > lim["max_cells"]:
        raise too_many_cells(lim, name)


def _bomb(name: str, what_cn: str, what_en: str) -> RejectedFile:
    return RejectedFile("zip_bomb", f"文件解压后异常庞大（{what_cn}），疑为压缩炸弹，拒收 / the workbook inflates "
                                    f"abnormally ({what_en}): refused as a possible zip bomb; re-save it and resend ({name})")


def _too_big(name: str, what_cn: str, what_en: str) -> RejectedFile:
    """A workbook too large to read, by its parts or its inflated size: said as what it is, not as a bomb."""
    return RejectedFile("oversized", f"工作簿过大（{what_cn}），请删除多余的工作表或图片、拆分后报送 / the workbook is "
                                     f"too large ({what_en}): remove extra sheets or images, split it and resend ({name})")


def _scan_zip(z: zipfile.ZipFile, lim: dict, name: str, seen: Inspection) -> None:
    infos = z.infolist()
    for i in infos:  # the compression ratio first: only it makes a file a possible bomb
        if i.file_size > lim["ratio_min_part_kb"] * 1e3 and i.file_size > lim["max_ratio"] * max(i.compress_size, 1):
            raise _bomb(name, f"{i.filename} 压缩比{i.file_size / max(i.compress_size, 1):.0f}:1",
                        f"{i.filename} compressed {i.file_size / max(i.compress_size, 1):.0f}:1")
    if len(infos) > lim["max_zip_parts"]:
        raise _too_big(name, f"{len(infos)}个部件（工作表、图片等），上限{lim['max_zip_parts']}个",
                       f"{len(infos)} parts such as sheets and images, limit {lim['max_zip_parts']}")
    part_cap, total_cap = lim["max_part_mb"] * 1e6, lim["max_unzipped_mb"] * 1e6
    declared = sum(i.file_size for i in infos)
    if declared > total_cap:
        raise _too_big(name, f"解压后共{declared / 1e6:.0f}MB，上限{lim['max_unzipped_mb']}MB",
                       f"{declared / 1e6:.0f} MB uncompressed, limit {lim['max_unzipped_mb']} MB")
    for i in infos:
        if i.file_size > part_cap:
            raise _too_big(name, f"{i.filename}解压后{i.file_size / 1e6:.0f}MB，上限{lim['max_part_mb']}MB",
                           f"{i.filename} of {i.file_size / 1e6:.0f} MB uncompressed, limit {lim['max_part_mb']} MB")
    if any(i.filename == "content.xml" for i in infos) and b"opendocument.spreadsheet" in mimetype(z):
        bound_ods(z, lim, name)
    total = 0
    cells = [0]  # cells seen in all worksheets so far
    for i in infos:
        if not i.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        before = cells[0]
        try:  # first as it stands: formatting counted too, which refuses nothing the content alone would pass
            total += _stream_part(z, i, lim, name, total, total_cap, seen, cells)
        except RejectedFile as exc:
            if exc.reason not in ("oversized", "too_wide"):
                raise
            cells[0] = before  # counted again, by content only (docs/workbooks.md §7)
            total += _stream_part(z, i, lim, name, total, total_cap, seen, cells, content_only=True,
                                  refs_only=not _has_refless_cell(z, i))


def _stream_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, lim: dict, name: str, done: int, total_cap: float,
                 seen: Inspection, cells: list[int], content_only: bool = False, refs_only: bool = False) -> int:
    """Stream one XML part: count its real size, refuse a DTD, bound a worksheet's rows and columns.
    ``content_only``: a worksheet's formatting (:func:`blank_formatting`) is left out of every count; else
    it is counted too (cheaper; the exact checks of an odd window leave it out all the same). ``refs_only``
    (with ``content_only``): every cell of the sheet carries its own reference, so the reader places each by
    it and the rows' numbers place nothing: the cells holding values are bounded by their references alone
    (a row 1,048,576 full of formatted empty cells, as a whole sheet formatted at once leaves, costs nothing)."""
    sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
    if not sheet:
        data = small_part(z, info)
        if data is not None:  # the part whole in one chunk: the same checks as the loop below makes on it
            if len(data) > lim["max_part_mb"] * 1e6 or done + len(data) > total_cap:
                raise _bomb(name, f"{info.filename}实际解压超过上限", f"{info.filename} inflates past the limit")
            if info.filename.lower().endswith("sharedstrings.xml"):
                _check_sst(data, lim, info.filename)
            if b"<!" in data:
                _refuse_dtd(data, info.filename, name)
            return len(data)
    row_cap = lim["max_rows"] + lim["row_slack"]
    size, tail, n_rows = 0, b"", 0
    open_row, widest = 0, 0  # the cells of the row still open at the chunk's end; the most in one row
    formulas = FormulaCells()
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            if size > lim["max_part_mb"] * 1e6 or done + size > total_cap:
                # its directory declared less: a file made to deceive the check above
                raise _bomb(name, f"{info.filename}实际解压超过上限", f"{info.filename} inflates past the limit")
            if not sheet:
                window = tail + chunk
                if info.filename.lower().endswith("sharedstrings.xml"):
                    _check_sst(window, lim, info.filename)
                if b"<!" in window:
                    _refuse_dtd(window, info.filename, name)
                tail = window[-_OVERLAP:]
                continue
            if refs_only:
                _check_refs(tail + chunk, chunk, info.filename, name, lim, cells, seen)
                formulas.add(chunk, b"<f" in chunk)
                if b"<f" in tail + chunk[:_OVERLAP]:
                    seen.formula_parts.add(info.filename)
                tail = (tail + chunk)[-_OVERLAP:]
                continue
            scan = scan_chunk(blank_formatting(chunk)[0] if content_only else chunk, lim)
            edge = tail + chunk[:_OVERLAP]  # holds whole every tag that the chunk boundary cuts
            n_rows += scan.rows
            cells[0] += scan.cells
            if scan.odd or _edge_odd(edge, lim):  # anything out of the common: decided exactly, on the window
                _check_window(tail + chunk, info.filename, name, lim, n_rows, cells[0], seen)
            elif n_rows > row_cap or cells[0] > lim["max_cells"]:
                _check_window(b"", info.filename, name, lim, n_rows, cells[0], seen)
            if scan.rows:
                widest, open_row = max(widest, open_row + scan.lead, scan.widest), scan.trailing
            else:
                open_row += scan.lead
            if max(widest, open_row) > lim["max_columns"]:  # cells without a reference are placed one after another
                raise too_wide(lim, info.filename, name)
            if scan.formula or b"<f" in edge:
                seen.formula_parts.add(info.filename)
            formulas.add(chunk, scan.formula, scan.formula_at)
            tail = (tail + chunk)[-_OVERLAP:] if len(chunk) < _OVERLAP else chunk[-_OVERLAP:]
    if info.filename in seen.formula_parts:
        seen.uncached_formulas[info.filename] = formulas.end()
    return size


_REFLESS = re.compile(rb'<c(?=[\s/>])(?![^>]*?\sr=")')


def _has_refless_cell(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a worksheet part holds a cell without a reference (one more inflation, on the rare path)."""
    if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
        return True
    tail = b""
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            if _REFLESS.search(tail + chunk):
                return True
            tail = chunk[-_OVERLAP:]
    return False


def _check_refs(window: bytes, chunk: bytes, part: str, name: str, lim: dict, cells: list[int],
                seen: Inspection) -> None:
    """The checks of one window of a sheet whose every cell has a reference: a DTD, the cells holding a value
    (counted in the chunk), and their references against the row and column limits; its error cells."""
    if b"<!" in window:
        _refuse_dtd(window, part, name)
    own = blank_formatting(chunk)[0]
    cells[0] += own.count(b"<c ") + own.count(b"<c>")
    if cells[0] > lim["max_cells"]:
        raise too_many_cells(lim, name)
    kept, upto = blank_formatting(window)
    letters, digits = _refs(_CELL_REF.findall(kept[:upto]))
    if max(map(col_number_b, letters), default=0) > lim["max_columns"]:
        raise too_wide(lim, part, name)
    row_cap = lim["max_rows"] + lim["row_slack"]
    if max(map(int, digits), default=0) > row_cap:
        raise too_long(row_cap, part, name)
    if b't="e"' in window:
        found = {m[0].decode(): m[1].decode("utf-8", "replace") for m in _ERROR_CELL.findall(window)}
        seen.error_cells.setdefault(part, {}).update(found)


class FormulaCells:
    """The cells of one worksheet holding a formula without a cached value (:func:`formula_cells_in`), found
    while it streams: each stretch up to the last ``</c>`` is searched as it comes (a formula cell cannot
    cross a ``</c>``, so cutting there finds exactly what a search of the whole sheet finds), the rest waits
    for the next chunk. The sheet is never held whole for them."""

    def __init__(self) -> None:
        self.rest, self.found = b"", set()

    def add(self, chunk: bytes, has_tag: bool, tags=None) -> None:
        """``has_tag``: the chunk holds a formula tag (``<f``); ``tags``: where its formula tags begin, when the
        byte-array scan has found them (the chunk is then not searched for them again)."""
        first, cut = chunk.find(b"</c>") + 4, chunk.rfind(b"</c>") + 4
        if first == 3:  # no cell ends in this chunk: it waits whole
            self.rest += chunk
            return
        stitched = self.rest + chunk[:first]  # the stretch the previous chunk left, up to the first </c>
        self.found |= formula_cells_in(stitched)
        if has_tag and cut > first:
            self.found |= formula_cells_in(chunk, first, cut, tags)
        self.rest = chunk[cut:]

    def end(self) -> set[str]:
        self.found |= formula_cells_in(self.rest)
        return self.found


def _edge_odd(edge: bytes, lim: dict) -> bool:
    """:func:`scan_chunk`'s test on the bytes around a chunk boundary (about 1 KB)."""
    if b"<!" in edge:
        return True
    edge, upto = blank_formatting(edge)
    edge = edge[:upto]
    if b"<!" in edge or b't="e"' in edge:
        return True
    row_cap = lim["max_rows"] + lim["row_slack"]
    return any(int(digits) > row_cap or len(letters) > 3 or col_number_b(letters) > lim["max_columns"]
               for letters, digits in _ANY_REF.findall(edge))


_SST_COUNT = re.compile(rb'<sst\b[^>]*?\buniqueCount="(\d+)"')


def _check_sst(head: bytes, lim: dict, part: str) -> None:
    """calamine reserves the shared strings' declared ``uniqueCount`` at once (10^9 took the machine's memory):
    more than the cells a workbook may hold is refused."""
    m = _SST_COUNT.search(head)
    if m and int(m[1]) > lim["max_cells"]:
        raise RejectedFile("oversized", f"共享字符串表声明{int(m[1])}个字符串，超过{lim['max_cells']}个单元格上限 / "
                                        f"{part} declares {int(m[1])} strings, more than the {lim['max_cells']} "
                                        f"cells a workbook may hold: re-save it and resend")


def _refuse_dtd(window: bytes, part: str, name: str) -> None:
    if _DTD.search(window):
        raise RejectedFile("xml_dtd", f"工作簿含DTD或实体声明（{part}），可能是恶意文件，拒收 / the "
                                      f"workbook declares a DTD or entities in {part}: refused; "
                                      f"re-save it in Excel and resend ({name})")


def _window_limits(window: bytes, part: str, name: str, lim: dict, n_rows: int, n_cells: int) -> None:
    """Rows (by count and by row number), cells, columns, then rows by a cell's own reference (a dense reader
    places a cell by it, whatever its row's number says) of one window."""
    row_cap = lim["max_rows"] + lim["row_slack"]
    if max([n_rows, *map(int, _ROW.findall(window))]) > row_cap:
        raise too_long(row_cap, part, name)
    if n_cells > lim["max_cells"]:
        raise too_many_cells(lim, name)
    letters, digits = _refs(_CELL_REF.findall(window))
    if max(map(col_number_b, letters), default=0) > lim["max_columns"]:
        raise too_wide(lim, part, name)
    if max(map(int, digits), default=0) > row_cap:  # in a row of a small number, a cell far below
        raise too_long(row_cap, part, name)


def _refs(refs: list[tuple[bytes, bytes]]) -> tuple[set[bytes], set[bytes]]:
    """The distinct column letters and row numbers of a window's cell references: a sheet repeats a few
    dozen columns and each row's number once per cell, so each is converted once, not once per cell."""
    return {c for c, _ in refs}, {r for _, r in refs}


def _check_window(window: bytes, part: str, name: str, lim: dict, n_rows: int, n_cells: int, seen: Inspection) -> None:
    """The exact checks of one worksheet window (the previous chunk's last bytes and this chunk), in their
    order: a DTD, rows (by count and by row number), cells, columns, then rows by a cell's own reference (a
    dense reader places a cell by it, whatever its row's number says); then the error cells it holds."""
    if b"<!" in window:
        _refuse_dtd(window, part, name)
    raw = window
    try:  # first as it stands (formatting counted too, so it refuses nothing the content alone would pass)
        _window_limits(raw, part, name, lim, n_rows, n_cells)
    except RejectedFile as exc:
        if exc.reason not in ("oversized", "too_wide"):
            raise
        window, upto = blank_formatting(raw)  # only content counts; what the window's end leaves open, the next decides
        _window_limits(window[:upto], part, name, lim, n_rows, n_cells)
    if b't="e"' in raw:
        found = {m[0].decode(): m[1].decode("utf-8", "replace") for m in _ERROR_CELL.findall(raw)}
        seen.error_cells.setdefault(part, {}).update(found)
