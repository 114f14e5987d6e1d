"""Delayed-project investigation and the joint-meeting pack, run through papermill on the sample."""
from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from alxa_lib import project_status
from alxa_lib.figures.state import load_year
from alxa_lib.reports.content.investigate import delay_table, reason_category, select
from alxa_lib.workbooks.reader import read_workbook


@pytest.fixture(scope="module")
def rendered(reports_out):
    return reports_out["investigate"], reports_out["meeting"]


def test_most_delayed_are_the_ones_the_generator_made_late(ledger_db, truth):
    db, _ = ledger_db
    data = load_year(duckdb.connect(str(db), read_only=True), 2025)
    day = dt.date(2025, 9, 28)
    ranked = delay_table(data, day, select(data, day, light_colors=["red"]))
    late = set(truth["story"]["late"])
    top = ranked.head(8)
    assert set(top["project_id"]) <= late, set(top["project_id"]) - late
    never = [p for p in truth["story"]["never_started"] if p in set(ranked["project_id"])]
    assert list(ranked["project_id"][:len(never)]) == sorted(never, key=lambda p: -int(
        ranked.set_index("project_id").loc[p, "delay_days"]))  # never-started projects lead, by days overdue


def test_investigation_report_content(rendered, ledger_db):
    inv, _ = rendered
    page = inv["html"].read_text(encoding="utf-8")
    db, _ = ledger_db
    data = load_year(duckdb.connect(str(db), read_only=True), 2025)
    day = dt.date(2025, 9, 28)
    ranked = delay_table(data, day, select(data, day, light_colors=["red"]))
    positions = [page.index(f"<h3>{pid} ") for pid in ranked["project_id"]]
    assert positions == sorted(positions)  # one section per project, in the ranked order
    status = project_status(day, db).set_index("project_id")  # the notebook reads the ledger's project_status
    section = page[page.index("所选项目状态"):page.index("延误程度排序")]
    assert all(f">{pid}</td>" in section and status.loc[pid, "reasons"] in section for pid in ranked["project_id"])
    assert page.count("<caption>历次报送（含更正版）</caption>") == len(ranked)
    assert page.count(">投资完成与倒排计划</text>") == len(ranked)  # an S-curve per project (inline SVG, text as text)
    assert "<img" not in page  # no raster chart left
    assert "SELECT" not in page  # the SQL example is the README's, not a fixed department's in the report
    assert "http://" not in page and "https://" not in page


def test_meeting_lists_every_open_problem_once_under_its_owner(rendered, sample_dir):
    _, june = rendered
    page = june["html"].read_text(encoding="utf-8")
    registers = read_workbook(next((sample_dir / "registers").glob("*.xlsx"))).frames["problems"]
    end = dt.date(2025, 6, 28)  # the data date the pack's header names (数据截至)
    open_ = [r for r in registers.to_dict("records")
             if r["raised_date"] <= end and (r["solved_date"] is None or r["solved_date"] > end)]
    assert open_
    sections = re.split(r"<h3[^>]*>", page)
    for p in open_:
        holders = [s for s in sections if re.search(f"<td class='t-id'[^>]*>{p['problem_id']}</td>", s)]
        assert len(holders) == 1, p["problem_id"]
        heading = holders[0].split("</h3>")[0]
        assert f"责任单位：{p['owner']}" in heading, (p["problem_id"], heading)
    assert "年中集中调整候选项目" in page  # June: Art. 5 candidates
    # the forecast (docs/measures.md §11): sentence, reliability table, deciding projects
    assert "按各单位承诺的开工时间测算" in page and "各单位开工承诺兑现情况" in page
    assert "决定下一目标能否实现的项目" in page


def test_adjustment_candidates_only_in_june(ledger_db):
    from alxa_lib.reports.content.meeting import meeting_pack
    from alxa_lib.reports.running.sources import year
    data = year(ledger_db[0], 2025)
    june, july = meeting_pack(data, 2025, 6), meeting_pack(data, 2025, 7)
    assert len(june.tables["adjustment"]) > 0 and "adjustment" not in july.tables


