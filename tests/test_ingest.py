"""The ledger: every value kept, idempotent, versioned, atomic per file, safe under kill and concurrency."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from alxa_lib import ledger
from alxa_lib.ledger.ingest import ingest
from alxa_lib.ledger.queries import latest_files, plan_in_force, version_changes
from tests.helpers import bilingual, report_row, with_params, write_report
from tests.test_reader import WHAT_IT_SAYS

TABLE_OF_KIND = {"plan": ["plan_rows"], "report": ["report_rows"], "schedule": ["schedule_rows"],
                 "start_report": ["start_rows"], "registers": list(ledger.REGISTER_TABLES.values())}


def _row_counts_consistent(con) -> int:
    """Each stored file holds exactly the rows it recorded (all or nothing); returns the file count."""
    files = con.execute("SELECT file_id, kind, n_rows FROM files").fetchall()
    for file_id, kind, n_rows in files:
        got = sum(con.execute(f"SELECT count(*) FROM {t} WHERE file_id = ?", [file_id]).fetchone()[0]
                  for t in TABLE_OF_KIND[kind])
        assert got == n_rows, (file_id, kind, got, n_rows)
    return len(files)



def disk_full_on_project_x(monkeypatch, column: str) -> None:
    """Make storing fail, after the insert, for the report rows holding project "X" in ``column``."""
    real = ledger.insert_columns

    def failing(con, table, data, n):
        real(con, table, data, n)
        if table == "report_rows" and "X" in set(data[column]):
            raise OSError("disk full (simulated)")

    monkeypatch.setattr(ledger, "insert_columns", failing)

def test_sample_year_ingests_and_reads_back_exactly(ledger_db, truth, sample_dir):
    db, outcomes = ledger_db
    by_status = {}
    for o in outcomes:
        by_status.setdefault(o.status, []).append(o)
    rejected = {Path(o.file).relative_to(sample_dir).as_posix(): o for o in by_status["rejected"]}
    assert {f: o.reason for f, o in rejected.items()} == {r["file"]: r["reason"] for r in truth["rejected"]}
    for o in rejected.values():  # the same words a department reads, in both languages
        cn, en = WHAT_IT_SAYS[o.reason]
        assert bilingual(o.error, cn=cn, en=en), o.error
    assert len(by_status["new_version"]) == 1
    con = duckdb.connect(str(db), read_only=True)
    stored_names = {r[0] for r in con.execute("SELECT source_path FROM files").fetchall()}
    assert not {str(sample_dir / f) for f in rejected} & stored_names  # nothing of a rejected file
    checked = 0
    for rel, info in truth["files"].items():
        rows = con.execute("""SELECT r.* FROM report_rows r JOIN files f USING (file_id) WHERE f.source_path = ?""",
                           [str(sample_dir / rel)]).df()
        got = {r["project_id"]: r for r in rows.to_dict("records")}
        assert set(info["rows"]) <= set(got), rel  # rows without 项目编号 were matched by name
        for pid, exp in info["rows"].items():
            for k in ("status", "start_date", "expected_start", "annual_completed", "cumulative_completed"):
                v = got[pid][k]
                if v is None or (isinstance(v, float) and v != v) or v is getattr(__import__("pandas"), "NaT"):
                    v = None
                elif hasattr(v, "date"):
                    v = v.date().isoformat()
                elif hasattr(v, "isoformat"):
                    v = v.isoformat()
                assert v == exp[k], (rel, pid, k, v, exp[k])
                checked += 1
    assert checked > 5000
    assert _row_counts_consistent(con) == len(outcomes) - len(rejected)
    archived = [p for p in ledger.archive_dir(db).iterdir() if not p.name.endswith(".json")]
    assert len(archived) == len(outcomes) - len(rejected)
    assert all(p.with_name(p.name + ".json").exists() for p in archived)  # each with its sidecar (for rebuild)


def test_plan_in_force_applies_june_adjustments(ledger_db, truth):
    db, _ = ledger_db
    con = duckdb.connect(str(db), read_only=True)
    replace = next(a for a in truth["adjustments"] if a["adj_type"] == "替换")
    change = next(a for a in truth["adjustments"] if a["adj_type"] == "调整指标")
    before = plan_in_force(con, dt.date(2025, 6, 14)).set_index("project_id")
    after = plan_in_force(con, dt.date(2025, 6, 28)).set_index("project_id")
    assert replace["project_id"] in before.index and replace["replacement_id"] not in before.index
    assert replace["project_id"] not in after.index and replace["replacement_id"] in after.index
    assert before.loc[change["project_id"], "annual_planned"] == change["old_value"]
    assert after.loc[change["project_id"], "annual_planned"] == change["new_value"]
    assert len(before) == len(after)


def test_reingest_is_unchanged_and_adds_nothing(tmp_path):
    db = tmp_path / "l.duckdb"
    f = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    first = ingest([f], db, progress=False)
    again = ingest([tmp_path / "in"], db, progress=False)
    assert [o.status for o in first] == ["ingested"] and [o.status for o in again] == ["unchanged"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM report_rows").fetchone()[0] == 1


def test_new_version_keeps_the_old_and_records_changed_cells(tmp_path):
    db = tmp_path / "l.duckdb"
    v1 = write_report(tmp_path / "a" / "2025-06-28" / "住建局.xlsx", [report_row(annual=100, cumulative=300)])
    v2 = write_report(tmp_path / "b" / "2025-06-28" / "住建局.xlsx", [report_row(annual=150, cumulative=300)])
    o1 = ingest([v1], db, progress=False, received=dt.date(2025, 6, 27))
    o2 = ingest([v2], db, progress=False, received=dt.date(2025, 6, 30))
    assert (o1[0].status, o1[0].version, o2[0].status, o2[0].version) == ("ingested", 1, "new_version", 2)
    con = ledger.connect(db)
    assert con.execute("SELECT count(*) FROM report_rows").fetchone()[0] == 2  # the old version stays
    latest = latest_files(con, "report")
    assert latest.version.tolist() == [2]
    changes = version_changes(con, int(latest.file_id[0]))
    assert changes[["project_id", "field", "previous", "value", "cell"]].values.tolist() == \
        [["2025-ZD-001", "annual_completed", 100.0, 150.0, "I5"]]


def test_a_failure_inside_a_file_leaves_nothing_of_it(tmp_path, monkeypatch):
    db = tmp_path / "l.duckdb"
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    bad = write_report(tmp_path / "in" / "2025-06-28" / "交通运输局.xlsx", [report_row(), report_row(pid="X")],
                       meta="填报单位：交通运输局（盖章）  主要领导签字：是")
    disk_full_on_project_x(monkeypatch, "project_id")
    out = {Path(o.file).name: o for o in ingest([good, bad], db, progress=False)}
    assert out["住建局.xlsx"].status == "ingested"
    assert out["交通运输局.xlsx"].status == "rejected" and "nothing kept" in out["交通运输局.xlsx"].error
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT department FROM files").fetchall() == [("住建局",)]
    assert con.execute("SELECT count(*) FROM report_rows").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM findings WHERE department = '交通运输局'").fetchone()[0] == 0


@pytest.fixture()
def small_year(sample_dir, tmp_path):
    """Plan, registers and three periods of the sample: enough files for a long-ish ingest."""
    dst = tmp_path / "small"
    for sub in ("plan", "registers", "reports/2025-06-14", "reports/2025-06-28", "reports/2025-07-14"):
        shutil.copytree(sample_dir / sub, dst / sub)
    return dst


CHILD = textwrap.dedent("""
    import sys, time
    from alxa_lib import ledger
    from alxa_lib.ledger.ingest import ingest
    real = ledger.insert_frame
    def slow(con, table, df):
        print("STORING", flush=True)
        time.sleep(0.05)
        real(con, table, df)
    ledger.insert_frame = slow
    ingest([sys.argv[1]], sys.argv[2], progress=False)
