"""Opening a workbook file: its sheets as rows of cell values, encryption, formulas without cached values."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

from alxa_lib.errors import RejectedFile


def load_rows(path: Path, merges: dict[str, list] | None = None) -> tuple[dict[str, list[list[Any]]], set[str]]:
    """Every sheet as rows of values, and the names of the hidden (and very hidden) sheets; ``merges``, when
    given, receives each sheet's merged ranges (((row, col), (last row, last col)), 0-based).

    Call only after :func:`alxa_lib.workbooks.guard.inspect` has bounded the file."""
    from python_calamine import CalamineWorkbook

    try:
        return _calamine_rows(_open(CalamineWorkbook, path), path, merges)
    except RejectedFile:
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine's panics (pyo3 PanicException) are BaseExceptions
        if not reader_failure(exc):
            raise
        text = str(exc).lower()
        if isinstance(exc, OSError) or "(os error" in text:  # the disk, not the file's content: never "corrupt"
            raise RejectedFile("not_found", f"文件无法从磁盘读取 / the file could not be read from disk: "
                                            f"{path.name} ({exc})") from exc
        if is_encrypted(path) or "password" in text or "encrypt" in text:
            raise password_protected(path) from exc
        if zipfile.is_zipfile(path):
            return second_reader(path, exc)
        if is_ole(path):
            from alxa_lib.workbooks.xls_reader import xls_second_reader
            return xls_second_reader(path, exc, merges)
        raise not_a_workbook(path, f": calamine: {exc}") from exc


def reader_failure(exc: BaseException) -> bool:
    """An exception a reader raised about the file: any ``Exception``, and calamine's Rust panics (a pyo3
    ``PanicException`` derives from ``BaseException``), but never an interrupt or an exit."""
    return not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def is_ole(path: Path) -> bool:
    """Does the file begin with the compound-file (OLE2) signature of a legacy .xls or a WPS .et?"""
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except OSError:
        return False


def _calamine_rows(wb, path: Path, merges: dict[str, list] | None = None
                   ) -> tuple[dict[str, list[list[Any]]], set[str]]:
    from python_calamine import SheetVisibleEnum, XmlError
    hidden = {m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    out = {}
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            out[name] = sheet.to_python(skip_empty_area=False)
            if merges is not None:
                merges[name] = sheet.merged_cell_ranges or []
        except XmlError as exc:  # a visible sheet that is damaged may be the report: never read it as empty
            if name not in hidden:
                raise _damaged_sheet(path, name, exc) from None
            out[name] = []
        except Exception:  # noqa: BLE001 - a chart sheet or similar: no cells to read
            out[name] = []
    return out, hidden


_CALAMINE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _open(reader, path: Path):
    """The workbook at ``path``, from its bytes where its name cannot say what it is: a name that is not
    UTF-8 (GBK bytes from a Chinese Windows zip) cannot reach calamine as text, and a template (.xltx) or a
    WPS .et is told by its content, not its extension (the file is bounded by ``max_file_mb`` already)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return reader.from_filelike(io.BytesIO(Path(path).read_bytes()))
    if Path(path).suffix.lower() not in _CALAMINE_SUFFIXES:
        return reader.from_filelike(io.BytesIO(Path(path).read_bytes()))
    return reader.from_path(str(path))


def second_reader(path: Path, first: Exception) -> tuple[dict[str, list[list[Any]]], set[str]]:
    """When calamine refuses a file that opens as a zip holding a workbook part, two more tries before
    ``corrupt``: calamine again on a copy whose workbook part says in the standard words what it says
    otherwise (:func:`_tolerant_copy`: a sheet ``state="show"``, a macro sheet calamine does not know), then
    openpyxl (read-only, streaming, values only). The guard has bounded the file already. Raise ``corrupt``
    naming each reader and what it said."""
    from python_calamine import CalamineWorkbook
    try:
        with zipfile.ZipFile(path) as z:
            if "content.xml" in z.namelist() and "xl/workbook.xml" not in z.namelist():
                return _ods_second_try(path, z, first)
            if "xl/workbook.xml" not in z.namelist():
                raise not_a_workbook(path, f": calamine: {first}")
            copy = _tolerant_copy(z)
    except zipfile.BadZipFile as exc:
        raise not_a_workbook(path, f": calamine: {first}; zip: {exc}") from exc
    said = [f"calamine: {first}"]
    if copy is not None:
        try:
            return _calamine_rows(CalamineWorkbook.from_filelike(io.BytesIO(copy)), path)
        except RejectedFile:
            raise
        except BaseException as exc:  # noqa: BLE001 - a panic too
            if not reader_failure(exc):
                raise
            said.append(f"calamine (workbook part in standard words): {exc}")
    try:
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(copy) if copy is not None else path, read_only=True, data_only=True,
                                    keep_links=False)
        try:
            out = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
            hidden = {ws.title for ws in wb.worksheets if ws.sheet_state != "visible"}
        finally:
            wb.close()
        return out, hidden
    except Exception as exc:  # noqa: BLE001 - the last reader failed too: say what each said
        said.append(f"openpyxl: {type(exc).__name__}: {exc}")
        raise not_a_workbook(path, ": " + "; ".join(said)) from exc


