"""The daily commands: status, diff, withdraw, summary — their JSON contracts and their figures."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest
from openpyxl import load_workbook

from alxa_lib import cli
from alxa_lib.figures.metrics import annual_completed
from alxa_lib.ledger.ingest import ingest
from alxa_lib.reports.running import sources
from alxa_lib.reports.content.brief import build_brief

PERIOD = dt.date(2025, 6, 28)

STATUS_KEYS = {"period", "as_of", "due_departments", "on_time", "late", "missing", "pending", "return_lists_open",
               "to_chase", "departments"}
STATUS_DEPT_KEYS = {"department", "state", "received", "versions", "latest_version", "withdrawn_versions", "errors",
                    "warnings", "return_list_open", "contacts"}
DIFF_KEYS = {"period", "previous_period", "newly_started", "newly_red", "lights_changed", "investment_added",
             "investment_added_total"}


def run_json(argv, capsys):
    code = cli.main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def db(ledger_db):
    return str(ledger_db[0])


@pytest.fixture
def own_db(ledger_db, tmp_path):
    """A private copy of the sample ledger (for commands that write)."""
    target = tmp_path / "alxa.duckdb"
    shutil.copy(ledger_db[0], target)
    return target


def test_status_contract_and_counts(db, capsys, truth):
    s = run_json(["status", "--period", "2025-06-28", "--db", db, "--today", "2025-07-20"], capsys)
    assert set(s) == STATUS_KEYS
    assert s["period"] == "2025-06-28" and s["as_of"] == "2025-07-20"
    assert s["due_departments"] == len(s["departments"]) > 0
    assert s["on_time"] + s["late"] + s["missing"] + s["pending"] == s["due_departments"]
    assert s["pending"] == 0  # after the due date nothing is pending any more
    for d in s["departments"]:
        assert set(d) == STATUS_DEPT_KEYS
        assert d["state"] in ("on_time", "late", "missing", "pending")
        assert (d["received"] is None) == (d["versions"] == 0) or d["state"] == "missing"
        assert d["return_list_open"] == (d["errors"] > 0)
        assert d["contacts"] and all(c["name"] for c in d["contacts"])
    # the metrics of the same period agree on the submission counts (§9.2)
    m = run_json(["metrics", "--as-of", "2025-06-28", "--db", db], capsys)
    assert (s["on_time"], s["late"], s["missing"]) == (m["submissions"]["on_time"], m["submissions"]["late"],
                                                       m["submissions"]["missing"])
    assert s["to_chase"] == [d["department"] for d in s["departments"] if d["state"] == "missing"]


def test_status_before_the_due_date_is_the_chase_list(own_db, capsys):
    """住建局's 12-28 report withdrawn: before the due date it is pending (to chase, with whom to call);
    after the next due date it is missing."""
    db = str(own_db)
    con = duckdb.connect(db, read_only=True)
    sha = con.execute("SELECT sha256 FROM files WHERE kind='report' AND department='住建局' "
                      "AND period='2025-12-28'").fetchone()[0]
    con.close()
    run_json(["withdraw", sha, "--db", db], capsys)
    # on the due date itself (the others' reports, received 12-25..12-28, have all arrived by then)
    s = run_json(["status", "--period", "2025-12-28", "--db", db, "--today", "2025-12-28"], capsys)
    zj = next(d for d in s["departments"] if d["department"] == "住建局")
    assert zj["state"] == "pending" and zj["versions"] == 0 and zj["received"] is None and zj["withdrawn_versions"] == 1
    assert s["to_chase"] == ["住建局"] and s["pending"] == 1
    assert zj["contacts"] and zj["contacts"][0]["name"]
    later = run_json(["status", "--period", "2025-12-28", "--db", db, "--today", "2026-01-20"], capsys)
    assert next(d for d in later["departments"] if d["department"] == "住建局")["state"] == "missing"
    assert later["to_chase"] == ["住建局"] and later["pending"] == 0 and later["missing"] == s["missing"] + 1


def test_diff_contract_and_hand_checked_figures(db, capsys):
    d = run_json(["diff", "--period", "2025-06-28", "--db", db], capsys)
    assert set(d) == DIFF_KEYS and d["previous_period"] == "2025-06-14"
    now = run_json(["metrics", "--as-of", "2025-06-28", "--db", db], capsys)
    before = run_json(["metrics", "--as-of", "2025-06-14", "--db", db], capsys)
    # the started count grows by the newly started projects, less those that left the plan in June
    # (the sample's June replacement takes out 2025-ZD-006, started before 06-14, for 2025-ZD-T01)
    assert len(d["newly_started"]) == now["commencement"]["started"] - before["commencement"]["started"] + 1
    assert "2025-ZD-006" not in {r["project_id"] for r in d["newly_started"]}
    # the same projects as the brief's 本期新开复工项目 table
    data, _ = sources.brief_inputs(db, PERIOD)
    table = build_brief(data, PERIOD).tables["started_this_period"]
    assert [r["project_id"] for r in d["newly_started"]] == list(table["项目编号"])
    # on the plan in force at 06-28: the current sums are the metrics' total; the previous ones are the 06-14
    # total without 2025-ZD-006 (replaced in June by 2025-ZD-T01, which had reported nothing by 06-14)
    assert sum(r["current"] for r in d["investment_added"]) == pytest.approx(now["investment"]["annual_completed"],
                                                                             abs=0.05)
    old = annual_completed(data, dt.date(2025, 6, 14))
    assert old.get("2025-ZD-T01", 0.0) == 0.0
    assert sum(r["previous"] for r in d["investment_added"]) == pytest.approx(
        before["investment"]["annual_completed"] - old["2025-ZD-006"], abs=0.05)
    assert sum(r["added"] for r in d["investment_added"]) == pytest.approx(d["investment_added_total"], abs=0.05)
    for r in d["investment_added"]:
        assert r["added"] == pytest.approx(r["current"] - r["previous"], abs=0.005)
    red_ids = {r["project_id"] for r in d["newly_red"]}
    assert red_ids == {r["project_id"] for r in d["lights_changed"] if r["to"] == "red"}
    # light counts move by exactly the changes listed (the June replacement: 006 leaves, T01 comes in)
    left = [r for r in d["lights_changed"] if r["to"] is None]
    assert [r["project_id"] for r in left] == ["2025-ZD-006"]
    assert "2025-ZD-T01" in {r["project_id"] for r in d["lights_changed"] if r["from"] is None}
    for light in ("red", "yellow", "green"):
        moved = sum(r["to"] == light for r in d["lights_changed"]) - sum(r["from"] == light for r in d["lights_changed"])
        assert now["lights"][light] - before["lights"][light] == moved


def test_summary_is_short_plain_text(db, capsys):
    s = run_json(["summary", "--period", "2025-06-28", "--db", db], capsys)
    assert set(s) == {"period", "text", "characters"}
    assert 0 < s["characters"] == len(s["text"]) <= 500
    m = run_json(["metrics", "--as-of", "2025-06-28", "--db", db], capsys)
    assert f"已开复工{m['commencement']['started']}个" in s["text"] and "\n" not in s["text"]
    assert cli.main(["summary", "--period", "2025-06-28", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == s["text"]


def _new_version_of(sample_dir, tmp_path):
    """A corrected file for 住建局 2025-06-28 whose first project has 1000 万元 more annual investment."""
    src = sample_dir / "reports" / "2025-06-28" / "住建局.xlsx"
    wb = load_workbook(src)
    ws = wb.active
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("2025-ZD-"):
                annual = ws.cell(cell.row, cell.column + 7)  # 本年完成投资 (official layout, docs/workbooks.md)
                cumulative = ws.cell(cell.row, cell.column + 8)
                if isinstance(annual.value, (int, float)) and isinstance(cumulative.value, (int, float)):
                    annual.value += 1000
                    cumulative.value += 1000
                    out = tmp_path / "inbox" / "住建局_更正.xlsx"
                    out.parent.mkdir()
                    wb.save(out)
                    return out
    raise AssertionError("no row to change")


def _tables(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("files", "report_rows", "findings")}
    finally:
        con.close()


def test_withdraw_gives_back_exactly_the_figures_of_before(own_db, sample_dir, tmp_path, capsys):
    db = str(own_db)
    before = {a: run_json(["metrics", "--as-of", a, "--db", db], capsys) for a in ("2025-06-28", "2025-09-28")}
    before_rank = run_json(["rank", "--year", "2025", "--db", db], capsys)
    fixed = _new_version_of(sample_dir, tmp_path)
    (o,) = ingest([fixed], own_db, progress=False)
    assert o.status == "new_version"
    changed = run_json(["metrics", "--as-of", "2025-06-28", "--db", db], capsys)
    assert changed["investment"]["annual_completed"] == pytest.approx(
        before["2025-06-28"]["investment"]["annual_completed"] + 1000, abs=0.01)
    rows_before = _tables(own_db)
    w = run_json(["withdraw", str(fixed), "--why", "误报", "--by", "张三", "--db", db], capsys)
    assert set(w) == {"withdrawn", "by", "at", "why"} and w["by"] == "张三" and w["why"] == "误报"
    (f,) = w["withdrawn"]
    assert f["original_name"] == fixed.name and f["department"] == "住建局" and f["period"] == "2025-06-28"
    assert set(f) == {"file_id", "sha256", "original_name", "kind", "department", "period", "version"}
    # nothing deleted: the rows stay, the archive keeps the bytes
    assert _tables(own_db) == rows_before
    assert (own_db.parent / "archive" / f["sha256"]).exists() or any(
        p.name.startswith(f["sha256"]) for p in (own_db.parent / "archive").rglob("*"))
    after = {a: run_json(["metrics", "--as-of", a, "--db", db], capsys) for a in before}
    assert after == before
    assert run_json(["rank", "--year", "2025", "--db", db], capsys) == before_rank
    st = run_json(["status", "--period", "2025-06-28", "--db", db], capsys)
    zj = next(d for d in st["departments"] if d["department"] == "住建局")
    assert zj["withdrawn_versions"] == 1
    # recorded who/when/why, with the SHA-256 a rebuild from the archive re-applies
    con = duckdb.connect(db, read_only=True)
    rec = con.execute("SELECT sha256, withdrawn_by, why, withdrawn_at FROM withdrawals").fetchall()
    con.close()
    assert [(r[0], r[1], r[2]) for r in rec] == [(f["sha256"], "张三", "误报")] and rec[0][3] is not None


def test_withdraw_by_sha_prefix_and_refusals(own_db, capsys):
    db = str(own_db)
    con = duckdb.connect(db, read_only=True)
    sha = con.execute("SELECT sha256 FROM files WHERE kind='report' ORDER BY file_id DESC LIMIT 1").fetchone()[0]
    con.close()
    w = run_json(["withdraw", sha[:12], "--db", db], capsys)
    assert w["withdrawn"][0]["sha256"] == sha and w["why"] is None and w["by"]
    for target, says in ((sha[:12], "already withdrawn"), ("0000000000ff", "no such file"), ("xyz", "SHA-256")):
        code = cli.main(["withdraw", target, "--db", db])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and says in err, err


def test_a_withdrawal_survives_a_rebuild_from_the_archive(sample_dir, tmp_path, capsys):
    """The archive alone rebuilds the ledger, withdrawals included (the withdrawal is kept there too)."""
    plan = next((sample_dir / "plan").glob("*.xlsx"))
    report = next((sample_dir / "reports" / "2025-06-28").glob("*.xlsx"))
    db = tmp_path / "small" / "alxa.duckdb"
    assert {o.status for o in ingest([plan, report], db, progress=False)} == {"ingested"}
    w = run_json(["withdraw", str(report), "--why", "误报", "--by", "张三", "--db", str(db)], capsys)
    sha = w["withdrawn"][0]["sha256"]
    assert (db.parent / "archive" / "withdrawals" / f"{sha}.json").exists()
    new = tmp_path / "rebuilt" / "alxa.duckdb"
    assert cli.main(["rebuild", "--from", str(db.parent / "archive"), "--db", str(new)]) == 0
    capsys.readouterr()
    con = duckdb.connect(str(new), read_only=True)
    try:
        rows = con.execute("SELECT w.sha256, w.withdrawn_by, w.why, f.original_name FROM withdrawals w "
                           "JOIN files f USING (file_id)").fetchall()
    finally:
        con.close()
    assert rows == [(sha, "张三", "误报", report.name)]