""")


def test_kill_9_mid_ingest_leaves_a_consistent_ledger(small_year, tmp_path):
    db = tmp_path / "k.duckdb"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(small_year), str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "STORING"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = duckdb.connect(str(db))
    stored = _row_counts_consistent(con)
    con.close()
    total = len([p for p in small_year.rglob("*.xls*")])
    assert 0 < stored < total  # killed mid-way, and what is there is whole
    rest = ingest([small_year], db, progress=False)  # the next ingest completes the job
    con = duckdb.connect(str(db), read_only=True)
    n_files = con.execute("SELECT count(DISTINCT sha256) FROM files").fetchone()[0]
    assert _row_counts_consistent(con) == n_files == con.execute("SELECT count(*) FROM files").fetchone()[0]
    statuses = Counter(o.status for o in rest)
    assert statuses["unchanged"] == stored  # what was whole before the kill is kept, and not stored twice
    assert statuses["ingested"] + statuses["new_version"] == n_files - stored  # the rest went in now


def test_two_ingests_at_once_wait_for_each_other(small_year, tmp_path):
    db = tmp_path / "c.duckdb"
    cmd = [sys.executable, "-m", "alxa_lib.cli", "ingest", str(small_year), "--db", str(db), "--json"]
    a = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out_a, err_a = a.communicate(timeout=300)
    out_b, err_b = b.communicate(timeout=300)
    assert a.returncode in (0, 2) and b.returncode in (0, 2), (err_a, err_b)
    statuses = sorted([{o["status"] for o in json.loads(out_a)}, {o["status"] for o in json.loads(out_b)}], key=len)
    assert "unchanged" in statuses[0] | statuses[1]  # the second one found the first one's work
    con = duckdb.connect(str(db), read_only=True)
    n_files = con.execute("SELECT count(*) FROM files").fetchone()[0]
    assert n_files == con.execute("SELECT count(DISTINCT sha256) FROM files").fetchone()[0]
    assert _row_counts_consistent(con) == n_files


def test_cli_json_contract_and_exit_code(tmp_path):
    good = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    bad = tmp_path / "in" / "2025-06-28" / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    proc = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "ingest", str(tmp_path / "in"), "--db",
                           str(tmp_path / "l.duckdb"), "--json"], capture_output=True, text=True)
    assert proc.returncode == 2
    out = {Path(o["file"]).name: o for o in json.loads(proc.stdout)}
    assert set(out["住建局.xlsx"]) == {"file", "kind", "department", "period", "status", "version", "rows", "findings", "error",
                                      "reason", "file_bytes", "ignored", "note"}  # fields are only ever added
    assert (out["住建局.xlsx"]["kind"], out["住建局.xlsx"]["status"], out["住建局.xlsx"]["period"]) == ("report", "ingested", "2025-06-28")
    assert out["住建局.xlsx"]["reason"] is None
    assert (out["坏.xlsx"]["status"], out["坏.xlsx"]["reason"]) == ("rejected", "corrupt")
    assert bilingual(out["坏.xlsx"]["error"], cn="损坏", en="corrupt")
    assert good.exists()


def test_received_date_sources(tmp_path):
    from alxa_lib.ledger.ingest import received_date
    f = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [report_row()])
    (tmp_path / "2025-06-28" / "_received.csv").write_text("file,received\n住建局.xlsx,2025-06-30\n", encoding="utf-8")
    assert received_date(f) == dt.date(2025, 6, 30)
    assert received_date(f, dt.date(2025, 7, 1)) == dt.date(2025, 7, 1)
    (tmp_path / "2025-06-28" / "_received.csv").unlink()
    assert received_date(f) == dt.date.fromtimestamp(f.stat().st_mtime)


def test_name_matching_and_ids_against_the_plan(tmp_path):
    """Rows without 项目编号 match by normalised name; an id of another department's project still wins."""
    import pandas as pd

    from alxa_lib.ledger.ingest import match_projects
    plan = pd.DataFrame([{"project_id": "A1", "name": "吉兰泰镇供热管网改造项目", "department": "住建局"},
                         {"project_id": "B1", "name": "巴彦浩特镇物流园区项目", "department": "交通运输局"}])
    rows = pd.DataFrame([
        {"_row": 5, "project_id": None, "name": "阿左旗 吉兰泰镇供热管网改造项目"},  # prefix and space folded
        {"_row": 6, "project_id": "B1", "name": "物流园区"},                      # id wins over the name
        {"_row": 7, "project_id": None, "name": "吉兰泰镇供热管网项目"},            # no match: suggest
    ], dtype=object)  # as the reader builds its frames
    found = match_projects(rows, plan, {"department": "住建局", "period": None}, "表", {"name": "C", "project_id": "B"},
                           "住建局")
    assert rows["project_id"].tolist() == ["A1", "B1", None]
    assert rows["matched_by"].tolist() == ["name", "id", None]
    assert [(f["rule"], f["cell"], f["project_id"]) for f in found] == [("NAME_MATCHED", "C5", "A1"),
                                                                       ("PROJECT_UNKNOWN", "C7", None)]
    assert "吉兰泰镇供热管网改造项目" in found[1]["message"]  # the closest plan name is suggested


