"""Bounded reading: decide whether a file may be parsed at all before any parser sees it (docs/workbooks.md §7).

A hostile or broken file must be decided in seconds and in little memory: the checks below look at the
file type (a regular file, by its magic bytes), the zip directory (part count, declared sizes, compression
ratio), stream every XML part once (actual size, no DTD or entity declaration) and bound the rows and
columns of every worksheet while streaming — stopping at the first limit crossed. The limits are in
``params/ingest.yaml`` ``limits``. Each refusal is a :class:`RejectedFile` with its own reason code.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from alxa_lib import params
from alxa_lib.errors import RejectedFile
from alxa_lib.workbooks.opening import formula_cells_in

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_OVERLAP = 512  # longer than any tag the patterns below look for
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_ROW = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"")
_ROW_TAG = re.compile(rb"<row\b")
_WIDE_CELL = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{2,3})\d+\"")
_WIDE_ANY = re.compile(rb'r="([A-Z]{2,3})\d')  # finds at least what _WIDE_CELL finds, many times faster
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>', re.S)


def limits() -> dict:
    cfg = params.load("ingest")
    return {"max_file_mb": cfg["max_file_mb"], "max_rows": cfg["max_rows"], **cfg["limits"]}


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _widest(window: bytes, limit: int) -> int:
    """The widest cell column (1-based) of a worksheet window, 0 if every cell is within A–Z. The quick
    pattern bounds it from above; the exact one runs only when that bound is over ``limit``."""
    bound = max(map(col_number_b, set(_WIDE_ANY.findall(window))), default=0)
    if bound <= limit:
        return bound
    return max((col_number(m.decode()) for m in _WIDE_CELL.findall(window)), default=0)


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
                                        f"exceeds the {lim['max_file_mb']} MB limit: remove images or split it")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        return Inspection("ole")
    if not head.startswith(ZIP_MAGIC):
        raise RejectedFile("corrupt", f"文件不是有效的Excel工作簿或已损坏，请重新导出后报送 / not a valid or a corrupt "
                                      f"spreadsheet (its content is not a workbook): re-save it as .xlsx and resend ({path.name})")
    try:
        with zipfile.ZipFile(path) as z:
            seen = Inspection("zip")
            _scan_zip(z, lim, path.name, seen)
            return seen
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise RejectedFile("corrupt", f"文件不是有效的Excel工作簿或已损坏，请重新导出后报送 / not a valid or a corrupt "
                                      f"spreadsheet: re-save it as .xlsx and resend ({path.name}: {exc})") from None


def _bomb(name: str, what_cn: str, what_en: str) -> RejectedFile:
    return RejectedFile("zip_bomb", f"文件解压后异常庞大（{what_cn}），疑为压缩炸弹，拒收 / the workbook inflates "
                                    f"abnormally ({what_en}): refused as a possible zip bomb; re-save it and resend ({name})")


def _scan_zip(z: zipfile.ZipFile, lim: dict, name: str, seen: Inspection) -> None:
    infos = z.infolist()
    if len(infos) > lim["max_zip_parts"]:
        raise _bomb(name, f"{len(infos)}个部件，上限{lim['max_zip_parts']}", f"{len(infos)} parts, limit {lim['max_zip_parts']}")
    part_cap, total_cap = lim["max_part_mb"] * 1e6, lim["max_unzipped_mb"] * 1e6
    declared = sum(i.file_size for i in infos)
    if declared > total_cap:
        raise _bomb(name, f"共{declared / 1e6:.0f}MB，上限{lim['max_unzipped_mb']}MB",
                    f"{declared / 1e6:.0f} MB in all, limit {lim['max_unzipped_mb']} MB")
    for i in infos:
        if i.file_size > part_cap:
            raise _bomb(name, f"{i.filename} {i.file_size / 1e6:.0f}MB", f"{i.filename} of {i.file_size / 1e6:.0f} MB")
        if i.file_size > lim["ratio_min_part_kb"] * 1e3 and i.file_size > lim["max_ratio"] * max(i.compress_size, 1):
            raise _bomb(name, f"{i.filename} 压缩比{i.file_size / max(i.compress_size, 1):.0f}:1",
                        f"{i.filename} compressed {i.file_size / max(i.compress_size, 1):.0f}:1")
    total = 0
    cells = [0]  # cells seen in all worksheets so far
    for i in infos:
        if not i.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        total += _stream_part(z, i, lim, name, total, total_cap, seen, cells)


def _stream_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, lim: dict, name: str, done: int, total_cap: float,
                 seen: Inspection, cells: list[int]) -> int:
    """Stream one XML part: count its real size, refuse a DTD, bound a worksheet's rows and columns."""
    sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
    row_cap = lim["max_rows"] + lim["row_slack"]
    size, tail, max_row, n_rows = 0, b"", 0, 0
    kept: list[bytes] = []  # a worksheet's bytes, for its formulas (at most max_part_mb, dropped at once)
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            if sheet:
                kept.append(chunk)
            if size > lim["max_part_mb"] * 1e6 or done + size > total_cap:
                raise _bomb(name, f"{info.filename}实际解压超过上限", f"{info.filename} inflates past the limit")
            window = tail + chunk
            if b"<!" in window and _DTD.search(window):  # the quick test first: most parts have no "<!"
                raise RejectedFile("xml_dtd", f"工作簿含DTD或实体声明（{info.filename}），可能是恶意文件，拒收 / the "
                                              f"workbook declares a DTD or entities in {info.filename}: refused; "
                                              f"re-save it in Excel and resend ({name})")
            if sheet:
                rows = [int(m) for m in _ROW.findall(window)]
                n_rows += len(_ROW_TAG.findall(chunk))
                max_row = max([max_row, n_rows, *rows])
                if max_row > row_cap:
                    raise RejectedFile("oversized", f"表格超过{row_cap}行，请拆分后报送 / more than {row_cap} rows in "
                                                    f"{info.filename}: split the file and resend")
                cells[0] += chunk.count(b"<c ") + chunk.count(b"<c>")
                if cells[0] > lim["max_cells"]:
                    raise RejectedFile("oversized", f"工作簿单元格超过{lim['max_cells']}个，请拆分后报送 / more than "
                                                    f"{lim['max_cells']} cells: split the file and resend ({name})")
                if _widest(window, lim["max_columns"]) > lim["max_columns"]:
                    raise RejectedFile("too_wide", f"表格超过{lim['max_columns']}列，请删除多余列后报送 / more than "
                                                   f"{lim['max_columns']} columns in {info.filename}: remove the extra "
                                                   f"columns and resend")
                if b't="e"' in window:
                    found = {m[0].decode(): m[1].decode("utf-8", "replace") for m in _ERROR_CELL.findall(window)}
                    seen.error_cells.setdefault(info.filename, {}).update(found)
                if b"<f" in window:
                    seen.formula_parts.add(info.filename)
            tail = window[-_OVERLAP:]
    if info.filename in seen.formula_parts:
        seen.uncached_formulas[info.filename] = formula_cells_in(b"".join(kept))
    return size
