"""Quarterly evaluation and annual ranking reports: rendered through papermill, checked against the scores."""
from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest
from docx import Document


@pytest.fixture(scope="module")
def out(ledger_db, reports_out):
    return ledger_db[0], reports_out["quarter"], reports_out["annual"]


def _json(db, *args):
    return json.loads(subprocess.run([sys.executable, "-m", "alxa_lib.cli", *args, "--db", str(db), "--json"],
                                     capture_output=True, text=True, check=True).stdout)


def test_quarter_report_shows_scores_and_where_points_went(out):
    db, quarter, _ = out
    assert {k: p.name for k, p in quarter.items()} == {"ipynb": "季度考评_2025Q2.ipynb", "html": "季度考评_2025Q2.html",
                                                       "xlsx": "季度考评_2025Q2.xlsx", "docx": "季度考评_2025Q2.docx"}
    titles = [p.text.replace("\n", "") for p in Document(quarter["docx"]).paragraphs if p.style.name == "公文标题"]
    assert titles == ["关于2025年第二季度重点建设项目考评结果的通报"]  # the notebook wrote the 公文
    page = quarter["html"].read_text(encoding="utf-8")
    scores = _json(db, "score", "--quarter", "2025Q2")
    worst = min(scores["departments"], key=lambda d: d["score"])
    assert f"<td>{worst['department']}</td><td class='t-num'>{worst['score']:.2f}</td>" in page
    assert f"{worst['department']}：共扣" in page  # the department's lost points are itemised
    assert "http://" not in page and "https://" not in page
    assert "各单位开工承诺兑现情况" in page and "兑现率" in page  # the reliability table (docs/measures.md §11.1)
    wb = openpyxl.load_workbook(quarter["xlsx"])
    assert wb.sheetnames == ["得分", "扣分明细", "项目得分", "承诺兑现"]


def test_annual_report_ranking_accountability_commendation(out):
    db, _, annual = out
    page = annual["html"].read_text(encoding="utf-8")
    rank = _json(db, "rank", "--year", "2025")
    for r in rank["ranking"]:
        assert f"<td class='t-num'>{r['rank']}</td><td>{r['department']}</td>" in page
    for c in rank["commendation"]:
        assert f"<td>{c['department']}</td><td class='t-num'>{c['score']:.2f}</td>" in page
    assert "拟责任追究名单" in page and "年终分值排序靠后" in page  # (its PDF: tests/test_install.py)
    wb = openpyxl.load_workbook(annual["xlsx"])
    assert wb.sheetnames == ["年终排名", "责任追究", "通报表扬"]
    ws = wb["年终排名"]
    header = [c.value for c in ws[2]]
    assert header == ["名次", "单位", "第1季度", "第2季度", "第3季度", "第4季度", "年终得分"]
    assert ws.max_row - 2 == len(rank["ranking"])
    titles = [p.text.replace("\n", "") for p in Document(annual["docx"]).paragraphs if p.style.name == "公文标题"]
    assert titles == ["关于2025年度重点建设项目考评排名情况的通报"]
