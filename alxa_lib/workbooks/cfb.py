"""Bounded check of an OLE compound file (a legacy .xls) before calamine reads it (docs/workbooks.md §7).

calamine follows the file's sector chains as they are written: a chain that loops (a cyclic FAT) made it
allocate until the machine killed the whole ingest, and a stream declaring more bytes than the file holds
makes it reserve them. Here every chain calamine follows is walked once, each sector at most once: the
directory, the mini FAT, the root's mini stream and every stream; a loop, a sector outside the file or a
stream larger than its chain is refused as ``corrupt`` before any parse.
"""
from __future__ import annotations

import struct
from pathlib import Path

_END, _FREE = 0xFFFFFFFE, 0xFFFFFFFF
_HEADER_DIFAT = 109
_MINI_CUTOFF = 4096


class Broken(ValueError):
    """The compound file's structure is broken (the reason, in English)."""


def check_compound_file(path: Path) -> None:
    """Raise :class:`Broken` when calamine must not read the compound file at ``path``."""
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

    used: dict[int, set[int]] = {}  # per table: the sectors of every chain so far (chains never share one)

    def chain(start: int, table: list[int], limit: int, what: str) -> list[int]:
        out, seen = [], used.setdefault(id(table), set())
        while start != _END:
            if start >= len(table) or start >= limit or start in seen:
                raise Broken(f"the chain of {what} loops, is shared or leaves the file at sector {start}")
            seen.add(start)
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(i) for i in chain(first_dir, fat, n_sectors, "the directory"))
    minifat = [e for i in (chain(first_minifat, fat, n_sectors, "the mini FAT") if n_minifat else [])
               for e in struct.unpack(f"<{size // 4}I", sector(i))]
    mini_sectors = 0
    for at in range(0, len(directory) - 127, 128):
        kind = directory[at + 66]
        start, length = struct.unpack_from("<IQ", directory, at + 116)
        if kind not in (2, 5) or (kind == 2 and length == 0):
            continue
        if shift == 9:  # version 3 files: the high half of the size is undefined
            length &= 0xFFFFFFFF
        if kind == 5 or length >= _MINI_CUTOFF:
            got = len(chain(start, fat, n_sectors, "a stream")) * size
            mini_sectors = got // 64 if kind == 5 else mini_sectors
        else:
            got = len(chain(start, minifat, mini_sectors, "a mini stream")) * 64
        if length > got:
            raise Broken(f"a stream declares {length} bytes, its chain holds {got}")


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