# ---------------------------------------------------------------- batches (docs/architecture.md §9)
def test_one_batch_same_content_twice_and_a_refused_version_between_two(tmp_path, monkeypatch):
    """In one batch: the same bytes under two names are stored once (the second is `unchanged`, with the
    first's version); a version whose insert fails is refused alone and the next version takes its number."""
    db = tmp_path / "l.duckdb"
    a = write_report(tmp_path / "a" / "2025-06-28" / "住建局.xlsx", [report_row(annual=100)])
    same = tmp_path / "b" / "2025-06-28" / "住建局.xlsx"
    same.parent.mkdir(parents=True)
    shutil.copyfile(a, same)
    write_report(tmp_path / "c" / "2025-06-28" / "住建局.xlsx", [report_row(annual=120), report_row(pid="X")])
    write_report(tmp_path / "d" / "2025-06-28" / "住建局.xlsx", [report_row(annual=150)])
    disk_full_on_project_x(monkeypatch, "_given_id")
    out = ingest([tmp_path / d for d in "abcd"], db, progress=False, received=dt.date(2025, 6, 27))
    assert [(o.status, o.version) for o in out] == [("ingested", 1), ("unchanged", 1), ("rejected", None),
                                                    ("new_version", 2)]
    assert out[2].reason == "not_stored" and "disk full" in out[2].error
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT version, n_rows FROM files ORDER BY file_id").fetchall() == [(1, 1), (2, 1)]
    assert con.execute("SELECT annual_completed FROM report_rows ORDER BY file_id").fetchall() == [(100.0,), (150.0,)]
    assert _row_counts_consistent(con) == 2
    con.close()
    sidecars = sorted(p.name for p in ledger.archive_dir(db).glob("*.json"))
    assert len(sidecars) == 2  # the refused file is archived (it was read) but has no sidecar: rebuild skips it


