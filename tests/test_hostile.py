"""Hostile and messy files, as real offices send them (issue "Hardening"): each is decided in one line,
with its reason code, without a traceback, within 5 s and 300 MB, and leaves the ledger as it was.

The fixtures are made here (zip bombs, DTDs, devices, hidden sheets…); nothing binary is checked in.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from helpers import OFFICIAL_SUB, OFFICIAL_TOP, report_row, write_report

PEAK_MB, SECONDS = 300, 5.0
ROOT = Path(__file__).resolve().parents[1]
# Runs the CLI and records its own peak RSS (VmHWM from /proc: getrusage's ru_maxrss would count the
# forking test process, as Linux keeps it across exec) and the CPU seconds of the run after the imports (CPU time,
# not wall time: the test machine is shared, and the bound is about the work a file can cause).
WRAP = ("import json, os, resource, sys\n"
        "import alxa_lib.cli, alxa_lib.ledger.ingest, duckdb, pandas, python_calamine\n"
        "def cpu():\n    r = resource.getrusage(resource.RUSAGE_SELF)\n    return r.ru_utime + r.ru_stime\n"
        "t = cpu()\n"
        "try:\n    code = alxa_lib.cli.main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
        "hwm = [int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM:')][0]\n"
        "open(os.environ['ALXA_PEAK'], 'w').write(json.dumps([hwm / 1024, cpu() - t]))\n"
        "sys.exit(code)\n")


def run_cli(args, tmp_path) -> tuple[int, str, str, float, float]:
    peak = tmp_path / f"peak-{os.getpid()}-{len(list(tmp_path.iterdir()))}.json"
    proc = subprocess.run([sys.executable, "-c", WRAP, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "ALXA_PEAK": str(peak)}, timeout=120)
    mb, seconds = json.loads(peak.read_text())
    return proc.returncode, proc.stdout, proc.stderr, mb, seconds


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture
def small_ledger(tmp_path):
    """A ledger holding one good report, to show that a hostile file leaves it unchanged."""
    good = write_report(tmp_path / "good" / "2025-06-28" / "住建局.xlsx", [report_row()])
    db = tmp_path / "l.duckdb"
    from alxa_lib.ledger.ingest import ingest
    assert ingest([good], db, progress=False)[0].status == "ingested"
    return db


def _rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add=None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = (replace or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        if add:
            add(zout)
    return dst


def _zip_bomb(z):  # 150 MB of one byte compresses to ~150 KB: refused from the directory, never inflated
    with z.open("xl/media/padding.xml", "w", force_zip64=True) as fh:
        block = b" " * (1 << 20)
        for _ in range(150):
            fh.write(block)


LOL = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
       '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" count="1" uniqueCount="1"><si><t>&lol3;</t></si></sst>').encode()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """name → (file, the reason code it must be refused with)."""
    d = tmp_path_factory.mktemp("hostile")
    base = write_report(d / "base.xlsx", [report_row()])
    with zipfile.ZipFile(base) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    out = {"zip_bomb": (_rezip(base, d / "bomb.xlsx", add=_zip_bomb), "zip_bomb")}
    # 300,000 rows that compress well: refused while streaming, as soon as max_rows + slack rows are seen
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 300_001))
    out["row_bomb"] = (_rezip(base, d / "rows.xlsx", replace={"xl/worksheets/sheet1.xml": sheet.replace(
        b"<sheetData>", b"<sheetData>" + rows)}), "oversized")
    # one cell far away makes a dense reader allocate rows × columns: refused from the cell reference
    far = sheet.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
    out["far_row"] = (_rezip(base, d / "far_row.xlsx", replace={"xl/worksheets/sheet1.xml": far}), "oversized")
    wide = sheet.replace(b"</row>", b'<c r="XFD7"><v>1</v></c></row>', 7)
    out["far_column"] = (_rezip(base, d / "far_col.xlsx", replace={"xl/worksheets/sheet1.xml": wide}), "too_wide")
    out["dtd"] = (_rezip(base, d / "dtd.xlsx", add=lambda z: z.writestr("xl/sharedStrings.xml", LOL)), "xml_dtd")
    link = d / "zero.xlsx"
    link.symlink_to("/dev/zero")
    out["device"] = (link, "not_regular_file")
    fifo = d / "pipe.xlsx"
    os.mkfifo(fifo)
    out["fifo"] = (fifo, "not_regular_file")
    fake = d / "renamed.xlsx"
    fake.write_bytes(b"%PDF-1.7 not a workbook" * 10)
    out["renamed"] = (fake, "corrupt")
    return out


def test_each_hostile_file_is_decided_alone_in_seconds(hostile):
    """In process: each file is refused with its own reason code, one bilingual line, within 5 s."""
    import time

    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    for name, (path, reason) in hostile.items():
        t = time.process_time()
        with pytest.raises(RejectedFile) as exc:
            read_workbook(path)
        assert time.process_time() - t <= SECONDS, name
        assert exc.value.reason == reason, (name, str(exc.value))
        assert "\n" not in str(exc.value) and " / " in str(exc.value)


def test_hostile_files_through_the_cli_bounded_and_ledger_unchanged(hostile, small_ledger, tmp_path):
    """One `alxa ingest --json` child with every hostile file: exit 2, each rejected with its reason in one
    line, no traceback, peak memory ≤ 300 MB, CPU ≤ 5 s a file, the ledger byte for byte as before."""
    before = digest(small_ledger)
    files = [p for p, _ in hostile.values()]
    code, out, err, mb, seconds = run_cli(["ingest", *files, "--db", small_ledger, "--json"], tmp_path)
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    got = {Path(o["file"]).name: o for o in json.loads(out)}
    for path, reason in hostile.values():
        o = got[path.name]
        assert (o["status"], o["reason"]) == ("rejected", reason), o
        assert "\n" not in o["error"] and " / " in o["error"]
    assert digest(small_ledger) == before
    assert mb <= PEAK_MB, f"peak {mb:.0f} MB"
    assert seconds <= SECONDS * len(files), f"{seconds:.1f} s"


def cli_in_process(argv, capsys) -> tuple[int, str, str]:
    from alxa_lib import cli
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_other_office_formats_in_a_folder_are_rejected_not_skipped(tmp_path, small_ledger, capsys):
    inbox = tmp_path / "inbox" / "2025-06-28"
    write_report(inbox / "住建局.xlsx", [report_row()])
    (inbox / "交通运输局.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (inbox / "水务局.ods").write_bytes(b"PK\x03\x04")
    code, out, err = cli_in_process(["ingest", tmp_path / "inbox", "--db", small_ledger, "--json"], capsys)
    got = {Path(o["file"]).name: (o["status"], o["reason"]) for o in json.loads(out)}
    assert code == 2
    assert got["住建局.xlsx"][0] != "rejected"
    assert {k: v for k, v in got.items() if k != "住建局.xlsx"} == {  # a broken OLE .et is read as a broken .xls
        "交通运输局.et": ("rejected", "corrupt"), "水务局.ods": ("rejected", "corrupt")}


def test_db_option_from_a_glob_creates_no_ledger(tmp_path, capsys):
    """`alxa ingest *` in a folder holding a file named --db=x.xlsx: refused, no ledger appears."""
    good = write_report(tmp_path / "住建局.xlsx", [report_row()])
    code, out, err = cli_in_process(["ingest", good, f"--db={tmp_path / 'x.xlsx'}"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--db" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "archive").exists()


def test_not_a_ledger_is_refused_and_left_alone(tmp_path, capsys):
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my notes, not a ledger\n", encoding="utf-8")
    before = digest(notes)
    for argv in (["ingest", good], ["metrics", "--as-of", "2025-06-28"], ["check"]):
        code, out, err = cli_in_process([*argv, "--db", notes], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "not a ledger" in err, err
    assert digest(notes) == before
    for argv in (["metrics", "--as-of", "2025-06-28"], ["check"], ["validate", "--period", "2025-06-28"]):
        code, _, err = cli_in_process([*argv, "--db", tmp_path / "none.duckdb"], capsys)
        assert code == 2 and "ingest" in err
    assert not (tmp_path / "none.duckdb").exists()


def test_read_only_ledger_folder_names_the_cause(tmp_path, small_ledger):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    folder.chmod(0o555)
    try:
        code, out, err, _, _ = run_cli(["ingest", good, "--db", folder / "l.duckdb"], tmp_path)
    finally:
        folder.chmod(0o755)
    assert code == 2 and "rollback" not in (out + err) and "Traceback" not in err


def test_unwritable_ledger_place_names_the_cause(tmp_path, capsys):
    """A --db whose folder cannot be made (a file stands in the way): one line with the cause, no rollback noise."""
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    code, out, err = cli_in_process(["ingest", good, "--db", tmp_path / "blocker" / "l.duckdb"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "blocker" in err and "rollback" not in err


# Reads one workbook in a child whose address space is held to 1.5 GB, and prints the reason it was refused
# (or "accepted"): a reader that allocates a dense range for a far cell fails there, not on the test machine.
CHILD_READ = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))\n"
              "from alxa_lib.errors import RejectedFile\n"
              "from alxa_lib.workbooks.reader import read_workbook\n"
              "try:\n    read_workbook(sys.argv[1])\n    print('accepted')\n"
              "except RejectedFile as exc:\n    print(exc.reason)\n")


def test_a_cell_placed_beyond_the_limits_by_its_own_reference_is_refused(tmp_path):
    """calamine places a cell by its own reference, not by its row's number: one cell CV1048576 in row 1 would
    make it allocate 1,048,576 rows × 100 columns (3.3 GB; it aborts the whole process), and AAAA7 18,279
    columns; cells without a reference are placed one after another, so a row of 50,000 of them makes every
    row 50,000 columns wide (2.4 GB here). Each is refused, in the first and in the last chunk of a sheet large
    enough to be scanned as a byte array, while the same sheet without them is read."""
    rows = [report_row(pid=f"2025-ZD-{i:04d}", name=f"测试项目{i}") for i in range(1, 1501)]
    base = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", rows)
    with zipfile.ZipFile(base) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert len(sheet) > 1 << 20  # more than one chunk of the bounded pre-read

    def read(path: Path) -> str:
        done = subprocess.run([sys.executable, "-c", CHILD_READ, str(path)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    assert read(base) == "accepted"
    first, last = sheet.index(b"</row>"), sheet.rindex(b"</row>")
    for cell, reason in ((b'<c r="CV1048576"><v>1</v></c>', "oversized"), (b'<c r="AAAA7"><v>1</v></c>', "too_wide"),
                         (b"<c><v>1</v></c>" * 50_000, "too_wide")):
        for at in (first, last):
            bad = _rezip(base, tmp_path / "2025-06-28" / f"far{at}.xlsx",
                         replace={"xl/worksheets/sheet1.xml": sheet[:at] + cell + sheet[at:]})
            assert read(bad) == reason, (cell[:40], at)


def test_control_characters_in_department_text_reach_workbook_outputs_as_text(tmp_path):
    """calamine reads a cell's control characters (raw, ``&#x7;`` or Excel's ``_x0001_``), which openpyxl refuses
    (IllegalCharacterError stopped the brief's xlsx): they are left out, the text around them kept, and a
    leading = + - @ stays text."""
    import openpyxl
    import pandas as pd

    from alxa_lib.workbooks.xlsx_write import write_tables
    text = ["资金\x00缺口\x01\x0b\x0c\x1f较大\ufffe", "=1+1\t进度\r\n\u202e反转\u200b", "@SUM(A1:A9)", "-2+3", "+cmd"]
    out = write_tables(tmp_path / "t.xlsx", "测试", [("问题", pd.DataFrame({"存在问题": text}))])
    got = [c.value for (c,) in openpyxl.load_workbook(out).active.iter_rows(min_row=3)]
    assert got == ["资金缺口较大", "=1+1\t进度\r\n\u202e反转\u200b", "@SUM(A1:A9)", "-2+3", "+cmd"]
    with zipfile.ZipFile(out) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("text", [b"&#xD800;", b"&#0;", b"\xff"])
def test_a_damaged_worksheet_is_corrupt_naming_the_sheet_not_an_empty_workbook(tmp_path, text):
    """A lone-surrogate or NUL character reference, or a byte that is not UTF-8, in the report sheet: calamine
    cannot read the sheet, which was then taken as empty ("the workbook is empty")."""
    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    base = write_report(tmp_path / "base.xlsx", [report_row(problems="PLACEHOLDER")])
    with zipfile.ZipFile(base) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"PLACEHOLDER" in sheet
    bad = _rezip(base, tmp_path / "住建局.xlsx", replace={"xl/worksheets/sheet1.xml": sheet.replace(b"PLACEHOLDER", text)})
    with pytest.raises(RejectedFile) as exc:
        read_workbook(bad)
    assert exc.value.reason == "corrupt" and "重点建设项目表" in str(exc.value) and "住建局.xlsx" in str(exc.value)
    assert "\n" not in str(exc.value) and " / " in str(exc.value)


def _xls(path: Path, rows: int = 3000, extra: tuple[int, int] | None = None) -> Path:
    """A legacy .xls of ``rows`` × 8 cells, plus one number at (row, column) ``extra`` (0-based)."""
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("重点建设项目表")
    for r in range(rows):
        for c in range(8):
            ws.write(r, c, f"文本{r}-{c}" if c % 2 else r * c)
    if extra:
        ws.write(*extra, 1)
    wb.save(str(path))
    return path


def test_a_legacy_xls_whose_sector_chain_loops_is_corrupt_before_calamine(tmp_path):
    """A cyclic FAT (the directory's chain points back to itself) made calamine allocate until the machine
    killed the whole ingest; the compound file's chains are now walked first, each sector once. The same
    file with its chains intact passes."""
    import struct
    import time

    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.guard import inspect
    good = _xls(tmp_path / "good.xls")
    assert inspect(good).container == "ole"
    data = bytearray(good.read_bytes())
    first_dir, fat0 = struct.unpack_from("<I", data, 0x30)[0], struct.unpack_from("<I", data, 0x4C)[0]
    struct.pack_into("<I", data, 512 + fat0 * 512 + first_dir * 4, first_dir)
    loop = tmp_path / "林业和草原局.xls"
    loop.write_bytes(bytes(data))
    t = time.process_time()
    with pytest.raises(RejectedFile) as exc:
        inspect(loop)
    assert time.process_time() - t <= SECONDS
    assert exc.value.reason == "corrupt" and "林业和草原局.xls" in str(exc.value) and "loops" in str(exc.value)


def test_shared_strings_declaring_a_billion_strings_are_refused_before_calamine(tmp_path):
    """calamine reserves ``uniqueCount`` strings at once: 10^9 in a 200-byte part took 24 GB."""
    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.guard import inspect
    base = write_report(tmp_path / "base.xlsx", [report_row()])
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           b'2006/main" count="1" uniqueCount="1000000000"><si><t>x</t></si></sst>')
    bad = _rezip(base, tmp_path / "水务局.xlsx", add=lambda z: z.writestr("xl/sharedStrings.xml", sst))
    with pytest.raises(RejectedFile) as exc:
        inspect(bad)
    assert exc.value.reason == "oversized" and "1000000000" in str(exc.value)
    inspect(_rezip(base, tmp_path / "ok.xlsx", add=lambda z: z.writestr(
        "xl/sharedStrings.xml", sst.replace(b"1000000000", b"1"))))


@pytest.mark.parametrize("row, col, reason", [(65535, 0, "oversized"), (0, 255, "too_wide"), (21000, 0, "oversized"),
                                              (0, 100, "too_wide"), (20999, 99, None)])
def test_a_legacy_xls_cell_placed_far_away_is_refused_before_calamine(tmp_path, row, col, reason):
    """calamine builds an .xls sheet as a dense grid reaching its farthest cell: one number at row 65,536,
    column 256 of a few-KB file cost 1.2 GB. The cell records of the workbook stream are bounded first, as an
    .xlsx sheet's references are; a cell at the last row and column the limits allow (row 21,000, column 100)
    passes, one step beyond either is refused."""
    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.cfb import check_compound_file
    from alxa_lib.workbooks.guard import inspect
    path = _xls(tmp_path / "交通运输局.xls", extra=(row, col))
    extent = check_compound_file(path)
    assert (extent.rows, extent.columns) == (max(row, 2999) + 1, max(col, 7) + 1)
    if reason is None:
        assert inspect(path).container == "ole"
        return
    with pytest.raises(RejectedFile) as exc:
        inspect(path)
    assert exc.value.reason == reason and "交通运输局.xls" in str(exc.value)


def test_a_legacy_xls_bomb_through_the_cli_stays_bounded(tmp_path, small_ledger):
    import xlwt
    wb = xlwt.Workbook()
    for k in range(4):  # four sheets each reaching the last cell: about 5 GB for a dense reader
        wb.add_sheet(f"S{k}").write(65535, 255, 1)
    bomb = tmp_path / "2025-06-28" / "能源局.xls"
    bomb.parent.mkdir()
    wb.save(str(bomb))
    before = digest(small_ledger)
    code, out, err, mb, seconds = run_cli(["ingest", str(bomb), "--db", str(small_ledger), "--json"], tmp_path)
    got = json.loads(out)
    assert code != 0 and got[0]["status"] == "rejected" and got[0]["reason"] == "oversized", (out, err)
    assert mb <= PEAK_MB and seconds <= SECONDS and "Traceback" not in err
    assert digest(small_ledger) == before


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _bordered(sheet: bytes, upto: int, self_closing: bool = False) -> bytes:
    """Every row of ``sheet`` with formatted empty cells from column S to column ``upto``, as a border drawn
    over whole columns leaves them (Excel writes ``<c r="IV5" s="1"/>``, openpyxl ``<c …></c>``)."""
    import re
    end = b"/>" if self_closing else b"></c>"

    def fill(m: re.Match) -> bytes:
        r = m[1].decode()
        cells = b"".join(b'<c r="%s%s" s="1"%s' % (_letters(c).encode(), r.encode(), end) for c in range(19, upto + 1))
        return m[0][:-6] + cells + b"</row>"
    return re.sub(rb'<row r="(\d+)"(?:(?!</row>).)*</row>', fill, sheet, flags=re.S)


@pytest.mark.parametrize("case", ["borders_to_IV", "borders_to_IV_self_closing", "one_bordered_cell_at_A30000",
                                  "500_columns_of_formatting", "dimension_and_merged_empty_range",
                                  "whole_sheet_formatted_to_XFD1048576"])
def test_formatting_alone_never_refuses_a_report(tmp_path, case):
    """Bounds count content, not formatting: the report with borders drawn to column IV (was `too_wide`), with
    one bordered empty cell at A30000 (was `oversized`), with 470 formatted columns beyond its own, declaring
    a `dimension` of A1:XFD1048576 and a merged empty range there, or with its last row formatted in every
    column (a whole sheet formatted at once), is read, every row of it."""
    from alxa_lib.workbooks.reader import read_workbook
    rows = [report_row(pid=f"2025-ZD-{i:03d}", name=f"测试项目{i}") for i in range(1, 4)]
    base = write_report(tmp_path / "base.xlsx", rows)
    with zipfile.ZipFile(base) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    if case.startswith("borders_to_IV"):
        sheet = _bordered(sheet, 256, self_closing=case.endswith("self_closing"))
    elif case == "one_bordered_cell_at_A30000":
        sheet = sheet.replace(b"</sheetData>", b'<row r="30000" s="1" customFormat="1"><c r="A30000" s="1"></c>'
                                               b'</row></sheetData>')
    elif case == "500_columns_of_formatting":
        sheet = _bordered(sheet, 500)
    elif case == "whole_sheet_formatted_to_XFD1048576":  # as calamine's issue 174 file: the last row, every column
        last = b"".join(b'<c r="%s1048576" s="1"/>' % _letters(c).encode() for c in range(1, 16385))
        sheet = sheet.replace(b"</sheetData>", b'<row r="1048576" spans="1:16384">' + last + b"</row></sheetData>")
    else:
        sheet = sheet.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" old="').replace(
            b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="CV30000:XFD1048576"/></mergeCells>')
    (tmp_path / "2025-06-28").mkdir()
    path = _rezip(base, tmp_path / "2025-06-28" / "住建局.xlsx", replace={"xl/worksheets/sheet1.xml": sheet})
    res = read_workbook(path)
    assert (res.kind, res.department, res.n_rows()) == ("report", "住建局", 3)


def test_a_large_report_bordered_to_IV_is_read_and_a_valued_cell_there_still_refused(tmp_path):
    """The same on a sheet of several chunks (the byte-array scan): 800 rows bordered to IV are read; one
    value at IV in the middle, or a value placed after an empty cell at XFD (a cell without a reference is
    placed after the one before it), is still refused `too_wide`, and a value at A30000 `oversized`."""
    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    rows = [report_row(pid=f"2025-ZD-{i:04d}", name=f"测试项目{i}") for i in range(1, 801)]
    base = write_report(tmp_path / "base.xlsx", rows)
    with zipfile.ZipFile(base) as z:
        sheet = _bordered(z.read("xl/worksheets/sheet1.xml"), 256)
    assert len(sheet) > 4 << 20
    (tmp_path / "2025-06-28").mkdir()
    good = _rezip(base, tmp_path / "2025-06-28" / "住建局.xlsx", replace={"xl/worksheets/sheet1.xml": sheet})
    assert read_workbook(good).n_rows() == 800
    mid = sheet.index(b'<c r="IV400" s="1"></c>')
    for cell, reason in ((b'<c r="IV400"><v>1</v></c>', "too_wide"),
                         (b'<c r="XFD400" s="1"></c><c><v>1</v></c>', "too_wide"),
                         (b'<c r="A30000"><v>1</v></c>', "oversized")):
        bad = _rezip(base, tmp_path / "2025-06-28" / "bad.xlsx",
                     replace={"xl/worksheets/sheet1.xml": sheet[:mid] + cell + sheet[mid:]})
        with pytest.raises(RejectedFile) as exc:
            read_workbook(bad)
        assert exc.value.reason == reason, cell


@pytest.mark.parametrize("case", ["1024_empty_sheets", "one_57_MB_sheet"])
def test_a_large_honest_workbook_is_oversized_not_a_possible_zip_bomb(tmp_path, case):
    """Only the compression ratio makes a file a possible zip bomb: 1,024 empty sheets, or one sheet of 57 MB
    stored as it is, are `oversized` and say what they are (was `zip_bomb`, "possible zip bomb")."""
    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    base = write_report(tmp_path / "base.xlsx", [report_row()])
    if case == "1024_empty_sheets":
        def add(z):
            for k in range(2, 1026):
                z.writestr(f"xl/worksheets/sheet{k}.xml", b'<worksheet><sheetData/></worksheet>')
        word = "parts"
    else:
        def add(z):
            text = os.urandom(28_500_000).hex().encode()  # 57 MB that compress about 2:1
            z.writestr("xl/worksheets/sheet9.xml", text, compresslevel=1)
        word = "MB"
    path = _rezip(base, tmp_path / "住建局.xlsx", add=add)
    with pytest.raises(RejectedFile) as exc:
        read_workbook(path)
    assert exc.value.reason == "oversized", str(exc.value)
    assert "bomb" not in str(exc.value) and "炸弹" not in str(exc.value) and word in str(exc.value)
    assert "住建局.xlsx" in str(exc.value) and "\n" not in str(exc.value) and " / " in str(exc.value)


def test_a_file_named_in_gbk_bytes_is_read_from_its_bytes(tmp_path, capsys):
    """A Chinese Windows zip unpacked here gives names in GBK bytes: the report 住建局.xlsx so named, without a
    填报单位 line, was `corrupt` ("No such file or directory (os error 2)"). It is read, its department taken from
    the name decoded as GB18030, and the outcome shows the name decoded and its bytes escaped. A name that no
    encoding decodes takes the department from the file's content."""
    import shutil
    inbox = tmp_path / "收件箱" / "2025-06-28"
    inbox.mkdir(parents=True)
    nameless = write_report(tmp_path / "a.xlsx", [report_row()], meta="主要领导签字：是  填报日期：2025年6月27日")
    shutil.copy(nameless, inbox / os.fsdecode("住建局.xlsx".encode("gbk")))
    signed = write_report(tmp_path / "b.xlsx", [report_row()], meta="填报单位：水务局  主要领导签字：是")
    shutil.copy(signed, inbox / os.fsdecode(b"\xff\xfe\x80.xlsx"))
    code, out, err = cli_in_process(["ingest", tmp_path / "收件箱", "--db", tmp_path / "l.duckdb", "--json"], capsys)
    assert code == 0, (out, err)
    got = {o["department"]: o for o in json.loads(out)}
    assert got["住建局"]["status"] == "ingested" and got["住建局"]["file"].endswith("收件箱/2025-06-28/住建局.xlsx")
    assert got["住建局"]["file_bytes"] == r"\xd7\xa1\xbd\xa8\xbe\xd6.xlsx"
    assert got["水务局"]["status"] == "ingested" and got["水务局"]["file_bytes"] == r"\xff\xfe\x80.xlsx"
    assert "os error" not in out + err


def test_every_file_of_a_folder_gets_an_outcome(tmp_path, capsys):
    """Nothing skipped in silence: a template (.xltx, .xltm) is read like a workbook (it was passed over, and
    the department showed as missing); a CSV is refused with its own reason; lock files, hidden and system
    files, the folder's _received.csv and a PDF are listed as `ignored`, with what they are."""
    inbox = tmp_path / "inbox" / "2025-06-28"
    base = write_report(tmp_path / "base.xlsx", [report_row()])
    inbox.mkdir(parents=True)
    ctype = b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
    with zipfile.ZipFile(base) as z:
        types = z.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    assert main in types
    _rezip(base, inbox / "住建局.xltx", replace={"[Content_Types].xml": types.replace(main, ctype)})
    write_report(inbox / "水务局.xlsx", [report_row()], meta="填报单位：水务局")
    _rezip(inbox / "水务局.xlsx", inbox / "水务局.xltm")
    (inbox / "水务局.xlsx").unlink()
    (inbox / "能源局.csv").write_text("项目编号,项目名称\n2025-ZD-001,测试项目\n", encoding="utf-8")
    for name in ("~$住建局.xlsx", ".~lock.住建局.xlsx#", ".DS_Store", "Thumbs.db", "_received.csv", "说明.pdf"):
        (inbox / name).write_bytes(b"x")
    code, out, err = cli_in_process(["ingest", tmp_path / "inbox", "--db", tmp_path / "l.duckdb", "--json"], capsys)
    got = {Path(o["file"]).name: (o["status"], o["reason"] or o["ignored"]) for o in json.loads(out)}
    assert code == 2
    assert got == {"住建局.xltx": ("ingested", None), "水务局.xltm": ("ingested", None),
                   "能源局.csv": ("rejected", "text_table"), "~$住建局.xlsx": ("ignored", "lock_file"),
                   ".~lock.住建局.xlsx#": ("ignored", "lock_file"), ".DS_Store": ("ignored", "hidden_file"),
                   "Thumbs.db": ("ignored", "hidden_file"), "_received.csv": ("ignored", "manifest"),
                   "说明.pdf": ("ignored", "not_a_spreadsheet")}


def _xls_report(path: Path) -> Path:
    """The report of one row as a legacy .xls (xlwt), the file name as given."""
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("重点建设项目表")
    for r, row in enumerate([["阿拉善左旗2025年重点建设项目进展情况表（截至2025年6月28日）"], ["填报单位：住建局"],
                             OFFICIAL_TOP, OFFICIAL_SUB, report_row(start="2025-04-01")]):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.save(str(path))
    return path


def test_a_broken_chain_in_a_stream_the_reader_never_reads_is_no_reason_to_refuse(tmp_path):
    """The compound-file check was stricter than the reader: a summary stream whose sector chain leaves the
    file (as in PHPExcel's bad_cfb_dir.xls, which Excel and calamine open) made a valid .xls `corrupt`. Only
    the chains the reader follows are walked now; the same break in the workbook stream is still refused."""
    import struct

    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    (tmp_path / "2025-06-28").mkdir()
    data = bytearray(_xls_report(tmp_path / "2025-06-28" / "base.xls").read_bytes())
    at = 512 + struct.unpack_from("<I", data, 0x30)[0] * 512  # the directory's first sector
    entry = "\x05SummaryInformation".encode("utf-16-le") + b"\0\0"
    data[at + 256:at + 256 + len(entry)] = entry  # the third entry, unused by xlwt
    struct.pack_into("<HB", data, at + 256 + 64, len(entry), 2)
    struct.pack_into("<IQ", data, at + 256 + 116, 99_999, 5000)  # its chain starts past the end of the file
    good = tmp_path / "2025-06-28" / "住建局.xls"
    good.write_bytes(bytes(data))
    assert (read_workbook(good).kind, read_workbook(good).n_rows()) == ("report", 1)
    book = at + 128  # the workbook stream's entry: its chain made to leave the file too
    struct.pack_into("<I", data, book + 116, 99_999)
    bad = tmp_path / "2025-06-28" / "能源局.xls"
    bad.write_bytes(bytes(data))
    with pytest.raises(RejectedFile) as exc:
        read_workbook(bad)
    assert exc.value.reason == "corrupt" and "leaves the file" in str(exc.value)


def test_a_wps_et_is_read_when_it_is_an_ole_workbook_else_refused_with_its_own_reason(tmp_path, capsys):
    """WPS saves .et in the legacy Excel container: such a file is read as .xls (it was `unsupported_format`);
    an .et in WPS's own format is refused as `wps_format`, saying to save it as .xlsx in WPS."""
    inbox = tmp_path / "inbox" / "2025-06-28"
    inbox.mkdir(parents=True)
    _xls_report(inbox / "住建局.et")
    (inbox / "水务局.et").write_bytes(b"WPS-own-format" + b"\x00" * 600)
    code, out, err = cli_in_process(["ingest", tmp_path / "inbox", "--db", tmp_path / "l.duckdb", "--json"], capsys)
    got = {Path(o["file"]).name: o for o in json.loads(out)}
    assert (got["住建局.et"]["status"], got["住建局.et"]["kind"], got["住建局.et"]["rows"]) == ("ingested", "report", 1)
    assert got["水务局.et"]["reason"] == "wps_format" and "WPS" in got["水务局.et"]["error"]


@pytest.mark.parametrize("kind", [0, 1])
def test_an_encrypted_xls_is_password_not_corrupt_or_read(tmp_path, kind):
    """An .xls whose workbook stream holds a FILEPASS record (XOR obfuscation, 0, or RC4, 1) is encrypted:
    calamine called a real XOR file corrupt ("Codepage D7D4 not found") and read this one as if in clear."""
    import struct

    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    data = bytearray(_xls(tmp_path / "base.xls", rows=5).read_bytes())
    at = data.index(b"\x09\x08\x10\x00\x00\x06\x05\x00")  # the globals' BOF (BIFF8)
    while struct.unpack_from("<H", data, at)[0] != 0x005C:  # WRITEACCESS, 112 bytes: becomes FILEPASS
        at += 4 + struct.unpack_from("<H", data, at + 2)[0]
    struct.pack_into("<HHHHH", data, at, 0x002F, 112, kind, 0x1234, 0x5678)
    path = tmp_path / "2025-06-28" / "住建局.xls"
    path.parent.mkdir()
    path.write_bytes(bytes(data))
    with pytest.raises(RejectedFile) as exc:
        read_workbook(path)
    assert exc.value.reason == "password" and "住建局.xls" in str(exc.value)


def _ods_report(path: Path, **kw) -> Path:
    from helpers import write_ods
    rows = [["阿拉善左旗2025年重点建设项目进展情况表（截至2025年6月28日）"], ["填报单位：住建局  主要领导签字：是"],
            OFFICIAL_TOP, OFFICIAL_SUB, report_row(start="2025-04-01")]
    return write_ods(path, rows, **kw)


def test_an_ods_report_is_read_with_the_same_bounds(tmp_path):
    """LibreOffice's own format (was `unsupported_format`, the department then missing): read, with the rest
    of the sheet written as one empty row repeated a million times costing nothing; a valued row repeated a
    million times, a value repeated across 20,000 columns, or a value below a million empty rows is refused
    as an .xlsx sheet would be, in a child held to 1.5 GB."""
    tail = '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/>' \
           '</table:table-row>'
    ok = _ods_report(tmp_path / "2025-06-28" / "住建局.ods", tail=tail)
    from alxa_lib.workbooks.reader import read_workbook
    res = read_workbook(ok)
    assert (res.kind, res.department, res.n_rows()) == ("report", "住建局", 1)
    assert res.frames["report_rows"]["annual_completed"].tolist() == [100.0]
    value = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
    for name, extra, reason in (
            ("rows", f'<table:table-row table:number-rows-repeated="1000000">{value}</table:table-row>', "oversized"),
            ("cols", "<table:table-row>" + value.replace("<table:table-cell ", '<table:table-cell '
                     'table:number-columns-repeated="20000" ') + "</table:table-row>", "too_wide"),
            ("far", f'<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
                    f'<table:table-row>{value}</table:table-row>', "oversized")):
        bad = _ods_report(tmp_path / "2025-06-28" / f"{name}.ods", tail=extra)
        done = subprocess.run([sys.executable, "-c", CHILD_READ, str(bad)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == reason, (name, done.stdout, done.stderr[-800:])


@pytest.mark.parametrize("case", ["state_show", "macro_sheet"])
def test_a_workbook_calamine_refuses_is_read_by_a_second_reader(tmp_path, case):
    """calamine refused valid files ("Unrecognized sheet:state: show"; "Unrecognized sheet:type" for an Excel 4
    macro sheet) and nothing else was tried: the workbook is read again with its workbook part in standard
    words, and the report stored."""
    from alxa_lib.workbooks.reader import read_workbook
    base = write_report(tmp_path / "base.xlsx", [report_row()])
    with zipfile.ZipFile(base) as z:
        book, rels = z.read("xl/workbook.xml"), z.read("xl/_rels/workbook.xml.rels")
    if case == "state_show":
        replace = {"xl/workbook.xml": book.replace(b'state="visible"', b'state="show"')}
    else:
        macro = (b'<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
                 b'Target="/xl/macrosheets/sheet1.xml" Id="rId9"/></Relationships>')
        replace = {"xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", macro),
                   "xl/workbook.xml": book.replace(b"</sheets>", b'<sheet xmlns:r="http://schemas.openxmlformats.org/'
                                                   b'officeDocument/2006/relationships" name="Macro1" sheetId="9" '
                                                   b'state="hidden" r:id="rId9"/></sheets>')}
    (tmp_path / "2025-06-28").mkdir()
    path = _rezip(base, tmp_path / "2025-06-28" / "住建局.xlsx", replace=replace,
                  add=lambda z: z.writestr("xl/macrosheets/sheet1.xml", b"<xm:macrosheet/>") if case == "macro_sheet" else None)
    res = read_workbook(path)
    assert (res.kind, res.department, res.n_rows()) == ("report", "住建局", 1)


def test_a_workbook_no_reader_can_read_is_corrupt_naming_each_reader(tmp_path):
    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks.reader import read_workbook
    base = write_report(tmp_path / "base.xlsx", [report_row()])
    with zipfile.ZipFile(base) as z:
        book = z.read("xl/workbook.xml")
    path = _rezip(base, tmp_path / "住建局.xlsx", replace={"xl/workbook.xml": book.replace(b'r:id="rId1"', b'r:id="rId77"')})
    with pytest.raises(RejectedFile) as exc:
        read_workbook(path)
    assert exc.value.reason == "corrupt" and "calamine:" in str(exc.value) and "openpyxl:" in str(exc.value)
    assert "\n" not in str(exc.value) and "住建局.xlsx" in str(exc.value)


def _cell_xml(kind: str, row: int, col: int) -> bytes:
    ref = b' r="%s%d"' % (_letters(col).encode(), row)
    return {"value": b"<c%s><v>1</v></c>" % ref, "value_noref": b"<c><v>1</v></c>",
            "pair": b'<c%s s="1"></c>' % ref, "self": b'<c%s s="1"/>' % ref,
            "pair_noref": b'<c s="1"></c>', "self_noref": b'<c s="1"/>'}[kind]


@given(st.lists(st.tuples(st.integers(1, 40), st.booleans(),
                          st.lists(st.tuples(st.sampled_from(["value", "value_noref", "pair", "self", "pair_noref",
                                                              "self_noref"]), st.integers(1, 30)), max_size=8)),
                min_size=1, max_size=12))
@settings(max_examples=40, deadline=None)
def test_a_sheet_the_guard_passes_never_reaches_past_the_limits_in_the_reader(tmp_path_factory, rows):
    """Invariant of content-only bounds: whatever mix of valued cells, empty formatted cells (self-closing or
    not, with or without a reference) and rows with or without a number a sheet holds, and wherever the chunks
    cut it, a sheet the guard lets through is, as calamine reads it, within twice the limits (here 10 columns
    and 20 rows, scanned in chunks of 300 bytes by the byte-array path)."""
    from unittest import mock

    import python_calamine

    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks import guard, sheetscan
    d = tmp_path_factory.mktemp("inv")
    body, at = [], 0
    for gap, numbered, cells in rows:
        at += gap
        body.append((b'<row r="%d">' % at if numbered else b"<row>")
                     + b"".join(_cell_xml(k, at, c) for k, c in cells) + b"</row>")
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData>' + b"".join(body) + b"</sheetData></worksheet>")
    base = write_report(d / "base.xlsx", [report_row()])
    path = _rezip(base, d / "t.xlsx", replace={"xl/worksheets/sheet1.xml": sheet})
    small = {**guard.limits(), "max_columns": 10, "max_rows": 20, "row_slack": 0}
    with mock.patch.object(guard, "limits", lambda: small), mock.patch.object(guard, "_CHUNK", 300), \
            mock.patch.object(sheetscan, "_VECTOR_MIN", 0):
        try:
            guard.inspect(path)
        except RejectedFile as exc:
            assert exc.reason in ("too_wide", "oversized"), str(exc)
            return
    got = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    # a cell (row) without a reference continues from the referenced one before it, which the byte-array scan
    # does not follow: the bound it keeps is twice the limit, the reader's memory bounded all the same
    assert len(got) <= 2 * 20 and max((len(r) for r in got), default=0) <= 2 * 10, (len(got), sheet)


def _attr_cell(order: str, col: int, row: int, error: bool) -> bytes:
    ref = b'r="%s%d"' % (_letters(col).encode(), row)
    kind = b't="e"' if error else b't="n"'
    value = b"<v>#DIV/0!</v>" if error else b"<v>1</v>"
    attrs = {"r_first": [ref, b's="1"', kind], "s_first": [b's="1"', ref, kind], "t_first": [kind, ref]}[order]
    return b"<c " + b" ".join(attrs) + b">" + value + b"</c>"


@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 5),
                          st.lists(st.tuples(st.integers(0, 9), st.integers(1, 12), st.integers(0, 5)), max_size=4)),
                min_size=1, max_size=5))
