"""Worksheet content at a glance, for the bounded pre-read (guard.py, docs/workbooks.md §7): an .xlsx sheet's
chunks counted as a byte array (:func:`scan_chunk`), what only formats a sheet left out of every count
(:func:`blank_formatting`), an .ods sheet's repeated rows and cells counted by content (:func:`bound_ods`),
the refusals these bounds give, and a small part of the zip read straight from the archive (:func:`small_part`)."""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alxa_lib.errors import RejectedFile
from alxa_lib.workbooks.opening import not_a_workbook

CHUNK = 1 << 20
_CHUNK = CHUNK
_ROW_TAG = re.compile(rb"<row\b")


@dataclass
class ChunkScan:
    """One worksheet chunk at a glance: its row tags and cells (counted exactly), whether anything in it needs
    the exact checks (a DTD, an error cell, a reference beyond the limits), whether it holds a formula tag."""
    rows: int
    cells: int
    odd: bool
    formula: bool
    lead: int = 0  # cells before its first row tag (they belong to the row the previous chunk left open)
    widest: int = 0  # most cells in one row that begins and ends in it
    trailing: int = 0  # cells after its last row tag (that row goes on in the next chunk)
    formula_at: np.ndarray | None = None  # where its formula tags (<f␣, <f>, <f/) begin, when the scan saw them


_VECTOR_MIN = 1 << 16  # below this many bytes the exact checks cost less than the vector scan
_PAD = b"\0" * 16  # read past the end by the vector scan: no tag, no digit, no letter


def scan_chunk(chunk: bytes, lim: dict) -> ChunkScan:
    """The counts of a chunk, and whether it needs the exact checks. A large chunk is scanned as a byte array,
    a few whole-array comparisons instead of a regular expression over its cells; the test of its references
    is conservative (anything that might be beyond a limit counts as odd)."""
    if len(chunk) < _VECTOR_MIN:
        per_row = [piece.count(b"<c ") + piece.count(b"<c>") for piece in _ROW_TAG.split(chunk)]
        return ChunkScan(len(per_row) - 1, sum(per_row), True, b"<f" in chunk, per_row[0],
                         max(per_row[1:-1], default=0), per_row[-1])
    n = len(chunk)
    a = np.frombuffer(chunk + _PAD, dtype=np.uint8)
    lt = np.flatnonzero(a[:n] == 60)  # every tag: <
    after = a[lt + 1]
    cell = lt[after == 99]  # <c
    cell = cell[(a[cell + 2] == 32) | (a[cell + 2] == 62)]  # <c␣ or <c>
    rows = lt[after == 114]  # <r
    rows = rows[(a[rows + 2] == 111) & (a[rows + 3] == 119)]  # <row
    end = a[rows + 4]  # \b after <row: no word byte (the pad counts as none)
    word = ((end >= 48) & (end <= 57)) | ((end >= 65) & (end <= 90)) | ((end >= 97) & (end <= 122)) | (end == 95)
    rows = rows[~word]
    # the references the reader places cells by: those of <c r="…" and <row r="…" written first, as every
    # writer seen does; a cell or row whose reference is not first, or that has none, makes the chunk odd
    # (the exact checks read every reference, wherever it stands)
    # (a tag the chunk's end cuts is left to the window across the boundary, :func:`guard._edge_odd`)
    cell_ref = (a[cell + 2] == 32) & (a[cell + 3] == 114) & (a[cell + 4] == 61) & (a[cell + 5] == 34) | (cell + 6 > n)
    row_ref = (a[rows + 4] == 32) & (a[rows + 5] == 114) & (a[rows + 6] == 61) & (a[rows + 7] == 34) | (rows + 8 > n)
    e = np.flatnonzero(a[:n] == 101)  # t="e", an error cell: found by its "e", much rarer than ="
    error = ((a[e + 1] == 34) & (a[e - 1] == 34) & (a[e - 2] == 61) & (a[e - 3] == 116)).any()
    odd = bool((after == 33).any() or error or not cell_ref.all() or not row_ref.all()) \
        or _refs_beyond(a, np.concatenate([cell + 6, rows + 8]), lim)  # <!, t="e", r="…
    per_row = np.bincount(np.searchsorted(rows, cell), minlength=len(rows) + 1)  # [before the first row, …]
    tag = lt[after == 102]  # <f
    tag = tag[(a[tag + 2] == 32) | (a[tag + 2] == 62) | (a[tag + 2] == 47)]
    return ChunkScan(len(rows), len(cell), odd, bool((after == 102).any()), int(per_row[0]),
                     int(per_row[1:-1].max(initial=0)), int(per_row[-1]), tag)


