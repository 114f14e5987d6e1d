"""The ledger's public surface (docs/architecture.md §12): the views and macros answer what the reports print,
from a plain DuckDB connection, and never from stale figures."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import alxa_lib
from alxa_lib import cli
from alxa_lib import periods as cal
from alxa_lib.checks.validate import latest_only, period_findings
from alxa_lib.figures.metrics import metrics
from alxa_lib.figures.status import normalised, status_table
from alxa_lib.ledger import queries, surface
from alxa_lib.ledger.ingest import ingest
from alxa_lib.reports.running import sources
from alxa_lib.reports.content.brief import appendix_table, brief_view, lights_table
from alxa_lib.reports.content.labels import LIGHT_CN, LIGHT_SYMBOL
from alxa_lib.rules import RULES
from test_daily import _new_version_of

YEAR = 2025
JUNE = dt.date(2025, 6, 28)


@pytest.fixture(scope="module")
def db(ledger_db):
    return ledger_db[0]


@pytest.fixture
def own_db(ledger_db, tmp_path):
    """A private copy of the sample ledger and its archive (for commands that write)."""
    shutil.copytree(ledger_db[0].parent, tmp_path / "l", ignore=shutil.ignore_patterns(".result.pickle"))
    return tmp_path / "l" / "alxa.duckdb"


def _same(a, b) -> bool:
    na = a is None or (isinstance(a, float) and pd.isna(a))
    nb = b is None or (isinstance(b, float) and pd.isna(b))
    return (na and nb) or (not na and not nb and a == b)


def test_project_status_is_the_brief_and_the_metrics_on_every_period(db):
    data = sources.year(db, YEAR)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for day in cal.periods(YEAR):
            st = alxa_lib.project_status(day, db)
            assert st.equals(normalised(con.sql(f"SELECT * FROM project_status('{day}')").df()))  # the SQL macro
            v = brief_view(data, day)
            appendix = appendix_table(v).set_index("项目编号")
            assert sorted(st["project_id"]) == sorted(appendix.index), day
            for r in st.to_dict("records"):
                a = appendix.loc[r["project_id"]]
                for field, printed in (("name", "项目名称"), ("department", "单位"), ("total_investment", "总投资（万元）"),
                                       ("annual_planned", "年度计划投资（万元）"), ("annual_completed", "本年完成投资（万元）"),
                                       ("status", "开复工状态"), ("start_date", "开（复）工日期"),
                                       ("progress_text", "形象进度"), ("problems", "存在问题")):
                    assert _same(r[field], a[printed] if not pd.isna(a[printed]) else None), (day, r["project_id"], field)
                assert a["亮灯"] == f"{LIGHT_SYMBOL[r['light']]} {LIGHT_CN[r['light']]}"
                assert r["started"] == (r["project_id"] in v.started)
            shown = lights_table(v).set_index("项目编号")["原因"]
            assert st.loc[st["light"] != "green"].set_index("project_id")["reasons"].to_dict() == shown.to_dict()
            # `alxa metrics --json` is an aggregate of the table
            m = metrics(data, day)
            assert (int(st["started"].sum()), len(st)) == (m["commencement"]["started"], m["commencement"]["total"])
            assert st["light"].value_counts().reindex(["red", "yellow", "green"], fill_value=0).tolist() == \
                [m["lights"][k] for k in ("red", "yellow", "green")]
            assert round(float(st["annual_completed"].fillna(0).sum()), 2) == m["investment"]["annual_completed"]
            assert round(float(st["annual_planned"].fillna(0).sum()), 2) == m["investment"]["annual_planned"]
            by_dept = st.groupby("department")["started"].sum()
            assert {d["department"]: d["started"] for d in m["by_department"] if d["total"]} == by_dept.to_dict()
            # the source: the row of latest_report_rows of the latest period by then that holds the project
            src = con.sql(f"SELECT project_id, period AS report_period, version, file_id FROM latest_report_rows "
                          f"WHERE period <= '{day}' QUALIFY row_number() OVER (PARTITION BY project_id "
                          f"ORDER BY period DESC) = 1").df()
            mine = st.dropna(subset=["file_id"])[["project_id", "report_period", "version", "file_id"]]
            src = src[src["project_id"].isin(st["project_id"])]
            assert sorted(map(tuple, mine.astype(str).values)) == \
                sorted(map(tuple, src.assign(report_period=src["report_period"].dt.date).astype(str).values)), day
    finally:
        con.close()


def test_spi_and_node_completion_by_hand(db):
    """One project, June 28: SPI = annual completed ÷ planned-to-date; node completion at the end of Q1."""
    st = alxa_lib.project_status("2025-06-28", db).set_index("project_id")
    p = st.loc["2025-ZD-001"]
    con = duckdb.connect(str(db), read_only=True)
    q = con.execute("SELECT q1_node, q2_node FROM schedule_rows s JOIN files f USING (file_id) WHERE s.project_id = "
                    "'2025-ZD-001' ORDER BY f.received DESC, f.file_id DESC LIMIT 1").fetchone()
    march = con.execute("SELECT annual_completed FROM latest_report_rows WHERE project_id = '2025-ZD-001' "
                        "AND period <= '2025-03-31' ORDER BY period DESC LIMIT 1").fetchone()[0]
    con.close()
    planned = q[0] + (q[1] - q[0]) * (JUNE - dt.date(2025, 3, 31)).days / (dt.date(2025, 6, 30) - dt.date(2025, 3, 31)).days
    assert p["spi"] == pytest.approx(p["annual_completed"] / planned)
    assert p["node_quarter"] == "2025Q1" and p["node_completion"] == pytest.approx(min(1.0, march / q[0]))


def test_a_day_between_reporting_dates_is_computed_not_refused(db):
    day = dt.date(2025, 6, 27)
    assert alxa_lib.project_status(day, db).equals(status_table(sources.year(db, YEAR), day))
    con = duckdb.connect(str(db), read_only=True)
    with pytest.raises(duckdb.Error, match="not a reporting date"):
        con.sql("SELECT * FROM project_status('2025-06-27')").fetchall()
    with pytest.raises(duckdb.Error, match="no figures are stored for 2031"):
        con.sql("SELECT * FROM plan_on('2031-01-01')").fetchall()
    con.close()


def test_plan_on_is_the_plan_in_force(db):
    con = duckdb.connect(str(db), read_only=True)
    adjusted = {d for (d,) in con.execute("SELECT approval_date FROM reg_adjustments").fetchall()}
    assert adjusted, "the sample year has approved adjustments"
    days = sorted({dt.date(2025, 1, 1), dt.date(2025, 12, 31), *adjusted,
                   *(d - dt.timedelta(days=1) for d in adjusted)})
    for day in days:
        mine = con.sql(f"SELECT * EXCLUDE (township) FROM plan_on('{day}')").df()
        lib = queries.plan_in_force(con, day)
        assert list(mine.columns) == list(lib.columns)
        pd.testing.assert_frame_equal(mine, lib, check_dtype=False)
    con.close()


def test_latest_findings_are_the_return_lists_findings_with_articles(db):
    con = duckdb.connect(str(db), read_only=True)
    view = con.sql("SELECT * FROM latest_findings").df()
    assert len(view) > 0
    for day in cal.periods(YEAR):
        lib = latest_only(period_findings(con, day), con)
        mine = view[view["period"].dt.date == day]
        key = ["rule", "department", "project_id", "cell"]
        assert sorted(map(tuple, mine[key].astype(str).values)) == sorted(map(tuple, lib[key].astype(str).values)), day
    assert (view["article"] == view["rule"].map(lambda r: RULES[r].article)).all()
    con.close()


def test_the_surface_from_a_plain_duckdb_without_the_library(db):
    code = f"""
