"""The figures of a period are set-based: no Python loop over projects or report rows remains in them.

Not a timing test (speed is measured in bench/): it counts the lines of alxa_lib that run while a
day's figures are computed, on a year of N projects and on the same kind of year with 2N. A loop over
projects, a comprehension over report rows or a lambda applied per row in alxa_lib makes the count grow
with N; set-based code (pandas does the per-row work) runs the same lines whatever N is.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest

import alxa_lib
from alxa_lib import periods as cal
from alxa_lib.figures.accountability import stopped_after_start
from alxa_lib.figures.metrics import lights, metrics
from alxa_lib.figures.state import YearData

D = dt.date
LIB = str(Path(alxa_lib.__file__).parent)
DEPARTMENTS = ("住建局", "交通运输局", "乌斯太镇")
# (status over the year, annual completed per period): one of each kind of project, repeated; the
# projects that stop right after starting are the first few only, so the triggers are as many in both years
KINDS = [("未开工", 0.0), ("已开工", 40.0), ("已开工", 0.0), ("停工", 10.0), ("已完工", 90.0), ("已开工", 35.0)]
STOPPED = 12


def _year(n: int) -> YearData:
    """A year of ``n`` KC projects in three departments, reported every period to 2025-09-28."""
    periods = [p for p in cal.periods(2025) if p <= D(2025, 9, 28)]
    plan, reports, starts, sched, versions = [], [], [], [], []
    for i in range(n):
        pid, dept = f"2025-ZD-{i:04d}", DEPARTMENTS[i % 3]
        status, step = KINDS[i % len(KINDS)]
        status = "已开工" if status == "停工" and i >= STOPPED else status
        plan.append({"project_id": pid, "name": f"项目{i}", "department": dept, "class": "KC", "nature": "new",
                     "location": "阿拉善左旗吉兰泰镇" if i % 2 else "巴彦浩特镇", "sector": "基础设施",
                     "annual_planned": 1000.0, "total_investment": 5000.0, "planned_start": D(2025, 3, 1 + i % 20),
                     "adjusted_in": False, "start_year": 2025, "end_year": 2026})
        for k, p in enumerate(periods):
            started = status != "未开工" and p >= D(2025, 4, 14)
            reports.append({"department": dept, "period": p, "version": 1, "received": p, "row_no": 5 + i,
                            "project_id": pid, "status": status if started else "未开工",
                            "start_date": D(2025, 4, 10) if started else None,
                            "annual_completed": step * k if started else 0.0,
                            "cumulative_completed": step * k if started else 0.0, "expected_start": None})
        if i % 4 == 1:
            starts.append({"project_id": pid, "start_date": D(2025, 4, 9), "department": dept})
        if i % 3 == 0:
            sched.append({"received": D(2025, 3, 20), "file_id": 1, "project_id": pid, "q1_node": 0.0,
                          "q2_node": 300.0, "q3_node": 600.0, "q4_node": 1000.0})
    for j, dept in enumerate(DEPARTMENTS):
        versions += [{"file_id": 100 * j + k, "department": dept, "period": p, "version": 1, "received": p}
                     for k, p in enumerate(periods)]
    return YearData(2025, pd.DataFrame(plan), pd.DataFrame(), pd.DataFrame(reports), pd.DataFrame(versions),
                    pd.DataFrame(starts), pd.DataFrame(sched), {"problems": pd.DataFrame()}, pd.DataFrame())


def _lines_run(compute) -> int:
    """How many lines of alxa_lib run during ``compute()`` (lines of other packages are not counted)."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(LIB) else None

    sys.settrace(tracer)
    try:
        compute()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("figure", [
    lambda data: metrics(data, D(2025, 9, 30)),
    lambda data: lights(data, D(2025, 7, 14)),
    lambda data: stopped_after_start(data, D(2025, 9, 30)),
], ids=["metrics", "lights", "stopped_after_start"])
def test_a_day_of_figures_runs_the_same_lines_for_twice_the_projects(figure):
    figure(_year(30))  # fill the process-wide caches (parameters, calendar) first: they run their lines once
    small, large = _year(30), _year(60)
    assert len(large.plan_rows) == 2 * len(small.plan_rows)
    assert len(large.reports) == 2 * len(small.reports)
    n_small, n_large = _lines_run(lambda: figure(small)), _lines_run(lambda: figure(large))
    assert n_small > 50  # the tracer sees the library's lines
    assert n_large == n_small, f"{n_small} lines for 30 projects, {n_large} for 60: a loop over projects or rows"