@settings(max_examples=500, deadline=None)
def test_a_chunk_the_byte_array_scan_passes_passes_the_exact_checks(rows):
    """The byte-array scan of a chunk reads the references of cells and rows written first in their tag and
    the error cells by their "e"; anything else makes the chunk odd, for the exact checks. Invariant: whatever
    the order of a cell's attributes and wherever a reference beyond the limits or an error cell stands, a
    chunk the scan does not call odd passes the exact checks and holds no error cell."""
    from unittest import mock

    from alxa_lib.errors import RejectedFile
    from alxa_lib.workbooks import guard, sheetscan
    body, at = [], 0
    for gap, row_first, cells in rows:
        at += gap
        # mostly as writers write them (the reference first), so that chunks the scan passes are common
        head = b'<row r="%d" spans="1:9">' % at if row_first else b'<row spans="1:9" r="%d">' % at
        body.append(head + b"".join(_attr_cell(("s_first", "t_first")[o - 8] if o >= 8 else "r_first", c, at, e == 0)
                                    for o, c, e in cells) + b"</row>")
    chunk = b"<sheetData>" + b"".join(body) + b"</sheetData>"
    lim = {**guard.limits(), "max_columns": 10, "max_rows": 20, "row_slack": 0}
    with mock.patch.object(sheetscan, "_VECTOR_MIN", 0):
        scan = sheetscan.scan_chunk(chunk, lim)
    if scan.odd:
        return
    seen = guard.Inspection("zip")
    try:
        guard._check_window(chunk, "xl/worksheets/sheet1.xml", "t.xlsx", lim, scan.rows, scan.cells, seen)
    except RejectedFile as exc:
        raise AssertionError(f"not odd, yet refused {exc.reason}: {chunk!r}") from None
    assert not seen.error_cells, chunk


