"""Figures (docs/measures.md §3): agreement with truth.json for every period, and hand-computed edges."""
from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from alxa_lib import periods as cal
from alxa_lib.figures.metrics import (commencement_rates, commencement_table, metrics, next_target, planned_to_date,
                                     time_progress)
from alxa_lib.figures.state import FIGURE_FRAMES, FIGURE_REPORT_COLUMNS, load_year, township_of


@pytest.fixture(scope="module")
def year(ledger_db):
    db, _ = ledger_db
    return load_year(duckdb.connect(str(db), read_only=True), 2025)


def test_metrics_agree_with_truth_for_every_period(year, truth):
    for due in cal.periods(2025):
        m = metrics(year, due)
        exp = truth["figures"][due.isoformat()]
        assert (m["commencement"]["started"], m["commencement"]["total"]) == (exp["started"], exp["total"]), due
        got = {d["department"]: (d["started"], d["total"]) for d in m["by_department"] if d["total"]}
        assert got == {k: (v["started"], v["total"]) for k, v in exp["by_department"].items()}, due
        assert m["investment"]["annual_completed"] == pytest.approx(round(sum(exp["annual_completed"].values()), 2)), due
        assert sum(m["lights"].values()) == exp["total"]
        assert m["submissions"]["due"] == m["submissions"]["on_time"] + m["submissions"]["late"] + m["submissions"]["missing"]


def test_commencement_rates_at_once_agree_with_each_day(year, truth):
    """The fan chart's series (one as-of join) equals the per-day figure and the truth at every period,
    and at days between periods, before the first and after the last."""
    days = cal.periods(2025) + [dt.date(2025, 1, 1), dt.date(2025, 7, 3), dt.date(2025, 12, 31)]
    got = commencement_rates(year, days[::-1] + days[:3])  # order and repeats do not matter
    assert list(got["date"]) == sorted(days)
    for _, r in got.iterrows():
        one = commencement_table(year, r["date"], None).iloc[0]
        assert (r["started"], r["total"], r["rate"]) == (one["started"], one["total"], one["rate"]), r["date"]
        exp = truth["figures"].get(r["date"].isoformat())
        if exp:
            assert (r["started"], r["total"]) == (exp["started"], exp["total"])
    assert got.iloc[0]["started"] == 0 < got.iloc[-1]["started"]  # 01-01: nothing started yet


def test_commencement_rates_without_projects(year):
    empty = year.plan_rows.iloc[:0]
    bare = type(year)(2025, empty, year.adjustments.iloc[:0], year.reports, year.versions, year.starts,
                      year.schedules, year.registers, year.findings)
    got = commencement_rates(bare, [dt.date(2025, 6, 28)])
    assert (got.loc[0, "started"], got.loc[0, "total"], got.loc[0, "rate"]) == (0, 0, None)


def test_commencement_rates_before_any_start_report(year):
    """January: no start report stored yet (the brief's fan chart failed with "Cannot cast DatetimeArray"); the
    reports alone decide, as in the per-day figure."""
    bare = type(year)(2025, year.plan_rows, year.adjustments, year.reports, year.versions, year.starts.iloc[:0],
                      year.schedules, year.registers, year.findings)
    days = [dt.date(2025, 1, 28), dt.date(2025, 6, 28)]
    got = commencement_rates(bare, days)
    assert list(got["started"]) == [commencement_table(bare, d, None).iloc[0]["started"] for d in days]


def test_a_days_figures_need_only_the_figure_frames(year, ledger_db):
    """``alxa metrics`` reads only FIGURE_FRAMES and FIGURE_REPORT_COLUMNS: the same JSON at every period
    and between periods; a frame left out fails loudly when used, never as an empty table."""
    db, _ = ledger_db
    con = duckdb.connect(str(db), read_only=True)
    lean = load_year(con, 2025, FIGURE_FRAMES, FIGURE_REPORT_COLUMNS)
    con.close()
    assert set(lean.reports.columns) == {"department", "period", "version", "received", *FIGURE_REPORT_COLUMNS}
    for day in cal.periods(2025) + [dt.date(2025, 7, 3), dt.date(2025, 12, 31)]:
        assert metrics(lean, day) == metrics(year, day), day
    with pytest.raises(RuntimeError, match="findings"):
        len(lean.findings)
    with pytest.raises(RuntimeError, match="promises"):
        lean.promises["project_id"]


