from __future__ import annotations

import json
from pathlib import Path

import pytest

from alxa_lib.ledger.ingest import ingest
from alxa_lib.sample import write_sample


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    write_sample(root, 2025, 7)
    return root


@pytest.fixture(scope="session")
def truth(sample_dir) -> dict:
    return json.loads((sample_dir / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ledger_db(sample_dir, tmp_path_factory):
    """The whole sample year ingested once (read-only use in tests)."""
    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_year

    db = tmp_path_factory.mktemp("ledger") / "alxa.duckdb"
    outcomes = ingest([sample_dir], db, progress=False)
    con = ledger.connect(db)  # validated once, as `make demo` does; reports then read the stored findings
    validate_year(con, 2025)
    con.close()
    return db, outcomes


@pytest.fixture(scope="session")
def reports_out(ledger_db, tmp_path_factory) -> dict:
    """Every report of the sample year rendered once per session, with the notebooks' default parameters
    (so each notebook runs once: these runs are also the "runs with its defaults" check)."""
    import datetime as dt

    from alxa_lib.reports import runner
    db, _ = ledger_db
    out = tmp_path_factory.mktemp("reports")
    return {"out": out,
            # the brief also as its 公文 PDF, with a 期号 (tests/test_official_docs.py reads them)
            "brief": runner.brief(dt.date(2025, 6, 28), db, out, runner.DEFAULT_FORMATS + ("gwpdf",),
                                  number="12"),
            "quarter": runner.quarter("2025Q2", db, out),
            "annual": runner.annual(2025, db, out),
            # the PDF route is checked on the brief and the ranking; these two need their HTML and xlsx only
            "investigate": runner.investigate(dt.date(2025, 9, 28), red=True, db=db, out=out,
                                              formats=("html", "xlsx")),
            "meeting": runner.meeting("2025-06", db, out, ("html", "xlsx"))}