@given(st.lists(st.tuples(st.integers(1, 8), st.sampled_from(["cached", "empty", "none", "value"])),
                min_size=1, max_size=40), st.integers(60, 900))
@settings(max_examples=30, deadline=None)
def test_the_formulas_the_streaming_scan_finds_are_those_of_the_whole_sheet(tmp_path_factory, cells, chunk):
    """The byte-array scan hands the formula tags it found to the search for formulas without a cached value,
    so a chunk is not searched again for them: wherever the chunks cut the sheet, the cells found are those a
    search of the whole sheet finds."""
    from unittest import mock

    from alxa_lib.workbooks import guard, sheetscan
    from alxa_lib.workbooks.opening import formula_cells_in
    d = tmp_path_factory.mktemp("formulas")
    body = []
    for r, (c, kind) in enumerate(cells, 1):
        ref = b"%s%d" % (_letters(c).encode(), r)
        inner = {"cached": b"<f>SUM(A1:A2)</f><v>3</v>", "empty": b"<f>SUM(A1:A2)</f><v></v>",
                 "none": b'<f t="shared" si="0"/>', "value": b"<v>7</v>"}[kind]
        body.append(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c><c r="%s">%s</c></row>'
                    % (r, r, b"y" * (r * 7 % 50), ref, inner))
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData>' + b"".join(body) + b"</sheetData></worksheet>")
    base = write_report(d / "base.xlsx", [report_row()])
    path = _rezip(base, d / "t.xlsx", replace={"xl/worksheets/sheet1.xml": sheet})
    with mock.patch.object(guard, "_CHUNK", chunk), mock.patch.object(sheetscan, "_VECTOR_MIN", 0):
        seen = guard.inspect(path)
    expected = formula_cells_in(sheet)
    assert seen.uncached_formulas.get("xl/worksheets/sheet1.xml", set()) == expected
    assert expected == {"%s%d" % (_letters(c), r) for r, (c, kind) in enumerate(cells, 1) if kind in ("empty", "none")}


