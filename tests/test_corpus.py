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