import sys, duckdb
con = duckdb.connect({str(db)!r}, read_only=True)
out = [con.execute(q).fetchone()[0] for q in (
    "SELECT count(*) FROM latest_report_rows WHERE department = '交通运输局'",
    "SELECT count(*) FROM latest_findings WHERE severity = 'error'",
    "SELECT count(*) FROM plan_on('2025-06-28') WHERE class = 'KC'",
    "SELECT count(*) FROM project_status('2025-06-28') WHERE light = 'red'")]
assert not any(m.startswith('alxa_lib') for m in sys.modules)
print(out)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert run.returncode == 0, run.stderr
    counts = json.loads(run.stdout)
    data = sources.year(db, YEAR)
    m = metrics(data, JUNE)
    assert counts[2] == m["commencement"]["total"] and counts[3] == m["lights"]["red"]
    assert counts[0] > 0 and counts[1] > 0


def test_latest_report_rows_keep_the_latest_live_version_and_stay_current(own_db, sample_dir, tmp_path, capsys):
    """A correction is ingested (`alxa ingest`) and the ledger asked again; then it is withdrawn."""
    db = str(own_db)

    def ask():
        con = duckdb.connect(db, read_only=True)
        try:
            rows = con.sql("SELECT * FROM latest_report_rows WHERE period = '2025-06-28' AND department = '住建局' "
                          "ORDER BY project_id").df()
            status = con.sql("SELECT * FROM project_status('2025-06-28')").df().set_index("project_id")
            dup = con.execute("SELECT count(*) FROM (SELECT period, project_id FROM latest_report_rows "
                          "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
        finally:
            con.close()
        assert dup == 0 and rows["version"].nunique() == 1
        return rows.set_index("project_id"), status

    rows, status = ask()
    assert set(rows["version"]) == {1}
    fixed = _new_version_of(sample_dir, tmp_path)
    assert cli.main(["ingest", str(fixed), "--db", db, "--json"]) == 0
    capsys.readouterr()
    rows2, status2 = ask()
    assert set(rows2["version"]) == {2}
    changed = (rows2["annual_completed"] - rows["annual_completed"]).round(2).fillna(0)
    (pid,) = changed[changed != 0].index
    assert changed[pid] == 1000 and status2.loc[pid, "annual_completed"] == status.loc[pid, "annual_completed"] + 1000
    assert status2.loc[pid, "version"] == 2
    sha = hashlib.sha256(fixed.read_bytes()).hexdigest()
    assert cli.main(["withdraw", sha, "--db", db, "--json"]) == 0
    capsys.readouterr()
    rows3, status3 = ask()
    pd.testing.assert_frame_equal(rows3, rows)
    pd.testing.assert_frame_equal(status3, status)


def test_stored_figures_are_never_answered_stale(own_db, sample_dir, tmp_path):
    """Files stored behind the library's back (no refresh): SQL refuses, Python computes the right answer."""
    fixed = _new_version_of(sample_dir, tmp_path)
    (o,) = ingest([fixed], own_db, progress=False)
    assert o.status == "new_version"
    con = duckdb.connect(str(own_db), read_only=True)
    for q in ("SELECT * FROM project_status('2025-06-28')", "SELECT * FROM plan_on('2025-06-28')",
              "SELECT * FROM latest_findings WHERE period = '2025-06-28'",
              "SELECT * FROM latest_findings WHERE department = '住建局'",  # never an answer short of a period
              "SELECT * FROM latest_findings WHERE period = '2025-05-28'"):
        with pytest.raises(duckdb.Error, match="alxa validate"):
            con.sql(q).fetchall()
    con.close()
    st = alxa_lib.project_status(JUNE, own_db)
    assert st.equals(status_table(sources.year(own_db, YEAR), JUNE))
    assert cli.main(["validate", "--year", "2025", "--db", str(own_db), "--json"]) in (0, 1)  # the later periods too
    con = duckdb.connect(str(own_db), read_only=True)
    assert normalised(con.sql("SELECT * FROM project_status('2025-06-28')").df()).equals(st)
    mine = con.sql("SELECT rule, cell FROM latest_findings WHERE period = '2025-06-28' AND department = '住建局'").df()
    lib = latest_only(period_findings(con, JUNE), con)
    lib = lib[lib["department"] == "住建局"]
    assert sorted(map(tuple, mine.astype(str).values)) == sorted(map(tuple, lib[["rule", "cell"]].astype(str).values))
    con.close()


def test_open_ledger_is_read_only_short_lived_and_honours_alxa_db(db, monkeypatch):
    assert {"open_ledger", "project_status"} <= set(alxa_lib.__all__)
    assert "Example" in alxa_lib.open_ledger.__doc__ and "Example" in alxa_lib.project_status.__doc__
    monkeypatch.setenv("ALXA_DB", str(db))
    with alxa_lib.open_ledger() as con:
        assert con.execute("SELECT count(*) FROM latest_report_rows").fetchall()[0][0] > 0
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE scratch (x INTEGER)")
    duckdb.connect(str(db)).close()  # nothing holds the file once the block has ended
    assert len(alxa_lib.project_status("2025-06-28")) > 0  # ALXA_DB again


def test_importing_the_package_loads_nothing_else():
    code = "import sys, alxa_lib; print(sorted(m for m in sys.modules if m.startswith(('alxa_lib.', 'pandas', 'duckdb'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_alxa_ingest_builds_the_four_names_and_validate_stores_the_figures(tmp_path, capsys):
    """A ledger without a plan: the names exist after `alxa ingest`; no figures are stored until the plan is in."""
    from helpers import report_row, write_report
    report = write_report(tmp_path / "in" / "2025-06-28" / "住建局.xlsx", [report_row()])
    db = tmp_path / "l.duckdb"
    assert cli.main(["ingest", str(report), "--db", str(db), "--json"]) == 0
    con = duckdb.connect(str(db), read_only=True)
    names = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal UNION "
                                       "SELECT function_name FROM duckdb_functions() WHERE NOT internal").fetchall()}
    assert set(surface.PUBLIC_NAMES) <= names
    assert con.execute("SELECT count(*) FROM latest_report_rows").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error, match="run alxa validate --year 2025"):
        con.sql("SELECT * FROM project_status('2025-06-28')").fetchall()  # a first ingest: not computed yet
    con.close()
    # a year without its plan gives no figure at all (issue 23): validate refuses in one line, naming the plan
    assert cli.main(["validate", "--period", "2025-06-28", "--db", str(db), "--json"]) == 2
    assert "2025年计划未入库" in capsys.readouterr().err


