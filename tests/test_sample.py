"""The sample year: deterministic, readable by both engines, and truth.json agrees with its cells."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
from python_calamine import CalamineWorkbook

from alxa_lib.rules import RULES, TOOLKIT_CODES
from alxa_lib.sample import write_sample
from alxa_lib.vocab import REPORT_FIELDS
from alxa_lib.workbooks.reader import read_workbook


def _all_cells(root):
    out = {}
    for p in sorted(root.rglob("*.xls*")):
        try:
            wb = CalamineWorkbook.from_path(str(p))
        except Exception:  # the deliberately corrupt file
            out[p.relative_to(root).as_posix()] = p.read_bytes()
            continue
        out[p.relative_to(root).as_posix()] = {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}
    return out


def test_same_seed_same_cells_other_seed_differs(tmp_path, sample_dir):
    a, b, c = sample_dir, tmp_path / "b", tmp_path / "c"  # the session's seed-7 year, written again, and seed 12
    write_sample(b, 2025, 7)
    write_sample(c, 2025, 12)
    ca, cb = _all_cells(a), _all_cells(b)
    assert ca.keys() == cb.keys()
    assert ca == cb
    assert json.loads((a / "truth.json").read_text()) == json.loads((b / "truth.json").read_text())
    assert _all_cells(c) != ca


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
    domain_codes = {c for c in RULES if c not in TOOLKIT_CODES}
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
    for d in truth["defects"]:
        if not d["cell"] or not d["file"].startswith("reports/") or d["field"] not in REPORT_FIELDS:
            continue
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


def test_defect_registry_mirrors_the_rule_registry():
    """Every rule code but the toolkit's own (EXTRA_COLUMN…) is injected, by the registry or in one named other place."""
    from alxa_lib.sample.defects import DEFECTS, INJECTED_ELSEWHERE
    assert not set(DEFECTS) & set(INJECTED_ELSEWHERE)
    assert set(DEFECTS) | set(INJECTED_ELSEWHERE) == {c for c in RULES if c not in TOOLKIT_CODES}