_WS = (32, 9, 10, 13)


def blank_formatting(buf: bytes) -> tuple[bytes, int]:
    """``buf`` with what only formats, not fills, a worksheet replaced by spaces, and how far that was decided.

    Bounds count content, not formatting (docs/workbooks.md §7): the reader keeps only cells that hold a value,
    so a border drawn to column IV or one formatted cell at A30000 costs it nothing. Blanked, as the reader
    treats them: a self-closing cell (``<c r="IV5" s="1"/>``, skipped by the reader whatever it says); an empty
    cell with a reference (``<c r="IV5" s="1"></c>``) whose next tag is the row's end or another cell with a
    reference (the reader places a cell without a reference after the previous one, so that one must stay
    counted); a self-closing row; a row left without cells whose next row has a number of its own (or that
    ends the sheet). Anything not decided within ``buf`` (a cut tag, a cell whose next tag lies beyond) is
    kept and counted; the second value is the start of the first such cell near the end, the exact checks
    stop there and the next window, which begins before it, decides it."""
    n = len(buf)
    if b"<c" not in buf and b"<row" not in buf:
        return buf, n
    a = np.frombuffer(buf + _PAD, dtype=np.uint8)
    lt = np.flatnonzero(a[:n] == 60)
    gt = np.flatnonzero(a[:n] == 62)
    nxt = a[lt + 1]
    third = a[lt + 2]
    cs = lt[(nxt == 99) & ((third == 32) | (third == 62) | (third == 47) | (third == 9) | (third == 10) | (third == 13))]
    k = np.searchsorted(gt, cs)
    whole = k < len(gt)
    close = np.where(whole, gt[np.minimum(k, max(len(gt) - 1, 0))] if len(gt) else cs, n)
    selfclose = whole & (a[np.maximum(close - 1, 0)] == 47)
    pair = whole & ~selfclose & (a[close + 1] == 60) & (a[close + 2] == 47) & (a[close + 3] == 99) & (a[close + 4] == 62)
    eq = np.flatnonzero((a[:n] == 61) & (a[1:n + 1] == 34))
    ws_before = np.isin(a[eq - 2], _WS) if len(eq) else np.zeros(0, dtype=bool)
    rpos = eq[(a[eq - 1] == 114) & ws_before] if len(eq) else eq
    j = np.searchsorted(rpos, cs)
    has_ref = (j < len(rpos)) & (rpos[np.minimum(j, max(len(rpos) - 1, 0))] < close) if len(rpos) else np.zeros(len(cs), bool)
    undecided = n
    blank = selfclose.copy()
    if pair.any():
        # the next tag after each empty pair: the row's end, or a cell with a reference that is not self-closing
        after = close + 5
        t = np.searchsorted(lt, after)
        nt = lt[np.minimum(t, len(lt) - 1)]
        known = (t < len(lt)) & (nt < (gt[-1] if len(gt) else -1))  # a next tag, seen whole
        row_end = (a[nt + 1] == 47) & (a[nt + 2] == 114)
        ci = np.searchsorted(cs, nt)
        is_cell = (ci < len(cs)) & (cs[np.minimum(ci, max(len(cs) - 1, 0))] == nt)
        ci = np.minimum(ci, max(len(cs) - 1, 0))
        placed = is_cell & has_ref[ci] & ~selfclose[ci] & whole[ci]
        ok = pair & has_ref & known & (row_end | placed)
        blank |= ok
        late = pair & has_ref & ~known  # its next tag lies beyond or is cut
        if late.any():
            undecided = int(cs[late][0])
    cut = ~whole | (~selfclose & ~pair & (close + 5 > n))  # its end not seen
    if cut.any():
        undecided = min(undecided, int(cs[cut][0]))
    spans = [(cs[blank], np.where(selfclose[blank], close[blank], close[blank] + 4))]
    # rows: self-closing ones, and those left without cells whose next row carries its own number
    rs = lt[(nxt == 114) & (third == 111) & (a[lt + 3] == 119) & np.isin(a[lt + 4], _WS + (62, 47))]
    if len(rs):
        k = np.searchsorted(gt, rs)
        rwhole = k < len(gt)
        rclose = np.where(rwhole, gt[np.minimum(k, max(len(gt) - 1, 0))] if len(gt) else rs, n)
        rself = rwhole & (a[np.maximum(rclose - 1, 0)] == 47)
        kept_cells = cs[~blank]
        ends = lt[(nxt == 47) & (third == 114) & (a[lt + 3] == 111) & (a[lt + 4] == 119)]
        e = np.searchsorted(ends, rclose)
        has_end = rwhole & (e < len(ends))
        row_end = np.where(has_end, ends[np.minimum(e, max(len(ends) - 1, 0))] if len(ends) else n, n)
        inside = np.searchsorted(kept_cells, row_end) - np.searchsorted(kept_cells, rclose)
        j = np.searchsorted(rpos, rs)
        numbered = (j < len(rpos)) & (rpos[np.minimum(j, max(len(rpos) - 1, 0))] < rclose) if len(rpos) else np.zeros(len(rs), bool)
        follower = np.append(numbered[1:], False)  # the next row tag has a number of its own
        last_of_sheet = np.zeros(len(rs), bool)
        if len(rs) and has_end[-1] and buf.find(b"</sheetData>", int(row_end[-1])) != -1:
            last_of_sheet[-1] = True
        empty_row = has_end & ~rself & (inside == 0) & (follower | last_of_sheet)
        spans.append((rs[rself], rclose[rself]))
        spans.append((rs[empty_row], row_end[empty_row] + 5))
    starts = np.concatenate([s for s, _ in spans])
    if not len(starts):
        return buf, undecided
    stops = np.concatenate([e for _, e in spans]) + 1
    mark = np.zeros(n + 1, dtype=np.int32)
    np.add.at(mark, starts, 1)
    np.add.at(mark, np.minimum(stops, n), -1)
    out = a[:n].copy()
    out[np.cumsum(mark[:n]) > 0] = 32
    return out.tobytes(), undecided