def test_latest_report_rows_name_the_canonical_department_and_the_plans_project(db):
    from alxa_lib import params
    con = duckdb.connect(str(db), read_only=True)
    rows = con.sql("SELECT * FROM latest_report_rows").df()
    plan = con.sql("SELECT project_id, name FROM plan_rows").df().drop_duplicates("project_id").set_index("project_id")
    con.close()
    assert set(rows["department"]) <= set(params.load("ingest")["departments"])
    assert (rows["name"] == rows["project_id"].map(plan["name"])).all()
    typed = rows[rows["project_id"] == "2025-ZD-066"]  # matched by a name typed with the banner's prefix
    assert typed["reported_name"].str.startswith("阿左旗").any() and (typed["name"] == plan.loc["2025-ZD-066", "name"]).all()
    assert not rows.duplicated(["period", "project_id"]).any()


def _plan_steps_year(approvals: list[tuple[str, dt.date]]):
    from alxa_lib.figures.state import YearData
    base = [{"project_id": p, "name": p, "department": "住建局", "class": "KC", "location": "吉兰泰镇",
             "annual_planned": 100.0, "planned_start": dt.date(2025, 4, 1), "adjusted_in": False, "row_no": i}
            for i, p in enumerate(("A", "B", "C"))]
    pool = [{**base[0], "project_id": "N", "name": "N", "adjusted_in": True, "row_no": 9}]
    adj = pd.DataFrame([{"project_id": pid, "adj_type": kind, "indicator": "年度计划投资", "new_value": "250",
                         "replacement_id": "N", "approval_date": day} for kind, day, pid in approvals],
                       columns=["project_id", "adj_type", "indicator", "new_value", "replacement_id", "approval_date"])
    return YearData(2025, pd.DataFrame(base + pool), adj, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                    pd.DataFrame(), {}, pd.DataFrame())


