"""The period brief: content, escaping, offline HTML, Chinese PDF; and its pieces by hand."""
from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import openpyxl
import pdfplumber
import pytest
from pypdf import PdfReader

from alxa_lib.figures.problems import classify, open_problems
from alxa_lib.figures.state import load_year
from alxa_lib.reports.content.brief import build_brief, headline
from alxa_lib.sample import SCRIPT_TEXT


@pytest.fixture(scope="module")
def rendered(reports_out):
    return reports_out["brief"]


def test_outputs_are_named_for_the_period(rendered):
    assert {k: p.name for k, p in rendered.items()} == {
        "ipynb": "半月通报_2025-06-28.ipynb", "html": "半月通报_2025-06-28.html",
        "pdf": "半月通报_2025-06-28.pdf", "xlsx": "半月通报_2025-06-28.xlsx",
        "docx": "半月通报_2025-06-28.docx", "gwpdf": "半月通报_2025-06-28_公文.pdf"}  # docs/rendering.md §11
    assert rendered["html"].parent.name == "2025-06-28"


def test_html_holds_the_headline_figures_offline(rendered, truth):
    page = rendered["html"].read_text(encoding="utf-8")
    exp = truth["figures"]["2025-06-28"]
    assert f"全旗{exp['total']}个重点建设项目已开复工{exp['started']}个" in page
    assert f"开复工率{exp['started'] / exp['total'] * 100:.1f}%" in page
    assert 'lang="zh-CN"' in page
    # the forecast sentence (docs/measures.md §11.3); after 06-28 the next target is 06-30
    # in words: the interval and a graded chance, or a target already met (forecast_words)
    assert re.search(r"按各单位承诺的开工时间测算，6月底开复工率预计在[0-9.]+%～[0-9.]+%之间（点预测[0-9.]+%），"
                     r"[^（]{4,16}（可能性约[0-9]+%）|6月底开复工率70%的目标已提前完成", page)
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"(?!data:)", page)