def test_submissions_follow_the_sample_story(year, truth):
    late = {(d["department"], d["period"]) for d in truth["defects"] if d["rule"] == "LATE_REPORT"}
    missing = {(d["department"], d["period"]) for d in truth["defects"] if d["rule"] == "MISSING_REPORT"}
    assert len(late) >= 3 and len(missing) >= 1  # the story has late and missing reports: none is skipped
    for dept, period in late | missing:
        m = metrics(year, dt.date.fromisoformat(period))
        assert m["submissions"]["late" if (dept, period) in late else "missing"] >= 1


def _targets() -> list[tuple[str, float]]:
    from alxa_lib import params
    return [(t["date"], t["rate"]) for t in params.load("monitoring")["commencement_targets"]]


def test_edges_by_hand():
    (d1, r1), (d2, r2) = _targets()[:2]  # 06-30 70 %, 09-30 90 % (Art. 2; params/monitoring.yaml)
    assert (d1, d2) == ("06-30", "09-30")
    # 06-28: the next target is the first, on 06-30; ceil(r1 × 90) − 60 projects still needed
    assert next_target(dt.date(2025, 6, 28), 60, 90) == {"next_target": r1, "next_target_date": "2025-06-30",
                                                         "needed": math.ceil(round(r1 * 90, 9)) - 60}
    assert next_target(dt.date(2025, 6, 30), 70, 90)["next_target"] == r1  # on the target date itself
    assert next_target(dt.date(2025, 7, 1), 70, 90)["next_target"] == r2
    assert next_target(dt.date(2025, 7, 1), 70, 10)["needed"] == 0  # never negative
    assert next_target(dt.date(2025, 7, 1), 6, 10)["needed"] == math.ceil(round(r2 * 10, 9)) - 6  # no float drift
    assert next_target(dt.date(2025, 11, 14), 80, 90) == {"next_target": None, "next_target_date": None, "needed": 0}
    assert time_progress(dt.date(2025, 6, 28)) == 179 / 365


def test_the_targets_come_from_the_parameters(monkeypatch):
    """Another policy's targets change the next target and the projects still needed, with no code changed."""
    from tests.helpers import with_params
    with_params(monkeypatch, "monitoring", commencement_targets=[{"date": "07-15", "rate": 0.55}])
    assert next_target(dt.date(2025, 6, 28), 40, 90) == {"next_target": 0.55, "next_target_date": "2025-07-15",
                                                         "needed": 10}  # ceil(0.55 × 90) = 50
    assert next_target(dt.date(2025, 7, 16), 40, 90)["next_target"] is None


def test_planned_to_date_interpolates_by_day():
    nodes = pd.Series({"q1": 100.0, "q2": 400.0, "q3": 700.0, "q4": 1000.0})
    assert planned_to_date(nodes, dt.date(2025, 6, 28)) == pytest.approx(100 + 300 * 89 / 91)
    assert planned_to_date(nodes, dt.date(2025, 3, 31)) == 100
    assert planned_to_date(nodes, dt.date(2025, 1, 31)) == pytest.approx(100 * 31 / 90)


def test_township_from_location():
    assert township_of("阿拉善左旗巴彦浩特镇南环路") == "巴彦浩特镇"
    assert township_of("内蒙古阿拉善") == "其他"
    assert township_of(None) == "其他"


def test_cli_metrics_json_contract(ledger_db, truth):
    db, _ = ledger_db
    out = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "metrics", "--as-of", "2025-06-28", "--db", str(db),
                          "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    m = json.loads(out.stdout)
    assert set(m) == {"as_of", "commencement", "by_department", "investment", "lights", "submissions"}
    assert set(m["commencement"]) == {"started", "total", "rate", "next_target", "next_target_date", "needed"}
    assert set(m["by_department"][0]) == {"department", "started", "total", "rate"}
    assert set(m["investment"]) == {"annual_completed", "annual_planned", "rate", "time_progress"}
    assert set(m["lights"]) == {"red", "yellow", "green"}
    assert set(m["submissions"]) == {"due", "on_time", "late", "missing"}
    exp = truth["figures"]["2025-06-28"]
    assert m["commencement"]["rate"] == pytest.approx(exp["started"] / exp["total"])
