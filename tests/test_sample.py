"""The sample year: deterministic, readable by both engines, and truth.json agrees with its cells."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from alxa_lib import cli
from alxa_lib.errors import BadParameter
from alxa_lib.rules import RULES, TOOLKIT_CODES
from alxa_lib.sample import check_scale
from alxa_lib.sample.truth import oracle_figures, sample_year
from alxa_lib.vocab import REPORT_FIELDS
from alxa_lib.workbooks.reader import read_workbook


def test_another_seed_tells_another_year():
    """Seed 12 tells another year than seed 7: other projects, amounts and dates, for the same departments.
    (What is written is a function of the year told: the same seed written again gives the same files byte
    for byte, tests/test_ledger_order.py, test_the_sample_is_the_same_bytes_for_one_seed.)"""
    mine, theirs = sample_year(2025, 7), sample_year(2025, 12)
    assert {p.department for p in mine.projects} == {p.department for p in theirs.projects}
    told = [(p.name, p.total, p.annual, p.years) for p in mine.projects]
    assert told != [(p.name, p.total, p.annual, p.years) for p in theirs.projects]


def test_every_workbook_opens_with_both_engines(sample_dir, truth):
    rejected = {r["file"] for r in truth["rejected"] if r["reason"] == "corrupt"}
    files = sorted(sample_dir.rglob("*.xls*"))
    assert len(files) > 550
    for p in files:
        rel = p.relative_to(sample_dir).as_posix()
        if rel in rejected:
            continue
        assert CalamineWorkbook.from_path(str(p)).sheet_names
        if p.suffix != ".xls":  # openpyxl reads OOXML only; .xls goes through calamine
            assert openpyxl.load_workbook(p, read_only=True).sheetnames


def test_scale_and_story(truth):
    kc = [p for p in truth["projects"].values() if p["class"] == "KC" and not p["adjusted_in"]]
    mp = [p for p in truth["projects"].values() if p["class"] == "MP"]
    assert 80 <= len(kc) <= 100 and 25 <= len(mp) <= 35
    assert len({p["department"] for p in truth["projects"].values()}) >= 20
    june = truth["figures"]["2025-06-28"]
    assert 0.68 <= june["started"] / june["total"] <= 0.80  # passes 70 % around the end of June
    jan = truth["figures"]["2025-01-28"]
    assert jan["started"] == 0  # nothing starts in winter
    lagging = [d for d in truth["story"]["lagging_departments"]
               if june["by_department"][d]["started"] / june["by_department"][d]["total"] < 0.7]
    assert len(lagging) >= 2
    assert len(truth["story"]["never_started"]) >= 2 and truth["story"]["stopped"] and truth["story"]["stalled"]


def test_every_rule_code_is_injected(truth):
    injected = {d["rule"] for d in truth["defects"]}
    from alxa_lib.sample.defects import HABITS_ONLY
    domain_codes = {c for c in RULES if c not in TOOLKIT_CODES | HABITS_ONLY}  # (those: test_integrity.py)
    assert domain_codes <= injected, domain_codes - injected
    reasons = {r["reason"] for r in truth["rejected"]}
    assert {"corrupt", "no_table", "unknown_department", "no_period"} <= reasons


def test_truth_values_match_the_cells(sample_dir, truth):
    """Every value truth.json records per project and file reads back exactly."""
    checked = 0
    for rel, info in truth["files"].items():
        res = read_workbook(sample_dir / rel)
        assert res.department == info["department"] and res.period.isoformat() == info["period"]
        got = {r["project_id"]: r for r in res.frames["report_rows"].to_dict("records") if r["project_id"]}
        for pid, exp in info["rows"].items():
            if pid not in got:  # rows written without 项目编号 are matched by name at ingest
                continue
            for k in ("status", "start_date", "expected_start", "annual_completed", "cumulative_completed"):
                v = got[pid][k]
                v = v.isoformat() if isinstance(v, dt.date) else v
                assert v == exp[k], (rel, pid, k, v, exp[k])
                checked += 1
    assert checked > 5000


def test_defect_cells_point_at_the_right_column(sample_dir, truth):
    """Each defect's A1 cell lies in the column of its field (header checked in the file itself)."""
    import re
    checked = 0
    for d in truth["defects"]:
        if not d["cell"] or not d["file"].startswith("reports/") or d["field"] not in REPORT_FIELDS:
            continue
        checked += 1
        wb = CalamineWorkbook.from_path(str(sample_dir / d["file"]))
        rows = wb.get_sheet_by_name(d["sheet"]).to_python(skip_empty_area=False)
        col = re.match(r"[A-Z]+", d["cell"]).group(0)
        ci = 0
        for ch in col:
            ci = ci * 26 + ord(ch) - 64
        headers = " ".join(str(r[ci - 1]) for r in rows[:6] if len(r) >= ci)
        names = [n.replace("（", "(").replace("）", ")") for n in REPORT_FIELDS[d["field"]]]
        norm = headers.replace("（", "(").replace("）", ")").replace("\n", "").replace(" ", "")
        assert any(n.replace("(万元)", "").replace("(%)", "") in norm for n in names), (d, headers)
    assert checked >= 10  # most cell defects are checked, not skipped