def test_department_text_is_escaped(rendered):
    page = rendered["html"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in page and "&lt;/script&gt;资金缺口较大" in page
    assert "<script>alert(" not in page


def test_pdf_is_a4_chinese_without_missing_glyphs(rendered, truth):
    reader = PdfReader(str(rendered["pdf"]))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "".join(p.extract_text() for p in reader.pages[:2])
    compact = re.sub(r"\s+", "", text)
    exp = truth["figures"]["2025-06-28"]
    assert f"全旗{exp['total']}个重点建设项目已开复工{exp['started']}个" in compact
    assert "第1页/共" in compact  # page numbers in the footer
    nb = json.loads(rendered["ipynb"].read_text(encoding="utf-8"))
    charts = [o["data"]["text/html"] for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
              if "<svg" in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(charts) == 3 and not any("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
    # the charts' text is text in the PDF (inline SVG, docs/rendering.md §3): the target, and each department
    # with "started/total" at the end of its bar, on one line of the chart's page
    with pdfplumber.open(str(rendered["pdf"])) as pdf:
        page = next(p.extract_text() for p in pdf.pages if "目标70%" in (p.extract_text() or ""))
    lines = set(page.splitlines())
    assert all(f"{d} {v['started']}/{v['total']}" in lines for d, v in exp["by_department"].items() if v["total"])


def test_xlsx_holds_the_tables_as_text(rendered):
    wb = openpyxl.load_workbook(rendered["xlsx"])
    assert {"主要指标", "分单位开复工情况", "问题清单", "附表 项目明细"} <= set(wb.sheetnames)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(c.value == SCRIPT_TEXT for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_brief_tables_agree_with_the_figures(ledger_db, truth):
    db, _ = ledger_db
    data = load_year(duckdb.connect(str(db), read_only=True), 2025)
    b = build_brief(data, dt.date(2025, 9, 28))
    exp = truth["figures"]["2025-09-28"]
    assert len(b.tables["unstarted"]) == exp["total"] - exp["started"]
    by = {r["单位"]: (r["已开复工（个）"], r["项目数（个）"]) for r in b.tables["by_department"].to_dict("records")}
    assert by == {k: (v["started"], v["total"]) for k, v in exp["by_department"].items()}
    assert len(b.tables["appendix"]) == exp["total"]


def test_headline_by_hand():
    m = {"commencement": {"started": 60, "total": 90, "rate": 60 / 90, "next_target": 0.7,
                          "next_target_date": "2025-06-30", "needed": 3},
         "investment": {"annual_completed": 1000.0, "annual_planned": 4000.0, "rate": 0.25, "time_progress": 179 / 365},
         "lights": {"red": 1, "yellow": 2, "green": 3}, "submissions": {"due": 5, "on_time": 3, "late": 1, "missing": 1}}
    text = headline(m, dt.date(2025, 6, 28))
    assert text.startswith("截至6月28日，全旗90个重点建设项目已开复工60个，开复工率66.7%，距6月底70%目标尚差3个。")
    assert "慢于时间进度（49.0%）24.0个百分点" in text  # 25.0 % − 49.0 %
    m["investment"].update(rate=0.1936, time_progress=0.4904)  # the gap from the printed rates: 49.0 − 19.4 = 29.6
    assert "占年度计划的19.4%，慢于时间进度（49.0%）29.6个百分点" in headline(m, dt.date(2025, 6, 28))
    assert "迟报1个，未报1个" in text


def test_problem_kinds_and_open_list():
    import pandas as pd
    assert classify("用地预审尚未批复") == "土地"
    assert classify("规划用地调整") == "规划"  # §7 order: 规划 before 土地
    assert classify("征地拆迁未完成") == "征地拆迁"
    assert classify("天气原因") == "其他"
    plan = pd.DataFrame([{"project_id": "A", "name": "甲", "department": "住建局", "township": "吉兰泰镇"}])
    problems = pd.DataFrame([
        {"problem_id": 1, "project_id": "A", "kind": None, "description": "征地拆迁三户未签", "owner": None,
         "raised_date": dt.date(2025, 5, 1), "due_date": dt.date(2025, 6, 1), "solved_date": None},
        {"problem_id": 2, "project_id": "A", "kind": "资金", "description": "x", "owner": "财政局",
         "raised_date": dt.date(2025, 5, 1), "due_date": dt.date(2025, 7, 1), "solved_date": dt.date(2025, 6, 20)},
        {"problem_id": 3, "project_id": "A", "kind": "环评", "description": "x", "owner": "生态环境分局",
         "raised_date": dt.date(2025, 7, 1), "due_date": dt.date(2025, 8, 1), "solved_date": None},
    ])
    got = open_problems(problems, plan, dt.date(2025, 6, 28))
    assert got[["problem_id", "kind", "owner", "overdue_days"]].values.tolist() == [[1, "征地拆迁", "吉兰泰镇", 27]]


def test_a_report_run_prints_no_kernel_chatter(tmp_path, monkeypatch, capfd):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from alxa_lib.reports.rendering import render
    # the error the kernel logs when the shutdown's interrupt races papermill's last kernel_info request
    race = new_code_cell("get_ipython().kernel.log.error('KeyboardInterrupt caught in kernel.')")
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]}), new_code_cell("print(x + 1)"),
                             race])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "tiny.ipynb"))
    monkeypatch.setattr(render, "NOTEBOOKS", tmp_path)
    out = render.run_notebook("tiny.ipynb", tmp_path / "out" / "tiny.ipynb", {"x": 41})
    ran = nbformat.read(str(out), as_version=4)
    assert ran.cells[-2].outputs[0]["text"] == "42\n"  # the parameter reached the kernel
    err = capfd.readouterr().err
    assert "without encryption" not in err and "WARNING" not in err, err
    assert "KeyboardInterrupt" not in err and "ERROR" not in err, err