def _refs_beyond(a: np.ndarray, at: np.ndarray, lim: dict) -> bool:
    """Whether any of the values starting at ``at`` (letters, then digits) might be a column beyond
    ``max_columns`` or a row beyond ``max_rows`` + ``row_slack``: four letters or more, or more digits than
    the row cap has, count as beyond."""
    row_cap = lim["max_rows"] + lim["row_slack"]
    b = [a[at + k] for k in range(4)]
    letter = [(x >= 65) & (x <= 90) for x in b]
    run = [letter[0]]  # run[k]: the value starts with k + 1 letters or more
    for k in range(1, 4):
        run.append(run[-1] & letter[k])
    if run[3].any():
        return True
    col = np.where(run[0], b[0].astype(np.int32) - 64, 0)  # int32 and uint8: a third of the work of int64
    for k in (1, 2):
        col = np.where(run[k], col * 26 + b[k] - 64, col)
    if (col > lim["max_columns"]).any():
        return True
    start = at + run[0] + run[1] + run[2]
    row, going = np.zeros(len(at), dtype=np.int32), np.ones(len(at), dtype=bool)
    for k in range(len(str(row_cap)) + 1):
        d = a[start + k]
        going &= (d >= 48) & (d <= 57)
        if not going.any():
            return bool((row > row_cap).any())
        row = np.where(going, row * 10 + d - 48, row)
    return True  # a digit after as many as the row cap has: beyond