def test_a_small_part_read_straight_from_the_zip_keeps_zipfiles_verdict(tmp_path):
    """The guard reads a workbook's small parts (styles, relationships) from the archive's bytes, not through
    zipfile's reader: a part whose CRC-32 does not match is still handed to zipfile, which calls it corrupt, and
    a DTD in a small part is still refused."""
    from alxa_lib.workbooks.guard import inspect
    from alxa_lib.workbooks.reader import RejectedFile
    good = write_report(tmp_path / "good.xlsx", [report_row()])
    inspect(good)
    data = bytearray(good.read_bytes())
    at = data.find(b"PK\x01\x02")  # the first central directory entry: its CRC-32 at offset 16
    while at != -1:
        n = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + n] == b"xl/styles.xml":
            data[at + 16] ^= 0xFF
        at = data.find(b"PK\x01\x02", at + 4)
    assert data != bytearray(good.read_bytes())
    bad = tmp_path / "bad_crc.xlsx"
    bad.write_bytes(bytes(data))
    with pytest.raises(RejectedFile) as err:
        inspect(bad)
    assert err.value.reason == "corrupt" and "CRC" in str(err.value)
    dtd = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(dtd, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            out.writestr(info.filename, b'<!DOCTYPE x [<!ENTITY a "b">]>' + body if info.filename == "xl/styles.xml"
                         else body)
    with pytest.raises(RejectedFile) as err:
        inspect(dtd)
    assert err.value.reason == "xml_dtd"
