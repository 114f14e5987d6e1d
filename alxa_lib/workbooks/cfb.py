"""Bounded check of an OLE compound file (a legacy .xls) before calamine reads it (docs/workbooks.md §7).

calamine follows the file's sector chains as they are written: a chain that loops (a cyclic FAT) made it
allocate until the machine killed the whole ingest, and a stream declaring more bytes than the file holds
makes it reserve them. Here every chain calamine follows is walked once, each sector at most once: the
directory, the mini FAT, the root's mini stream and every stream; a loop, a sector outside the file or a
stream larger than its chain is refused as ``corrupt`` before any parse.

calamine also builds each worksheet as a dense grid from its farthest cell: one cell at row 65,536,
column 256 of a file of a few KB cost 1.2 GB. The check therefore returns the extent of the cells the
workbook stream places (:class:`Extent`), for the guard to bound as it bounds an .xlsx sheet.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_END, _FREE = 0xFFFFFFFE, 0xFFFFFFFF
_HEADER_DIFAT = 109
_MINI_CUTOFF = 4096


class Broken(ValueError):
    """The compound file's structure is broken (the reason, in English)."""


@dataclass(frozen=True)
class Extent:
    """How far the workbook stream's cell records reach, over all its sheets: rows and columns (the
    farthest cell's row and column number, counted from 1) and the number of cells."""
    rows: int = 0
    columns: int = 0
    cells: int = 0
    encrypted: bool = False  # a FILEPASS record (XOR or RC4 .xls), or an encrypted OOXML package inside


# BIFF records of cells with a value: FORMULA, LABELSST, NUMBER, RK, BOOLERR, LABEL, RSTRING (row and column
# first), and MULRK (row, first column, ..., last column). Formatted blanks (BLANK, MULBLANK) are left out:
# calamine does not stretch a sheet to them, and a border drawn across a whole row is no bomb.
_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6}
_MULTI = {0x00BD}
_FILEPASS = 0x002F  # what follows is encrypted: calamine asks for the password, nothing to measure
_BOOK = ("Workbook", "Book")