def test_reason_categories():
    assert reason_category(["用地手续未办结"], [], dt.date(2025, 6, 28)) == "land"
    assert reason_category(["资金未落实"], [], dt.date(2025, 6, 28)) == "funding"
    assert reason_category(["施工图设计未完成"], [], dt.date(2025, 6, 28)) == "design"
    assert reason_category(["环评未批复"], [], dt.date(2025, 6, 28)) == "procedures"
    assert reason_category(["冬休未复工"], [], dt.date(2025, 2, 14)) == "winter"
    assert reason_category([], ["招标"], dt.date(2025, 6, 28)) == "procedures"
    assert reason_category(["天气"], [], dt.date(2025, 6, 28)) == "other"


NOTEBOOK_OF = {"brief": "01_period_brief.ipynb", "quarter": "02_quarterly_evaluation.ipynb",
               "annual": "03_annual_ranking.ipynb", "investigate": "04_delayed_projects.ipynb",
               "meeting": "05_joint_meeting.ipynb"}
# where and what a run writes (and the document number given on the command line), not what it shows
RUN_SETTINGS = {"db", "out_dir", "write_xlsx", "xlsx_path", "write_docx", "docx_path", "write_gwpdf", "gwpdf_path",
                "gwpdf_html_path", "number"}


@pytest.mark.parametrize("kind", list(NOTEBOOK_OF))
def test_every_notebook_runs_with_its_defaults(kind, reports_out):
    """Each notebook ran once in this session (``reports_out``) with its own default values for everything
    but where to read and write; it ran top to bottom, showed its title and wrote its tables."""
    import ast
    import json

    from alxa_lib.reports.rendering.render import NOTEBOOKS
    source = json.loads((NOTEBOOKS / NOTEBOOK_OF[kind]).read_text(encoding="utf-8"))
    defaults = {}
    for c in source["cells"]:
        if "parameters" in c.get("metadata", {}).get("tags", []):
            exec("".join(c["source"]), {}, defaults)  # noqa: S102 - the notebook's own parameter cell
    ran = json.loads(reports_out[kind]["ipynb"].read_text(encoding="utf-8"))
    injected = {}
    for c in ran["cells"]:
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            for node in ast.parse("".join(c["source"])).body:
                injected[node.targets[0].id] = ast.literal_eval(node.value)
    assert {k: v for k, v in injected.items() if k not in RUN_SETTINGS} == \
        {k: v for k, v in defaults.items() if k not in RUN_SETTINGS}
    outputs = [o for c in ran["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("alxa-title" in "".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert reports_out[kind]["xlsx"].exists()  # each notebook also writes its tables for forwarding


def test_meeting_pack_gives_each_department_one_page_counted_to_the_data_date(rendered, ledger_db):
    """各部门领取本部门一页: one section (one printed page) per responsible department, every kind of its
    problems in it; days overdue counted to the date the header names (数据截至2025-06-28), as in the brief."""
    from alxa_lib.reports.content.meeting import meeting_pack
    from alxa_lib.reports.running.sources import year
    pack = meeting_pack(year(ledger_db[0], 2025), 2025, 6)
    owners = [o for o, _ in pack.problem_sections]
    assert owners and len(owners) == len(set(owners))
    for _, problems in pack.problem_sections:
        for due, days in zip(problems["解决时限"], problems["超期天数"]):
            assert days == max(0, (dt.date(2025, 6, 28) - due).days)
    page = rendered[1]["html"].read_text(encoding="utf-8")
    headings = re.findall(r"<h3[^>]*>（\d+）责任单位：([^（<]+)（", page)
    assert headings == owners
    assert page.count("<h3 style='break-before: page;") == len(owners) - 1
    assert "<div class='alxa-page-break'></div>" in page  # 三、 starts on its own page after the last department