_BETWEEN_TAGS = re.compile(rb">[ \t\r\n]+<")


def _ods_second_try(path: Path, z: zipfile.ZipFile, first: Exception) -> tuple[dict[str, list[list[Any]]], set[str]]:
    """An OpenDocument spreadsheet calamine refused: once more on a copy whose content.xml has no white space
    between tags (KSpread and other writers indent their table rows; calamine expects a cell where it finds
    that text). The guard has bounded the file (content.xml included) already."""
    from python_calamine import CalamineWorkbook
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "content.xml":
                data = _BETWEEN_TAGS.sub(b"><", data)
            out.writestr(info, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype"
                         else zipfile.ZIP_DEFLATED)
    try:
        return _calamine_rows(CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())), path)
    except RejectedFile:
        raise
    except BaseException as exc:  # noqa: BLE001 - a panic too
        if not reader_failure(exc):
            raise
        raise not_a_workbook(path, f": calamine: {first}; calamine (content.xml without indentation): {exc}") from exc


_STATE = re.compile(rb'(<sheet\b[^>]*?\bstate=")([^"]*)(")')
_SHOWN = {b"visible", b"show", b"shown", b"Visible"}
_KNOWN = {b"visible", b"hidden", b"veryHidden"}
_SHEET_RELS = (b"/worksheet", b"/chartsheet", b"/dialogsheet")


def _tolerant_copy(z: zipfile.ZipFile) -> bytes | None:
    """The workbook, in memory, with its workbook part in the words calamine and openpyxl know: a sheet
    state that means shown (``show``) is ``visible``, any other unknown state ``hidden`` (a sheet is never
    made visible by a guess), and a sheet whose relationship is no worksheet, chart or dialog sheet (an
    Excel 4 macro sheet) is left out of the list. None when nothing needed changing."""
    book = z.read("xl/workbook.xml")
    try:
        rels = z.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    fixed = _STATE.sub(lambda m: m[1] + (m[2] if m[2] in _KNOWN else b"visible" if m[2] in _SHOWN else b"hidden")
                       + m[3], book)
    odd = set()
    for tag in re.findall(rb"<Relationship\b[^>]*>", rels):
        rid, typ = re.search(rb'\bId="([^"]*)"', tag), re.search(rb'\bType="([^"]*)"', tag)
        if rid and typ and b"sheet" in typ[1].lower() and not typ[1].endswith(_SHEET_RELS):
            odd.add(rid[1])
    if odd:
        fixed = re.sub(rb'<sheet\b[^>]*?\bid="([^"]+)"[^>]*/>',
                       lambda m: b"" if m[1] in odd else m[0], fixed)
    if fixed == book:
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in z.infolist():
            copy.writestr(info.filename, fixed if info.filename == "xl/workbook.xml" else z.read(info))
    return out.getvalue()


def password_protected(path: Path) -> RejectedFile:
    return RejectedFile("password", f"文件有密码保护，无法读取，请去除密码后重新报送 / "
                                    f"password-protected workbook: remove the password and resend ({path.name})")


def not_a_workbook(path: Path, detail: str = "", why: str = "") -> RejectedFile:
    """``corrupt``: ``detail`` follows the file's name (": <the reader's error>", on one line), ``why`` the word
    spreadsheet."""
    detail = " ".join(detail.split())
    return RejectedFile("corrupt", f"文件不是有效的Excel工作簿或已损坏，请重新导出后报送 / not a valid or a corrupt "
                                   f"spreadsheet{why}: re-save it as .xlsx and resend ({path.name}{detail})")


def _damaged_sheet(path: Path, sheet: str, exc: Exception) -> RejectedFile:
    shown = " ".join(sheet.split())  # one line, whatever the name holds
    return RejectedFile("corrupt", f"工作表“{shown}”已损坏，无法读取，请在Excel中另存后重新报送 / sheet '{shown}' is "
                                   f"damaged and cannot be read ({exc}): re-save the workbook and resend ({path.name})")


def is_encrypted(path: Path) -> bool:
    """An encrypted OOXML file is an OLE container holding an 'EncryptedPackage' stream."""
    try:
        head = path.read_bytes()[:1 << 16]
    except OSError:
        return False
    return head.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in head


_FORMULA = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>', re.S)


_CACHED = re.compile(rb"<v>[^<]*\S[^<]*</v>|<is>")