def check_compound_file(path: Path) -> Extent:
    """Raise :class:`Broken` when calamine must not read the compound file at ``path``; else the extent of
    the cells of its workbook stream (empty for a compound file without one, e.g. an encrypted .xlsx)."""
    data = Path(path).read_bytes()  # the file is already bounded by max_file_mb
    if len(data) < 512:
        raise Broken("shorter than its header")
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise Broken(f"sector size 2^{shift}")
    size = 1 << shift
    n_sectors = max(0, -(-(len(data) - size) // size))  # after the header, which fills the first sector
    (n_fat, first_dir, _, _, first_minifat, n_minifat,
     first_difat, n_difat) = struct.unpack_from("<II4sIIIII", data, 0x2C)

    def sector(i: int) -> bytes:
        if i >= n_sectors:
            raise Broken(f"sector {i} beyond the file's {n_sectors}")
        return data[size + i * size: size + (i + 1) * size].ljust(size, b"\0")

    fat_ids = _difat(data, sector, size, n_fat, first_difat, n_difat, n_sectors)
    fat = [e for i in fat_ids for e in struct.unpack(f"<{size // 4}I", sector(i))]

    def chain(start: int, table: list[int], limit: int, what: str) -> list[int]:
        out, seen = [], set()
        while start != _END:
            if start >= len(table) or start >= limit or start in seen:
                raise Broken(f"the chain of {what} loops or leaves the file at sector {start}")
            seen.add(start)
            out.append(start)
            start = table[start]
        return out

    directory_sectors = chain(first_dir, fat, n_sectors, "the directory")
    # a file cut inside a directory entry before the entry's stream size: calamine reads past the end and
    # panics (xlrd refuses it too); cut after it (only the unused high half of a version 3 size missing), both read
    whole = 124 if shift == 9 else 128
    for i in directory_sectors:
        held = len(data) - size - i * size  # the bytes of the sector the file holds
        if held < size and 0 < held % 128 < whole:
            raise Broken(f"the file ends inside a directory entry (sector {i})")
    directory = b"".join(sector(i) for i in directory_sectors)
    minifat = [e for i in (chain(first_minifat, fat, n_sectors, "the mini FAT") if n_minifat else [])
               for e in struct.unpack(f"<{size // 4}I", sector(i))]
    mini_sectors, mini_stream, book, encrypted = 0, b"", b"", False
    entries = range(0, len(directory) - 127, 128)
    # the streams the reader follows: the root's mini stream, the workbook, and every stream of a file with
    # macros (it reads the VBA project); a broken chain elsewhere (a summary stream) harms no one
    vba = any(directory[at + 66] == 1 and _name(directory, at) == "_VBA_PROJECT_CUR" for at in entries)
    for at in entries:
        kind = directory[at + 66]
        start, length = struct.unpack_from("<IQ", directory, at + 116)
        if kind not in (2, 5) or (kind == 2 and length == 0):
            continue
        if kind == 2 and _name(directory, at) == "EncryptedPackage":
            encrypted = True
        if kind == 2 and not vba and _name(directory, at) not in _BOOK:
            continue
        if shift == 9:  # version 3 files: the high half of the size is undefined
            length &= 0xFFFFFFFF
        if kind == 5 or length >= _MINI_CUTOFF:
            sectors = chain(start, fat, n_sectors, "a stream")
            content = b"".join(sector(i) for i in sectors)
            got = len(sectors) * size
            if kind == 5:
                mini_sectors, mini_stream = got // 64, content
        else:
            sectors = chain(start, minifat, mini_sectors, "a mini stream")
            content = b"".join(mini_stream[i * 64:(i + 1) * 64] for i in sectors)
            got = len(sectors) * 64
        if length > got:
            raise Broken(f"a stream declares {length} bytes, its chain holds {got}")
        if kind == 2 and not book and _name(directory, at) in _BOOK:
            book = content[:length]
    extent = cell_extent(book)
    return Extent(extent.rows, extent.columns, extent.cells, True) if encrypted else extent


def _name(directory: bytes, at: int) -> str:
    n = min(struct.unpack_from("<H", directory, at + 64)[0], 64)
    return directory[at:at + n].decode("utf-16-le", "replace").rstrip("\0")


def cell_extent(stream: bytes) -> Extent:
    """The extent of the cell records of a BIFF workbook stream (records up to an encryption record)."""
    rows = columns = cells = 0
    at = 0
    while at + 4 <= len(stream):
        kind, n = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4:at + 4 + n]
        at += 4 + n
        if kind == _FILEPASS:
            return Extent(rows, columns, cells, True)
        if kind in _CELLS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            rows, columns, cells = max(rows, row + 1), max(columns, col + 1), cells + 1
        elif kind in _MULTI and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0]
            rows, columns, cells = max(rows, row + 1), max(columns, first + 1, last + 1), cells + max(0, last - first + 1)
    return Extent(rows, columns, cells)


def _difat(data: bytes, sector, size: int, n_fat: int, first: int, n_difat: int, n_sectors: int) -> list[int]:
    """The FAT's sectors: the header's 109 entries, then the DIFAT chain (each sector once)."""
    if n_fat > n_sectors or n_difat > n_sectors:
        raise Broken(f"{n_fat} FAT sectors declared in a file of {n_sectors}")
    ids = [e for e in struct.unpack_from(f"<{_HEADER_DIFAT}I", data, 0x4C) if e not in (_FREE, _END)]
    seen = set()
    for _ in range(n_difat):
        if first in (_FREE, _END):
            break
        if first in seen:
            raise Broken("the DIFAT chain loops")
        seen.add(first)
        entries = struct.unpack(f"<{size // 4}I", sector(first))
        ids += [e for e in entries[:-1] if e not in (_FREE, _END)]
        first = entries[-1]
    ids = ids[:n_fat]
    if any(i >= n_sectors for i in ids):
        raise Broken("a FAT sector beyond the file")
    return ids