def test_defect_registry_mirrors_the_rule_registry():
    """Every rule code but the toolkit's own (EXTRA_COLUMN…) is injected, by the registry or in one named other place."""
    from alxa_lib.sample.defects import DEFECTS, INJECTED_ELSEWHERE
    assert not set(DEFECTS) & set(INJECTED_ELSEWHERE)
    assert set(DEFECTS) | set(INJECTED_ELSEWHERE) == {c for c in RULES if c not in TOOLKIT_CODES}


# ---------------------------------------------------------------- alxa sample --scale K (docs/architecture.md §9)
@pytest.fixture(scope="module")
def year_x2():
    """The seed-7 year at scale 2, built in memory (writing it is what bench/scale.py times)."""
    return sample_year(2025, 7, scale=2)


def _defect_count(s) -> int:
    return len(s.defects) + sum(len(f.defects) for f in s.reports)


def test_scale_1_is_the_default_year(truth):
    """Scale 1 is the year every other test uses: the same plan, story and true figures, no scale key."""
    s = sample_year(2025, 7, scale=1)
    assert {p.pid for p in s.projects} == set(truth["projects"])
    assert json.loads(json.dumps(oracle_figures(s), default=str)) == truth["figures"]
    assert "scale" not in truth and "params_dir" not in truth


def test_scale_2_doubles_projects_reports_and_defects(year_x2, truth):
    s = year_x2
    assert len(s.projects) == 2 * len(truth["projects"])
    assert len({p.pid for p in s.projects}) == len(s.projects)
    assert len({p.name for p in s.projects}) == len(s.projects)
    names = s.banner.names
    assert len(names) == len(set(names)) == 2 * len(truth["promise_behaviour"])
    assert {p.department for p in s.projects} == set(names)
    assert len(s.reports) == 2 * len(truth["files"])  # one workbook per department and period, ×2
    k1_rate = len(truth["defects"]) / len(truth["files"])
    assert _defect_count(s) / len(s.reports) == pytest.approx(k1_rate, rel=0.25)
    def rules_in(copy: int) -> Counter:  # every defect of the real departments again in the new ones
        return Counter(d["rule"] for f in s.reports if s.banner.copy[f.department] == copy for d in f.defects)
    assert rules_in(1) == rules_in(0) and len(rules_in(0)) >= 20
    june = oracle_figures(s)["2025-06-28"]  # the story keeps its shape: about 70 % started at the end of June
    assert 0.65 <= june["started"] / june["total"] <= 0.82
    assert len(s.banner.lagging) == 2 * len(truth["story"]["lagging_departments"])


def test_every_copy_s_investment_decrease_is_a_decrease(year_x2):
    """The injected INVESTMENT_DECREASED of each copy lies below the same project's previous report."""
    s, seen = year_x2, 0
    for rf in s.reports:
        for d in rf.defects:
            if d["rule"] == "INVESTMENT_DECREASED":
                before = s.report(rf.department, s.periods[s.periods.index(rf.period) - 1])
                was = next(x["annual_completed"] for x in before.rows if x["project_id"] == d["project_id"])
                now = next(x["annual_completed"] for x in rf.rows if x["project_id"] == d["project_id"])
                assert now < was, (rf.department, d)
                seen += 1
    assert seen == 2


def test_new_departments_are_known_to_the_written_params(year_x2, tmp_path, monkeypatch):
    """Ingest resolves every new department (file name and 填报单位) through the sample's own params, and
    none of them is a real department's spelling."""
    from alxa_lib import params
    from alxa_lib.sample.banner import write_params
    from alxa_lib.workbooks.meta import department_from_filename, resolve_department
    new = [d for d in year_x2.banner.names if year_x2.banner.copy[d] > 0]
    assert all(resolve_department(d) is None for d in new)
    folder = write_params(year_x2.banner, tmp_path / "params")
    assert sorted(p.name for p in folder.glob("*.yaml")) == sorted(p.name for p in params.PARAMS_DIR.glob("*.yaml"))
    monkeypatch.setattr(params, "PARAMS_DIR", folder)
    params.load.cache_clear()
    try:
        assert all(resolve_department(d) == d for d in year_x2.banner.names)
        assert all(department_from_filename(Path(f"reports/2025-06-28/{d}.xlsx")) == d for d in new)
        assert resolve_department("阿拉善左旗" + new[0]) == new[0]
    finally:
        monkeypatch.undo()
        params.load.cache_clear()


@pytest.mark.parametrize("bad", ["0", "65", "-1", "2.5", "x", ""])
def test_bad_scale_is_refused_in_one_line(bad, tmp_path, capsys):
    target = tmp_path / "s"
    with pytest.raises(BadParameter) as exc:
        check_scale(bad)
    assert "1" in str(exc.value) and " / " in str(exc.value)
    assert cli.main(["sample", str(target), "--scale", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scale" in err[0] and "规模倍数" in err[0]
    assert not target.exists()  # refused before anything is written