def unusable_cells(path: Path, error_cells: dict[str, dict[str, str]],
                   formula_parts: set[str] | None = None,
                   uncached_formulas: dict[str, set[str]] | None = None) -> dict[str, dict[str, str]]:
    """Per sheet name, cells present but unusable → the text to show: Excel error cells (``#DIV/0!``,
    ``#REF!``; ``error_cells`` by worksheet part, from the bounded pre-read) and formulas without a
    cached value (docs/workbooks.md §6). ``formula_parts``: the worksheet parts that hold a formula at all,
    when the bounded pre-read has found them (then only those are read again); ``uncached_formulas``: what
    the pre-read already found in them (then none is read again)."""
    out: dict[str, dict[str, str]] = {}
    for sheet, refs in formula_cells_without_value(path, formula_parts, uncached_formulas).items():
        out.setdefault(sheet, {}).update({ref: "公式（无计算结果）" for ref in refs})
    if error_cells:
        try:
            with zipfile.ZipFile(path) as z:
                names = _sheet_names_by_part(z)
        except (zipfile.BadZipFile, OSError):
            names = {}
        for part, cells in error_cells.items():
            out.setdefault(names.get(part, part), {}).update({ref: f"错误值{text}" for ref, text in cells.items()})
    return out


def formula_cells_without_value(path: Path, parts: set[str] | None = None,
                                known: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Cells holding a formula but no cached value, per sheet (formulas are never evaluated); ``parts``:
    only these worksheet parts can hold one; ``known``: the cells already found per part (by the bounded
    pre-read, which inflated the part anyway), so that part is not read again."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm") or parts == set():
        return {}
    out: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")
                     and (parts is None or n in parts)]
            if not names:
                return {}
            sheet_names = _sheet_names_by_part(z)
            for n in names:
                found = known[n] if known is not None and n in known else formula_cells_in(z.read(n))
                if found:
                    out.setdefault(sheet_names.get(n, n), set()).update(found)
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def formula_cells_in(data: bytes, start: int = 0, end: int | None = None, tags=None) -> set[str]:
    """The cells of one worksheet's XML holding a formula but no cached value; ``start``, ``end``: only in
    ``data[start:end]`` (without copying it), which must begin and end between two cells. ``tags``: where
    the formula tags of ``data`` are, when a scan has found them already (else they are searched for)."""
    end = len(data) if end is None else end
    if tags is None and data.find(b"<f", start, end) == -1:
        return set()
    found = set()
    for ref, at, stop in _formula_cells(data, start, end, tags):
        if not _CACHED.search(data, at, stop):
            found.add(ref.decode())
    return found


_FORMULA_TAG = re.compile(rb"<f[ >/]")


def _formula_cells(data: bytes, start: int, stop: int, tags=None) -> Iterator[tuple[bytes, int, int]]:
    """Each cell of ``data[start:stop]`` holding a formula: (its reference, where its content starts, where it
    ends). Only the bytes around each formula tag are read: the cell is the last ``<c r="…"`` before the tag
    and after the previous ``</c>`` (a cell cannot cross a ``</c>``), so a large sheet with few formulas is
    not scanned cell by cell, and no pattern runs over the cell unless it is written unusually (then
    ``_FORMULA`` decides)."""
    done = start
    for pos in _tag_positions(data, start, stop, tags):
        if pos < done:
            continue
        close = data.rfind(b"</c>", done, pos)
        end = data.find(b"</c>", pos, stop)
        if end == -1:
            return
        begin = close + 4 if close != -1 else done
        cell = data.rfind(b'<c r="', begin, pos)
        quote = data.find(b'"', cell + 6, pos) if cell != -1 else -1
        gt = data.find(b">", quote, pos) if quote != -1 else -1
        if gt != -1 and data[gt - 1] != 47 and _REF.fullmatch(data, cell + 6, quote):  # <c r="A1" …> not />
            yield data[cell + 6:quote], gt + 1, end
            done = end + 4
        else:
            m = _FORMULA.search(data, begin, end + 4)
            if m:
                yield m.group(1), m.start(), m.end()
                done = m.end()


def _tag_positions(data: bytes, start: int, stop: int, tags) -> Iterator[int]:
    """Where the formula tags of ``data[start:stop]`` begin: from ``tags`` (positions a scan found, in order)
    when given, else searched for."""
    if tags is not None:
        yield from (int(t) for t in tags if start <= t < stop)
        return
    tag = _FORMULA_TAG.search(data, start, stop)
    while tag:
        yield tag.start()
        tag = _FORMULA_TAG.search(data, tag.start() + 2, stop)


_REF = re.compile(rb"[A-Z]+\d+")


def _sheet_names_by_part(z: zipfile.ZipFile) -> dict[str, str]:
    try:
        wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    target = {m[0]: m[1] for m in re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
    target.update({m[1]: m[0] for m in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
        t = target.get(rid, "")
        out["xl/" + t.lstrip("/").removeprefix("xl/")] = name
    return out


# ------------------------------------------------------------------ departments and periods
