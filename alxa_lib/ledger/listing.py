"""What ingest finds in a folder and what it reads (docs/workbooks.md §6–§7): every file gets an outcome;
workbooks are read, other formats refused with their own reason, lock, hidden and system files listed as
ignored."""
from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path
from typing import Iterable

from alxa_lib.errors import RejectedFile
from alxa_lib.files import shown_name
from alxa_lib.workbooks.opening import is_ole

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".xlt", ".ods"}  # templates read as workbooks
OTHER_OFFICE_SUFFIXES = {".et", ".ett", ".wps", ".fods", ".numbers", ".xlsb"}  # reported, not read (.et: check_format)
TEXT_TABLE_SUFFIXES = {".csv", ".tsv"}  # refused with their own reason (docs/workbooks.md §7)
MANIFEST = "_received.csv"  # a folder's received dates (received_date), not a department's file


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and folders recursively: every file but those :func:`ignored_kind` names, so that
    each gets an outcome (docs/workbooks.md §7)."""
    return [p for p, what in _listing(paths) if what is None]


def ignored_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """The files of the folders in ``paths`` that are not read, and why (:func:`ignored_kind`)."""
    return [(p, what) for p, what in _listing(paths) if what is not None]


def ignored_kind(path: Path) -> str | None:
    """Why a file found in a folder is not read: an office lock file (``~$…``, ``.~lock…#``), a hidden or
    system file (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``, any name starting with a dot), the folder's
    ``_received.csv``, or no spreadsheet or office file at all (a PDF, a photo); else None."""
    name = path.name
    if name.startswith(("~$", ".~lock")):
        return "lock_file"
    if name.startswith(".") or name.lower() in ("thumbs.db", "desktop.ini", "ehthumbs.db"):
        return "hidden_file"
    if name == MANIFEST:
        return "manifest"
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES | OTHER_OFFICE_SUFFIXES | TEXT_TABLE_SUFFIXES:
        return "not_a_spreadsheet"
    return None


def _listing(paths: Iterable[str | Path]) -> list[tuple[Path, str | None]]:
    out: list[tuple[Path, str | None]] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_dir():
                    continue
                hidden_dir = any(part.startswith(".") or part == "__MACOSX" for part in f.relative_to(p).parts[:-1])
                out.append((f, "hidden_file" if hidden_dir else ignored_kind(f)))
        else:
            out.append((p, None))
    return out


def check_format(path: Path) -> None:
    """Refuse, by its extension (and a WPS .et by its first bytes), a file that is not read as a workbook."""
    if path.suffix.lower() in (".et", ".ett") and is_ole(path):
        pass  # a WPS spreadsheet in the legacy Excel container: read as .xls
    elif path.suffix.lower() in (".et", ".ett"):
        raise RejectedFile("wps_format", f"WPS表格专有格式（{path.suffix}），无法读取，请在WPS中另存为.xlsx后报送 / "
                                         f"a WPS spreadsheet in its own format ({path.suffix}): save it as .xlsx in "
                                         f"WPS and resend ({path.name})")
    elif path.suffix.lower() in OTHER_OFFICE_SUFFIXES:
        raise RejectedFile("unsupported_format", f"不支持的文件格式（{path.suffix}），请另存为.xlsx后报送 / "
                                                 f"unsupported format {path.suffix}: save it as .xlsx and resend ({path.name})")
    if path.suffix.lower() in TEXT_TABLE_SUFFIXES:
        raise RejectedFile("text_table", f"CSV等纯文本表格不含单位和格式，无法可靠读取，请报送.xlsx / a text table "
                                         f"({path.suffix}) carries no units or cell types: send the .xlsx ({path.name})")
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES | {".et", ".ett"}:
        raise RejectedFile("not_spreadsheet", f"不是Excel文件（{path.suffix or '无扩展名'}），请报送.xlsx/.xls / "
                                              f"not a spreadsheet ({path.suffix or 'no extension'}): send .xlsx, .xlsm or .xls ({path.name})")


def received_date(path: Path, override: dt.date | None = None) -> dt.date:
    """``--received``, else the folder's ``_received.csv``, else the file's modification time."""
    if override:
        return override
    manifest = path.parent / "_received.csv"
    if manifest.exists():
        try:
            st = manifest.stat()
            listed = _manifest(manifest, st.st_mtime_ns, st.st_size)
            found = listed.get(path.name) or listed.get(shown_name(path.name))  # a GBK name, listed decoded
            if found is not None:
                return dt.date.fromisoformat(found)
        except (OSError, ValueError):
            pass
    return dt.date.fromtimestamp(path.stat().st_mtime)


@functools.lru_cache(maxsize=64)
def _manifest(manifest: Path, mtime_ns: int, size: int) -> dict[str, str]:
    """A folder's ``_received.csv``: file name → received date as written (read once per version of it)."""
    out: dict[str, str] = {}
    with open(manifest, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault((row.get("file") or "").strip(), (row.get("received") or "").strip()[:10])
    return out