def test_the_figures_see_every_kind_of_project():
    """The year above is not trivial: its lights take every colour and some projects stopped after starting."""
    data = _year(30)
    got = metrics(data, D(2025, 9, 30))
    assert got["lights"]["red"] and got["lights"]["yellow"] and got["lights"]["green"]
    assert 0 < got["commencement"]["started"] < got["commencement"]["total"] == 30
    assert stopped_after_start(data, D(2025, 9, 30))


HEAVY = ("papermill", "nbconvert", "nbformat", "weasyprint", "docx", "openpyxl", "matplotlib", "jupyter_client",
         "alxa_lib.reports.running.runner", "alxa_lib.reports.rendering.render", "alxa_lib.reports.content.brief")


def test_reading_commands_import_no_rendering_library():
    """What `alxa metrics/score/rank/validate/status/diff` import before they read the ledger: the parser
    and the command's own stages, never the report machinery (it costs seconds before any figure)."""
    code = ("import sys; from alxa_lib import cli, commands, daily; cli.build_parser(); "
            "import alxa_lib.figures.metrics, alxa_lib.figures.scoring, alxa_lib.reports.running.sources, "
            "alxa_lib.reports.running.preflight, alxa_lib.reports.content.status, alxa_lib.checks.validate; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}))")
    assert _fresh_python(code) == "[]"


def test_a_brief_without_its_workbook_loads_no_openpyxl():
    """The brief's kernel imports what the notebook's first cell imports; openpyxl only when a workbook is asked
    for (the inspection sentence once pulled it in through the inspection workbook writers)."""
    code = ("import sys; from alxa_lib.reports import official; "
            "from alxa_lib.reports.rendering import charts, render; from alxa_lib.reports.running import sources; "
            "from alxa_lib.reports.content.brief import build_brief; "
            "from alxa_lib.reports.official.brief_text import brief_document; "
            "from alxa_lib.reports.content.inspection_list import write_inspection_outputs; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'docx')))")
    assert _fresh_python(code) == "[]"


def test_the_report_command_exports_without_css_selectors():
    """A report run's process marks soupsieve absent before nbconvert loads Beautiful Soup; the alxa_html page
    (markdown cells included) is made all the same, with no warning about the missing package."""
    code = ("import sys, warnings; warnings.simplefilter('error'); "
            "from alxa_lib.reports.rendering import render; render.skip_unused_format_checkers(); "
            "import nbformat; from nbformat.v4 import new_markdown_cell, new_notebook; "
            "from alxa_lib.reports.rendering.exporters import AlxaHTMLExporter; "
            "nb = new_notebook(cells=[new_markdown_cell('## 一、总体情况 <img src=\"x.png\">')]); "
            "nb.metadata['title'] = 't'; html = AlxaHTMLExporter().from_notebook_node(nb)[0]; "
            "print('<h2>一、总体情况' in html, 'bs4' in sys.modules, sys.modules.get('soupsieve', 'absent'))")
    assert _fresh_python(code) == "True True None"


def _fresh_python(code: str) -> str:
    """What ``code`` prints in a new Python process (nothing imported by this test run)."""
    import subprocess
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(LIB).parent).stdout.strip()


def test_the_ingest_loads_no_openpyxl_until_a_file_needs_it():
    """calamine reads the workbooks; openpyxl (the second reader, the form and template writers) is imported
    only where it is used (docs/architecture.md §10: about 0.06 s of every ``alxa ingest``)."""
    code = ("import sys; import alxa_lib.cli, alxa_lib.commands; from alxa_lib.ledger.ingest import ingest; "
            "from alxa_lib.workbooks.reader import read_workbook; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] == 'openpyxl'}))")
    assert _fresh_python(code) == "[]"