def test_a_report_kernel_is_set_up_before_the_first_cell(tmp_path, monkeypatch):
    """``render.report_kernel`` runs in the kernel before the notebook (``KERNEL_ARGUMENTS``): the collector of a
    short-lived process, matplotlib's artists without the generated help of ``set()``, which still sets every
    property; and the executed notebook comes back as the node papermill wrote."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from alxa_lib.reports.rendering import render
    probe = new_code_cell("import gc, inspect, matplotlib.lines as L\n"
                          "line = L.Line2D([0], [1]); line.set(color='red', lw=2)\n"
                          "print(gc.get_threshold(), line.get_color(), line.get_linewidth(), "
                          "str(inspect.signature(L.Line2D.set)))")
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]}), probe])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "probe.ipynb"))
    monkeypatch.setattr(render, "NOTEBOOKS", tmp_path)
    ran = render.execute_notebook("probe.ipynb", tmp_path / "out" / "probe.ipynb", {"x": 2})
    assert ran.cells[-1].outputs[0]["text"] == f"{render.GC_THRESHOLD} red 2.0 (self, **kwargs)\n"
    assert ran.cells == nbformat.read(str(tmp_path / "out" / "probe.ipynb"), as_version=4).cells


def test_the_kernel_manager_looks_for_kernels_where_jupyter_client_does(monkeypatch, tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    from alxa_lib.reports.rendering import render
    for ipython_dir in (None, str(tmp_path / "ipython")):
        if ipython_dir:
            monkeypatch.setenv("IPYTHONDIR", ipython_dir)
        else:
            monkeypatch.delenv("IPYTHONDIR", raising=False)
        ours = render.kernel_manager_class()(kernel_name="python3").kernel_spec_manager
        assert ours.kernel_dirs == KernelSpecManager().kernel_dirs
        assert ours.get_kernel_spec("python3").language == "python"


def test_short_lived_gc_tunes_the_collector_and_freezes_once_at_exit(monkeypatch):
    import atexit
    import gc

    from alxa_lib.reports.rendering import render
    registered = []
    before = gc.get_threshold()
    monkeypatch.setattr(gc, "set_threshold", lambda *t: registered.append(("threshold", t)))
    monkeypatch.setattr(atexit, "register", lambda f: registered.append(("atexit", f)))
    monkeypatch.setattr(atexit, "unregister", lambda f: registered.remove(("atexit", f))
                        if ("atexit", f) in registered else None)
    assert render.short_lived_gc() == before
    render.short_lived_gc()
    assert registered == [("threshold", render.GC_THRESHOLD), ("threshold", render.GC_THRESHOLD),
                          ("atexit", gc.freeze)]


def test_lights_are_coloured_and_marked(rendered):
    """Red/yellow/green in colour (a CSS class per light) and with a symbol for black-and-white print."""
    page = rendered["html"].read_text(encoding="utf-8")
    assert re.search(r"<td class=[\"']light-red[\"']>● 红灯</td>", page)
    assert re.search(r"<td class=[\"']light-yellow[\"']>▲ 黄灯</td>", page)
    assert "td.light-red" in page  # the colours travel with the offline page


def test_light_class_comes_from_a_fixed_list_not_the_text():
    import pandas as pd

    from alxa_lib.reports.rendering.render import table_html
    out = table_html(pd.DataFrame({"x": ["● 红灯", "● 红灯' onclick='x", "<b>○ 绿灯</b>"]}))
    assert out.count("class='light-red'") == 1 and "onclick='x" not in out and "<b>" not in out


def test_pdf_title_is_the_report_title(rendered):
    from alxa_lib.reports.running.runner import REPORTS
    title = PdfReader(str(rendered["pdf"])).metadata.title
    assert title and title != "Notebook" and "半月进展通报" in title
    assert f"<title>{REPORTS['brief'].title('2025-06-28')}</title>" in rendered["html"].read_text(encoding="utf-8")


def test_investment_table_reads_in_the_order_of_its_chart(rendered):
    """分单位投资完成情况 lists the departments as its chart does: highest completion rate first."""
    page = rendered["html"].read_text(encoding="utf-8")
    table = page[page.index("<caption>分单位投资完成情况</caption>"):]
    table = table[:table.index("</table>")]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table)][1:]  # after <thead>
    rates = [float(done.replace(",", "")) / float(plan.replace(",", "")) for _, plan, done, *_ in rows if plan != "0.00"]
    assert len(rates) > 5 and rates == sorted(rates, reverse=True)


@pytest.mark.parametrize("kind,when", [("brief", "截至2025年6月28日"), ("quarter", "2025年第2季度"), ("annual", "2025年度"),
                                       ("investigate", "截至2025年9月28日"), ("meeting", "2025年6月")])
def test_every_report_speaks_to_its_readers(reports_out, kind, when):
    """No developer note, command line, module or file path in a leader's page; it opens with the report's
    own title (the banner from params, the period of the run), and each report carries a seaborn chart."""
    page = reports_out[kind]["html"].read_text(encoding="utf-8")
    body = page[page.index("<body>"):]
    assert not re.search(r"alxa report|alxa_lib|docs/|params/|\.ipynb|papermill|--(period|month|year)|使用说明", body)
    first = re.search(r"<(h1|h2|h3)[^>]*>([^<]*)<", body)
    assert first.group(1) == "h1" and first.group(2).startswith("阿拉善左旗重点建设项目")  # the one <h1>: the title
    assert when in first.group(2)  # the period of this run, not a date typed in the notebook
    assert "<svg " in body and "<text " in body  # a chart, its text as text


def test_alxa_report_in_process_leaves_the_callers_collector_as_it_was(tmp_path, capsys):
    """The command tunes the collector for the rest of its own short process; a caller that goes on after
    ``cli.main(["report", …])`` (a test, a notebook) gets its thresholds back, whatever the report did."""
    import gc

    from alxa_lib import cli
    before = gc.get_threshold()
    cli.main(["report", "brief", "--period", "2025-06-27", "--db", str(tmp_path / "none.duckdb"),
              "--out", str(tmp_path / "o")])  # refused (not a reporting date) after the collector was tuned
    assert gc.get_threshold() == before