def test_batches_hold_the_configured_number_of_files(tmp_path, monkeypatch):
    """With batches of two files, five reports go in as three transactions, each with one insert a table."""
    from alxa_lib import params
    with_params(monkeypatch, "ingest", batch={"files": 2, "rows": 20000})
    db = tmp_path / "l.duckdb"
    depts = ["住建局", "交通运输局", "水务局", "农牧局", "教育局"]
    for i, dept in enumerate(depts):
        write_report(tmp_path / "in" / "2025-06-28" / f"{dept}.xlsx", [report_row(pid=f"2025-ZD-{i:03d}")],
                     meta=f"填报单位：{dept}  主要领导签字：是  填报日期：2025年6月27日")
    calls: list[tuple[str, int]] = []
    real, real_columns = ledger.insert_frame, ledger.insert_columns
    monkeypatch.setattr(ledger, "insert_frame", lambda con, table, df: (calls.append((table, len(df))),
                                                                        real(con, table, df)))
    monkeypatch.setattr(ledger, "insert_columns", lambda con, table, data, n: (calls.append((table, n)),
                                                                               real_columns(con, table, data, n)))
    out = ingest([tmp_path / "in"], db, progress=False)
    assert {o.status for o in out} == {"ingested"}
    assert [n for t, n in calls if t == "files"] == [2, 2, 1]
    assert [n for t, n in calls if t == "report_rows"] == [2, 2, 1]


def test_archive_copy_is_hashed_while_copied_and_the_spill_is_removed(tmp_path):
    from alxa_lib.files import sha256_of
    from alxa_lib.ledger.ingest import SPILL_PREFIX
    db = tmp_path / "l" / "l.duckdb"
    f = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    stale = db.parent / f"{SPILL_PREFIX}999999999-x"  # a killed run's spill (no such process)
    stale.mkdir(parents=True)
    (stale / "results.pkl").write_bytes(b"x")
    ingest([f], db, progress=False)
    (copy,) = [p for p in ledger.archive_dir(db).iterdir() if p.suffix == ".xlsx"]
    assert copy.read_bytes() == f.read_bytes() and copy.stem == sha256_of(f)
    assert not [p for p in ledger.archive_dir(db).iterdir() if p.name.startswith(".")]  # no temporary copy left
    assert not list(db.parent.glob(f"{SPILL_PREFIX}*"))  # this run's spill and the stale one are gone


def test_read_results_beyond_the_memory_budget_wait_on_disk(tmp_path, monkeypatch):
    """Past params `spill` (here one file), read results are spilled beside the ledger and read back in order."""
    from alxa_lib import params
    from alxa_lib.ledger import ingest as ingest_module
    with_params(monkeypatch, "ingest", spill={"files": 1, "rows": 20000})
    kept = []
    real_keep = ingest_module.Spill.keep

    def keep(self, item, res):
        out = real_keep(self, item, res)
        kept.append(out.spilled is not None and out.spilled[0].exists())
        return out

    monkeypatch.setattr(ingest_module.Spill, "keep", keep)
    depts = ["住建局", "交通运输局", "水务局"]
    for i, dept in enumerate(depts):
        write_report(tmp_path / "in" / "2025-06-28" / f"{dept}.xlsx", [report_row(pid=f"2025-ZD-{i:03d}")],
                     meta=f"填报单位：{dept}  主要领导签字：是  填报日期：2025年6月27日")
    db = tmp_path / "l.duckdb"
    out = ingest([tmp_path / "in"], db, progress=False)
    assert kept == [False, True, True]  # the first in memory, the others in the spill file
    assert {o.status for o in out} == {"ingested"} and len(out) == 3
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT department FROM files").fetchall()) == sorted(depts)
    con.close()
    assert not list(tmp_path.glob(f"{ingest_module.SPILL_PREFIX}*"))