_DAYS = hs.dates(dt.date(2024, 12, 1), dt.date(2026, 1, 31))


@given(hs.lists(hs.tuples(hs.sampled_from(["调出", "调入", "替换", "调整指标"]), _DAYS, hs.sampled_from(["A", "B", "N"])),
                max_size=4), hs.dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
def test_plan_steps_cover_the_year_once_and_give_the_plan_in_force(approvals, day):
    """Whatever adjustments are approved when, the stored steps behind plan_on(d) hold each day of the year
    exactly once, and the step holding ``day`` is the library's plan in force on ``day``."""
    from alxa_lib.figures.status import plan_steps
    data = _plan_steps_year(approvals)
    steps = plan_steps(data)
    bounds = steps.drop_duplicates(["valid_from", "valid_to"]).sort_values("valid_from")
    assert bounds["valid_from"].iloc[0] == dt.date(2025, 1, 1) and bounds["valid_to"].iloc[-1] == dt.date(2025, 12, 31)
    assert all(b == a + dt.timedelta(days=1) for a, b in zip(bounds["valid_to"], bounds["valid_from"].iloc[1:]))
    mine = steps[(steps["valid_from"] <= day) & (steps["valid_to"] >= day)].sort_values("position")
    expected = _plan_steps_year(approvals).plan_on(day)
    assert mine["project_id"].tolist() == expected["project_id"].tolist()
    assert mine["annual_planned"].tolist() == expected["annual_planned"].tolist()
