"""Integrity signals and the inspection list (docs/measures.md §12), on hand-built histories whose every
signal is worked out by hand, and on the sample year (--habits)."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alxa_lib import params
from alxa_lib.figures.inspection import average_precision
from alxa_lib.figures.integrity import SIGNAL_COLUMNS, signals

D = dt.date
Q2 = [D(2025, m, d) for m in (4, 5, 6) for d in (14, 28)]


def row(pid, period, annual, pct, text, status="已开工", version=1, received=None, dept="住建局", cumulative=None):
    return {"department": dept, "period": period, "version": version, "received": received or period,
            "file_id": 1, "project_id": pid, "status": status, "annual_completed": annual,
            "cumulative_completed": annual if cumulative is None else cumulative, "progress_pct": pct,
            "progress_text": text}


def plan(*pids, annual=1000.0, sector="城镇化建设"):
    return pd.DataFrame([{"project_id": p, "name": p, "department": "住建局", "class": "KC", "annual_planned": annual,
                          "sector": sector} for p in pids])


def honest(pid, periods=Q2, start=100.0, step=60.0, dept="住建局"):
    """Investment rising by ``step`` 万元 a period, 形象进度 following its share of a 1,000 万元 plan."""
    out = []
    for k, p in enumerate(periods):
        annual = start + step * k
        pct = int(5 + annual / 1000 * 90)
        out.append(row(pid, p, annual, pct, f"完成主体工程{pct}%，正在进行主体施工", dept=dept))
    return out


def of(sig, code):
    return sig[sig["signal"] == code]


def test_honest_projects_raise_no_signal():
    h = pd.DataFrame(honest("A") + honest("B", step=55.0) + honest("C", step=70.0))
    assert signals(h, plan("A", "B", "C")).empty


def test_copied_figures_are_flagged_in_the_period_that_repeats_the_last_one():
    rows = honest("A")
    rows[3] = {**rows[2], "period": Q2[3]}  # 05-28 repeats 05-14: investment, 形象进度 and text
    sig = signals(pd.DataFrame(rows), plan("A"))
    copied = of(sig, "copied")
    assert copied["period"].tolist() == [Q2[3]]
    assert "220" in copied["evidence"].iloc[0] and "连续2期" in copied["reason"].iloc[0]


def test_unchanged_figures_of_a_stopped_project_or_in_winter_are_not_copying():
    rows = honest("A")
    rows[3] = {**rows[2], "period": Q2[3], "status": "停工"}
    assert of(signals(pd.DataFrame(rows), plan("A")), "copied").empty
    winter = [D(2025, 11, 14), D(2025, 11, 28)]
    w = [row("W", p, 900.0, 86, "冬季停工前完成主体工程86%", status="已开工") for p in winter]
    assert of(signals(pd.DataFrame(w), plan("W")), "copied").empty


def test_quarter_end_booking_against_the_banners_median():
    # B books 450 of its quarter's 500 万元 (03-28: 100 → 06-28: 600) in the last period: share 0.90; the three
    # honest projects book one sixth each (median 1/6), so the threshold is max(0.6, 1/6 + 0.3) = 0.6
    periods = [D(2025, 3, 28)] + Q2
    booked = [100, 110, 120, 130, 140, 150, 600]
    rows = [row("B", p, float(a), int(5 + a / 1000 * 90), f"完成主体工程{int(5 + a / 1000 * 90)}%，主体施工")
            for p, a in zip(periods, booked)]
    for pid in ("H1", "H2", "H3"):
        rows += honest(pid, periods, start=100.0, step=50.0)
    sig = of(signals(pd.DataFrame(rows), plan("B", "H1", "H2", "H3")), "quarter_end")
    assert sig["project_id"].tolist() == ["B"] and sig["period"].tolist() == [D(2025, 6, 28)]
    assert "90%" in sig["reason"].iloc[0] and "新增450万元" in sig["evidence"].iloc[0]


def test_impossible_pace_and_progress_apart_from_investment():
    rows = honest("A")
    rows[4] = {**rows[4], "progress_pct": 70, "progress_text": "完成主体工程70%"}  # 05-28 30% (280 万元) → 06-14 70%: +40 > 30
    sig = signals(pd.DataFrame(rows), plan("A"))
    jump = of(sig, "pace_jump")
    assert jump["period"].tolist() == [Q2[4]] and "增长40个百分点" in jump["reason"].iloc[0]
    gap = of(sig, "pace_gap")  # 70 % against 340/1000 = 34 %: 36 points apart (> 20)
    assert gap["period"].tolist() == [Q2[4]] and "34%" in gap["reason"].iloc[0]


def test_progress_apart_from_investment_stays_flagged_near_100_percent():
    # 形象进度 36 points ahead opens the signal; at 99 % against 84 % (15 apart, under 20 but over the 10 of
    # keep_gap) it stays; an honest project 15 points apart without an opening is never flagged
    rows = [row("A", Q2[0], 500.0, 86, "完成主体工程86%"), row("A", Q2[1], 840.0, 99, "完成主体工程99%"),
            row("A", Q2[2], 950.0, 99, "完成主体工程99%，收尾"),
            row("B", Q2[0], 500.0, 65, "完成主体工程65%"), row("B", Q2[1], 600.0, 75, "完成主体工程75%")]
    gap = of(signals(pd.DataFrame(rows), plan("A", "B")), "pace_gap")
    assert list(zip(gap["project_id"], gap["period"])) == [("A", Q2[0]), ("A", Q2[1])]


def test_a_resubmission_after_the_brief_that_lowers_a_figure_is_a_retro_edit():
    rows = honest("A")
    v2 = {**rows[2], "version": 2, "received": Q2[2] + dt.timedelta(days=3), "annual_completed": 150.0,
          "cumulative_completed": 150.0}
    sig = of(signals(pd.DataFrame(rows + [v2]), plan("A")), "retro_edit")
    assert set(sig["period"]) == {Q2[2]}
    assert any("由220万元改为150万元" in e for e in sig["evidence"])
    # the same correction sent before the due date (before any brief) is no signal
    early = {**v2, "received": Q2[2] - dt.timedelta(days=1)}
    assert of(signals(pd.DataFrame(rows + [early]), plan("A")), "retro_edit").empty


def test_round_increments_three_times_in_a_row():
    annual = [100.0, 200.0, 400.0, 700.0]  # increments 100, 200, 300: multiples of 100, three in a row
    rows = [row("R", p, a, int(5 + a / 1000 * 90), f"完成主体工程{int(5 + a / 1000 * 90)}%，主体施工")
            for p, a in zip(Q2, annual)]
    sig = of(signals(pd.DataFrame(rows), plan("R")), "round_numbers")
    assert sig["period"].tolist() == [Q2[3]]


def test_identical_text_across_projects_with_different_progress():
    text = "项目主体结构施工中，正在进行二次结构砌筑"
    rows = [row("A", Q2[0], 200.0, 20, text), row("B", Q2[0], 500.0, 50, text), row("C", Q2[0], 210.0, 21, text)]
    sig = of(signals(pd.DataFrame(rows), plan("A", "B", "C")), "identical_text")
    assert sorted(sig["project_id"]) == ["A", "B", "C"]
    same = [row("A", Q2[0], 200.0, 20, text), row("C", Q2[0], 210.0, 21, text)]  # 1 point apart: formula, not copying
    assert of(signals(pd.DataFrame(same), plan("A", "C")), "identical_text").empty


def test_every_threshold_lives_in_params(monkeypatch):
    """The signals read their thresholds from params/integrity.yaml: a changed number changes what is raised."""
    from tests.helpers import with_params
    rows = honest("A")
    rows[3] = {**rows[2], "period": Q2[3]}  # one repeat: two identical reports in a row
    assert of(signals(pd.DataFrame(rows), plan("A")), "copied")["period"].tolist() == [Q2[3]]
    cfg = params.load("integrity")
    with_params(monkeypatch, "integrity", signals={**cfg["signals"], "copied": {"periods": 3}})
    assert of(signals(pd.DataFrame(rows), plan("A")), "copied").empty  # three identical reports now needed


@settings(max_examples=25)
@given(st.randoms(use_true_random=False))
def test_signals_do_not_depend_on_the_order_of_the_rows(rnd):
    rows = honest("A") + honest("B", step=200.0)
    rows[3] = {**rows[2], "period": Q2[3]}
    rows.append({**rows[1], "version": 2, "received": Q2[1] + dt.timedelta(days=5), "annual_completed": 90.0})
    base = signals(pd.DataFrame(rows), plan("A", "B"))
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    again = signals(pd.DataFrame(shuffled), plan("A", "B"))
    pd.testing.assert_frame_equal(base.reset_index(drop=True), again.reset_index(drop=True))
    assert list(base.columns) == SIGNAL_COLUMNS


def test_average_precision_by_hand():
    # relevant at ranks 1 and 3: (1/1 + 2/3) / 2
    assert average_precision(["a", "x", "b", "y"], {"a", "b"}) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(["x", "y"], {"a"}) == 0.0


def test_habits_are_planted_only_on_request_and_recorded(tmp_path, truth):
    from alxa_lib.sample.truth import sample_year
    planted = sample_year(2025, 7, habits=True)
    assert "habits" not in truth  # the session's sample year (seed 7, written without --habits) has none
    assert set(planted.habits["departments"].values()) == {"copier", "booker", "inflater"}
    # the rest of the year is drawn as without habits: the same files with the same receipt dates and versions
    plain = sorted((f["department"], f["period"], f["version"], f["received"]) for f in truth["files"].values()
                   if f.get("kind") == "report")
    assert sorted((r.department, r.period.isoformat(), r.version, r.received.isoformat())
                  for r in planted.reports) == plain
    copier = next(d for d, h in planted.habits["departments"].items() if h == "copier")
    pid, periods = next(iter(planted.habits["planted"]["copier"].items()))
    rows = {rf.period: r for rf in planted.reports if rf.department == copier and rf.version == 1
            for r in rf.rows if r.get("project_id") == pid}
    first = dt.date.fromisoformat(periods[0])
    before = max(p for p in rows if p < first)
    assert rows[first]["annual_completed"] == rows[before]["annual_completed"]
    assert rows[first]["progress_text"] == rows[before]["progress_text"]
    # its inspection records: what the truth says contradicts the report is what the rule finds in the files
    from alxa_lib.checks.inspection_rules import mismatches
    from alxa_lib.sample.habits import write_inspections
    from alxa_lib.workbooks.inspection_form import read_form
    from alxa_lib.workbooks.opening import load_rows
    inspections = write_inspections(planted, tmp_path)
    assert any(i["mismatch"] for i in inspections) and any(not i["mismatch"] for i in inspections)
    reported = {r["project_id"]: {**r, "department": rf.department, "period": rf.period}
                for rf in planted.reports if rf.period == D(2025, 9, 28) and rf.version == 1 for r in rf.rows
                if r.get("project_id")}
    for i in inspections:
        _, records, problems = read_form(load_rows(tmp_path / i["file"])[0])
        assert problems == [] and bool(mismatches(pd.DataFrame(records), reported)) == i["mismatch"], i


def test_inspect_plan_json_contract_on_the_sample_year(ledger_db):
    db, _ = ledger_db
    out = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "inspect", "plan", "--period", "2025-09-28",
                          "--n", "5", "--json", "--db", str(db)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["period"] == "2025-09-28" and len(got["projects"]) == 5
    assert set(got["projects"][0]) >= {"project_id", "name", "department", "risk", "reasons", "signals"}
    risks = [p["risk"] for p in got["projects"]]
    assert risks == sorted(risks, reverse=True)
    # the sample's three stalled projects report unchanged figures while under construction: copied, listed first
    assert got["projects"][0]["signals"] and got["projects"][0]["signals"][0]["signal"] == "copied"
    bad = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "inspect", "plan", "--period", "2025-09-30",
                          "--db", str(db)], capture_output=True, text=True)
    assert bad.returncode == 2 and "2025-09-28" in bad.stderr and "Traceback" not in bad.stderr


def test_a_filled_record_form_reads_back_and_a_mismatch_is_an_error_finding(tmp_path):
    from alxa_lib.checks.inspection_rules import mismatches
    from alxa_lib.workbooks.inspection_form import is_form, read_form, write_form
    from alxa_lib.workbooks.opening import load_rows
    path = write_form(tmp_path / "记录表.xlsx", {
        "project_id": "2025-ZD-009", "name": "测试项目", "department": "交通运输局", "status": "已开工",
        "progress_pct": 80, "annual_completed": 600.0, "seen_started": "是", "seen_progress_pct": 45,
        "seen_investment": "450", "workers": 12, "photos": "是", "inspector": "王海",
        "inspected_on": D(2025, 10, 10)}, "发改委", D(2025, 9, 28))
    sheets, _ = load_rows(path)
    assert is_form(sheets)
    sheet, records, problems = read_form(sheets)
    assert problems == [] and len(records) == 1
    r = records[0]
    assert (r["project_id"], r["seen_started"], r["seen_progress_pct"], r["seen_investment"], r["inspected_on"]) == \
        ("2025-ZD-009", True, 45, 450.0, D(2025, 10, 10))
    reported = {"2025-ZD-009": {"status": "已开工", "progress_pct": 80, "annual_completed": 600.0,
                                "department": "交通运输局", "period": D(2025, 9, 28)}}
    found = mismatches(pd.DataFrame(records), reported)
    # 80 − 45 = 35 > 15 points; 600 − 450 = 150 > 20 % of 450 = 90
    assert [f["rule"] for f in found] == ["INSPECTION_MISMATCH"] and found[0]["severity"] == "error"
    assert "形象进度80%，现场核实45%" in found[0]["message"] and "450万元" in found[0]["message"]
    honest = {"2025-ZD-009": {**reported["2025-ZD-009"], "progress_pct": 55, "annual_completed": 500.0}}
    assert mismatches(pd.DataFrame(records), honest) == []  # 10 points, 11 %: within the tolerances
    not_started = pd.DataFrame([{**r, "seen_started": False, "seen_progress_pct": None, "seen_investment": None}])
    assert "现场未开工" in mismatches(not_started, reported)[0]["message"]


def test_inspection_records_round_trip_into_the_reporting_score(ledger_db, tmp_path):
    """The list's pre-filled form, filled in as the inspectors would, ingested: a project reported as 90 % done
    where the site shows 40 % is INSPECTION_MISMATCH in that period, and its 信息上报 for the period drops to 0.5."""
    import shutil

    from openpyxl import load_workbook

    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_period
    from alxa_lib.figures.scoring import score_json
    from alxa_lib.ledger.ingest import ingest
    from alxa_lib.reports.running.sources import year_with_findings
    db, _ = ledger_db
    mine = tmp_path / "l" / "alxa.duckdb"
    shutil.copytree(db.parent, mine.parent)
    cli = [sys.executable, "-m", "alxa_lib.cli"]
    out = subprocess.run(cli + ["inspect", "plan", "--period", "2025-09-28", "--n", "3", "--db", str(mine),
                                "--out", str(tmp_path / "督查"), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)["projects"]
    # the 督查通知 the Commission signs, with the list as its 附件 (docx and PDF)
    from docx import Document
    notice = Document(str(tmp_path / "督查" / "督查通知.docx"))
    text = "\n".join(p.text for p in notice.paragraphs)
    cells = {c.text for t in notice.tables for row in t.rows for c in row.cells}
    assert "关于开展重点建设项目实地督查的通知" in text and "督查项目3个" in text
    # one 附件: no number on it anywhere (GB/T 9704 7.3.4), and the text refers to it as 附件
    assert "附件：实地督查项目名单" in text and "名单见附件）" in text and "附件1" not in text
    assert any(p.text == "附件" and p.style.name == "附件标识" for p in notice.paragraphs)
    assert {p["project_id"] for p in listed} <= cells and (tmp_path / "督查" / "督查通知.pdf").stat().st_size > 1000
    data, findings_of = year_with_findings(mine, 2025)
    before = {d["department"]: d for d in score_json(data, 3, findings_of)["departments"]}
    state = data.reports[(data.reports["period"] == D(2025, 9, 28))].set_index("project_id")
    target = next(p for p in listed if state.loc[p["project_id"], "status"] in ("已开工", "已复工")
                  and (state.loc[p["project_id"], "progress_pct"] or 0) > 30)
    form = tmp_path / "督查" / "记录表" / f"{target['project_id']}.xlsx"
    wb = load_workbook(form)
    ws = wb.active
    headers = {ws.cell(r, c).value: c for r in (3, 4) for c in range(1, ws.max_column + 1) if ws.cell(r, c).value}
    seen = state.loc[target["project_id"], "progress_pct"] - 30  # 30 points below the report: beyond 15
    for header, value in (("现场是否开工（是/否）", "是"), ("现场形象进度（%）", seen), ("督查人员", "王海"),
                          ("督查日期", dt.datetime(2025, 10, 9))):
        ws.cell(5, headers[header]).value = value
    wb.save(form)
    outcomes = ingest([form], mine, progress=False)
    assert [o.kind for o in outcomes] == ["inspection"] and outcomes[0].status in ("ingested", "new_version")
    con = ledger.connect(mine)
    found = validate_period(con, D(2025, 9, 28))
    ledger.store_findings(con, D(2025, 9, 28), found)  # as alxa validate does
    con.close()
    hit = found[found["rule"] == "INSPECTION_MISMATCH"]
    assert hit["project_id"].tolist() == [target["project_id"]] and (hit["severity"] == "error").all()
    assert "现场核实" in hit["message"].iloc[0] and "王海" in hit["message"].iloc[0]
    data, findings_of = year_with_findings(mine, 2025)
    after = {d["department"]: d for d in score_json(data, 3, findings_of)["departments"]}
    dept = target["department"]
    assert after[dept]["components"]["reporting"] < before[dept]["components"]["reporting"]
    assert all(after[d]["score"] == before[d]["score"] for d in before if d != dept)  # nobody else moves
    # the brief of that period, the quarter's evaluation and the month's meeting pack say what was found
    from alxa_lib.reports.content.brief import build_brief
    from alxa_lib.reports.content.evaluation import quarter_report
    from alxa_lib.reports.content.meeting import meeting_pack
    said = f"实地督查项目1个，其中1个项目报送的数据与现场不符（{target['name']}）"
    assert build_brief(data, D(2025, 9, 28), findings_of(D(2025, 9, 28))).inspection.startswith(said)
    assert said in quarter_report(data, 3, findings_of).text
    assert meeting_pack(data, 2025, 9).inspection.startswith(said)
    assert build_brief(data, D(2025, 9, 14), findings_of(D(2025, 9, 14))).inspection == ""  # none checked that period


def test_a_recent_inspection_halves_the_risk_when_the_site_agreed_and_raises_it_when_not(ledger_db):
    from alxa_lib.figures.inspection import inspection_plan
    from alxa_lib.reports.running.sources import year
    db, _ = ledger_db
    data = year(db, 2025)
    day = D(2025, 9, 28)
    base = inspection_plan(data, pd.DataFrame(columns=SIGNAL_COLUMNS), day).set_index("project_id")
    a, b = base.index[:2]
    rec = lambda pid, said, seen: {"project_id": pid, "status": "已开工", "progress_pct": said,  # noqa: E731
                                   "annual_completed": None, "seen_started": True, "seen_progress_pct": seen,
                                   "seen_investment": None, "inspector": "王海", "inspected_on": D(2025, 9, 20)}
    records = pd.DataFrame([rec(a, 50, 45), rec(b, 60, 30)])  # a: 5 points (agrees); b: 30 points (does not)
    got = inspection_plan(data, pd.DataFrame(columns=SIGNAL_COLUMNS), day, records=records).set_index("project_id")
    mismatch = params.load("integrity")["risk"]["mismatch"]
    assert got.loc[a, "risk"] == pytest.approx(round(base.loc[a, "risk"] * 0.5, 2), abs=0.011)
    assert got.loc[b, "risk"] == pytest.approx(base.loc[b, "risk"] + mismatch, abs=0.011)
    assert any("与报送相符" in x for x in got.loc[a, "reasons"]) and any("不符" in x for x in got.loc[b, "reasons"])
    later = inspection_plan(data, pd.DataFrame(columns=SIGNAL_COLUMNS), D(2025, 12, 28), records=records)
    assert not any("督查" in x for xs in later["reasons"] for x in xs)  # more than 90 days ago: forgotten
