from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from filelock import FileLock
from hypothesis import settings

from alxa_lib.ledger.ingest import ingest
from alxa_lib.sample import write_sample


# Speed is measured by bench/, not by tests: no per-example deadline (it fails on a busy machine, not on a bug).
settings.register_profile("alxa", deadline=None)
settings.load_profile("alxa")


# The files whose tests take longest, run first: `make test` spreads whole files over the cores (--dist loadfile),
# so a long file that starts last finishes alone while the other cores idle. Measured with --durations: the fresh
# install runs the whole demo (≈ 50 s), the browser and the LibreOffice checks wait for every report (≈ 55 s, ≈ 25 s).
LONGEST_FIRST = ("test_install.py", "test_browser.py", "test_office_measured.py", "test_sample.py",
                 "test_ledger_life.py", "test_ledger_order.py", "test_cli_errors.py")


def pytest_collection_modifyitems(items: list) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).name, len(rank)))  # stable: the rest keep their order


def built_once(tmp_path_factory, name: str, build: Callable[[Path], Any]) -> tuple[Path, Any]:
    """Build ``name`` once per test run, even when pytest-xdist runs the tests in several processes: the first
    process to ask builds it under a file lock in the run's common temporary folder, the others wait and read
    the pickled result. Returns the folder and what ``build(folder)`` returned."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / f"built-{name}"
    done = folder / ".result.pickle"
    with FileLock(str(folder) + ".lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_bytes(pickle.dumps(build(folder)))
    return folder, pickle.loads(done.read_bytes())


def _build_ledger(folder: Path, sample: Path) -> list:
    """The whole sample year ingested and validated once, as `make demo` does (reports then read the stored
    findings). Never opened again: each test process works on its own copy."""
    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_year
    from alxa_lib.figures.status import refresh

    db = folder / "alxa.duckdb"
    outcomes = ingest([sample], db, progress=False)
    con = ledger.connect(db)
    validate_year(con, 2025)
    refresh(con)  # the figures behind the ledger's project_status(d) and plan_on(d), as `alxa validate` stores them
    con.close()
    return outcomes


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The seed-7 sample year, written once per run (read-only for tests)."""
    folder, _ = built_once(tmp_path_factory, "sample", lambda f: write_sample(f, 2025, 7))
    return folder


@pytest.fixture(scope="session")
def truth(sample_dir) -> dict:
    return json.loads((sample_dir / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def pristine_ledger(sample_dir, tmp_path_factory) -> tuple[Path, list]:
    folder, outcomes = built_once(tmp_path_factory, "ledger", lambda f: _build_ledger(f, sample_dir))
    return folder, outcomes


@pytest.fixture(scope="session")
def ledger_db(pristine_ledger, tmp_path_factory):
    """The whole sample year ingested once (read-only use in tests): this process's own copy of the ledger
    and its archive, so that processes never share a DuckDB file."""
    folder, outcomes = pristine_ledger
    mine = tmp_path_factory.mktemp("ledger") / "copy"
    shutil.copytree(folder, mine, ignore=shutil.ignore_patterns(".result.pickle"))
    return mine / "alxa.duckdb", outcomes


@pytest.fixture(scope="session")
def reports_out(pristine_ledger, tmp_path_factory) -> dict:
    """Every report of the sample year rendered once per run, with the notebooks' default parameters
    (so each notebook runs once: these runs are also the "runs with its defaults" check)."""
    folder, _ = pristine_ledger

    def render(out: Path) -> dict:
        import datetime as dt

        from alxa_lib.reports.running import runner
        shutil.copytree(folder, out / "ledger", ignore=shutil.ignore_patterns(".result.pickle"))
        db = out / "ledger" / "alxa.duckdb"
        return {"out": out,
                # the brief also as its 公文 PDF, with a 期号 (tests/test_official_docs.py reads them)
                "brief": runner.brief(dt.date(2025, 6, 28), db, out, runner.DEFAULT_FORMATS + ("gwpdf",),
                                      number="12"),
                # its PDF is the fresh-install demo's to check (tests/test_install.py): 4 s of WeasyPrint less here
                "quarter": runner.quarter("2025Q2", db, out, ("html", "xlsx", "docx")),
                "annual": runner.annual(2025, db, out, ("html", "xlsx", "docx")),  # its PDF: the same
                # the PDF route is checked on the brief here; these two need HTML and xlsx only
                "investigate": runner.investigate(dt.date(2025, 9, 28), red=True, db=db, out=out,
                                                  formats=("html", "xlsx")),
                "meeting": runner.meeting("2025-06", db, out, ("html", "xlsx"))}

    return built_once(tmp_path_factory, "reports", render)[1]


@pytest.fixture(scope="session")
def evaluation_documents(pristine_ledger, tmp_path_factory) -> dict:
    """The quarterly 通报 of 2025Q2 (文号 3; its 扣分明细 runs over many pages) and the year-end 通报, each as
    (document, {"docx": path, "pdf": path}), written once per run."""
    folder, _ = pristine_ledger

    def write(out: Path) -> dict:
        from alxa_lib.figures.scoring import rank_json, score_json
        from alxa_lib.reports import official
        from alxa_lib.reports.running import sources
        from alxa_lib.reports.content.evaluation import annual_report, quarter_report
        from alxa_lib.reports.official.evaluation_text import annual_document, quarter_document
        shutil.copytree(folder, out / "ledger", ignore=shutil.ignore_patterns(".result.pickle"))
        data, findings_of = sources.year_with_findings(out / "ledger" / "alxa.duckdb", 2025)
        q = quarter_document(score_json(data, 2, findings_of), quarter_report(data, 2, findings_of), 3)
        a = annual_document(rank_json(data, findings_of), annual_report(data, findings_of))
        return {"quarter": (q, official.write(q, out / "q.docx", out / "q.pdf")),
                "annual": (a, official.write(a, out / "a.docx", out / "a.pdf"))}

    return built_once(tmp_path_factory, "evaluation-documents", write)[1]