def small_part(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part that inflates to one chunk at most, read straight from the archive: zipfile's reader of a
    part (its local header, a reader object, a decompressor) cost twice the inflating of the few-KB parts
    of a workbook (styles, theme, relationships: eight of a report's nine parts; 0.14 → 0.07 s of CPU over
    the sample year's 597 workbooks). None for anything else (a larger part, encrypted, compressed by
    another method, cut short, or whose CRC-32 differs): zipfile reads it then, and says what is wrong."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
            or info.compress_size > _CHUNK or info.file_size > _CHUNK:
        return None
    fp = z.fp
    if fp is None:
        return None
    fp.seek(info.header_offset)
    head = fp.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return None
    skip = int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    fp.seek(info.header_offset + 30 + skip)
    raw = fp.read(info.compress_size)
    if len(raw) < info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        data = raw
    else:
        inflate = zlib.decompressobj(-15)
        try:
            data = inflate.decompress(raw, _CHUNK + 1)
        except zlib.error:
            return None
        if not inflate.eof or len(data) > _CHUNK:
            return None
    return data if zlib.crc32(data) == info.CRC else None


def mimetype(z: zipfile.ZipFile) -> bytes:
    try:
        with z.open("mimetype") as fh:
            return fh.read(200)
    except KeyError:
        return b""


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_REPEAT = re.compile(rb'table:number-(?:rows|columns)-repeated="(\d+)"')


def bound_ods(z: zipfile.ZipFile, lim: dict, name: str) -> None:
    """The bounds of an .xlsx sheet, for the tables of an OpenDocument spreadsheet (.ods), counted by content
    as they stream: a row or cell repeated N times (``table:number-rows-repeated``) counts N times once it
    holds a value, and only rows and columns reaching a value count (LibreOffice writes the rest of a sheet
    as one empty row repeated a million times)."""
    row_cap = lim["max_rows"] + lim["row_slack"]
    info = z.getinfo("content.xml")
    if info.file_size > lim["max_part_mb"] * 1e6:
        return  # refused as too large by the directory check that follows
    rows = cells = col = row_reps = 0
    tail = b""
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            cut = window.rfind(b"<")
            if cut != -1 and window.find(b">", cut) == -1:
                window, tail = window[:cut], window[cut:]
            else:
                tail = b""
            if len(tail) > _CHUNK:
                raise not_a_workbook(Path(name), ": content.xml holds a tag longer than 1 MB")
            for closing, tag, attrs, empty in _ODS_TAG.findall(window):
                if tag == b"table":
                    rows = 0 if not closing else rows
                    continue
                if tag == b"table-row":
                    if closing:
                        rows += row_reps
                    else:
                        m = _ODS_REPEAT.search(attrs)
                        row_reps, col = (int(m[1]) if m else 1), 0
                        if empty:
                            rows += row_reps
                    continue
                if closing:
                    continue
                m = _ODS_REPEAT.search(attrs)
                reps = int(m[1]) if m else 1
                if not empty or b"office:value-type" in attrs:  # a cell holding something
                    if col + reps > lim["max_columns"]:
                        raise too_wide(lim, "content.xml", name)
                    if rows + row_reps > row_cap:
                        raise too_long(row_cap, "content.xml", name)
                    cells += reps * row_reps
                    if cells > lim["max_cells"]:
                        raise too_many_cells(lim, name)
                col += reps


def too_wide(lim: dict, part: str, name: str = "") -> RejectedFile:
    where = f" ({name})" if name and name != part else ""
    return RejectedFile("too_wide", f"表格超过{lim['max_columns']}列（只计有内容的单元格），请删除多余列后报送 / more than "
                                    f"{lim['max_columns']} columns holding values in {part}: remove the extra columns "
                                    f"and resend{where}")


def too_many_cells(lim: dict, name: str) -> RejectedFile:
    return RejectedFile("oversized", f"工作簿单元格超过{lim['max_cells']}个，请拆分后报送 / more than "
                                     f"{lim['max_cells']} cells: split the file and resend ({name})")


def too_long(row_cap: int, part: str, name: str = "") -> RejectedFile:
    where = f" ({name})" if name and name != part else ""
    return RejectedFile("oversized", f"表格超过{row_cap}行（只计有内容的行），请拆分后报送 / more than {row_cap} rows "
                                     f"holding values in {part}: split the file and resend{where}")
