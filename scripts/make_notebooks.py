"""Write the report notebooks from this source (outputs stripped). Run after editing a notebook's cells here,
or edit the .ipynb in JupyterLab and strip it (the tests refuse committed outputs)."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def params_cell(src: str):
    c = new_code_cell(src)
    c.metadata["tags"] = ["parameters"]
    return c


BRIEF = [
    params_cell('# 参数（papermill 注入）/ parameters\nperiod = "2025-06-28"\ndb = "data/alxa.duckdb"\nout_dir = "outputs"\nwrite_xlsx = True'),
    new_code_cell(
        "# 半月进展通报：本笔记本只负责展示，计算全部在 alxa_lib.reports.brief 中。\n"
        "import datetime as dt\nfrom pathlib import Path\n\nimport duckdb\n\n"
        "from alxa_lib import charts, render\nfrom alxa_lib.reports.brief import build_brief, write_xlsx as brief_xlsx\n"
        "from alxa_lib.figures.state import load_year\nfrom alxa_lib.checks.validate import latest_only, validate_period\n\n"
        "render.setup_charts()\nday = dt.date.fromisoformat(str(period))\n"
        "db, out_dir = render.project_path(db), render.project_path(out_dir)\n"
        "con = duckdb.connect(str(db), read_only=True)\n"
        "findings = latest_only(validate_period(con, day), con)\n"
        "brief = build_brief(load_year(con, day.year), day, findings)\n"
        "T = brief.tables\n"
        "render.show_title(brief.title, '阿拉善左旗发展和改革委员会')"),
    new_markdown_cell("## 一、总体情况"),
    new_code_cell("render.show_text(brief.headline)\nrender.show_table(T['key_figures'], '主要指标')"),
    new_markdown_cell("## 二、项目开复工情况"),
    new_code_cell("c = brief.figures['commencement']\n"
                  "render.show_figure(charts.commencement_by_department(T['_by_department'], c['next_target'], '各单位开复工率'))\n"
                  "render.show_table(T['by_department'], '分单位开复工情况')"),
    new_code_cell("render.show_table(T['by_township'], '分苏木镇开复工情况')\n"
                  "render.show_table(T['by_sector'], '分行业领域开复工情况')\n"
                  "render.show_table(T['by_nature'], '新建与续建项目')"),
    new_code_cell("render.show_table(T['started_this_period'], '本期新开复工项目')\n"
                  "render.show_table(T['unstarted'], '未开复工项目及原因')"),
    new_markdown_cell("## 三、投资完成情况"),
    new_code_cell("render.show_figure(charts.investment_vs_time(T['investment'], brief.figures['investment']['time_progress'], "
                  "'各单位年度投资完成率与时间进度'))\nrender.show_table(T['investment'], '分单位投资完成情况')"),
    new_markdown_cell("## 四、红黄灯项目"),
    new_code_cell("render.show_table(T['lights'], '红灯、黄灯项目及原因')"),
    new_markdown_cell("## 五、问题清单（按问题类型和责任单位）"),
    new_code_cell("render.show_table(T['problems'], '未解决问题')"),
    new_markdown_cell("## 六、报送及校验情况"),
    new_code_cell("render.show_table(T['submissions'], '迟报、未报单位')\nrender.show_table(T['validation'], '报表校验问题数（按单位）')"),
    new_markdown_cell("## 附表 项目明细"),
    new_code_cell("render.show_table(T['appendix'], '重点建设项目明细')\n"
                  "if write_xlsx:\n"
                  "    target = Path(out_dir) / day.isoformat()\n"
                  "    target.mkdir(parents=True, exist_ok=True)\n"
                  "    brief_xlsx(brief, target / f'半月通报_{day.isoformat()}.xlsx')"),
]

SETUP = ("import datetime as dt\nfrom pathlib import Path\n\nimport duckdb\n\n"
         "from alxa_lib import charts, render\nfrom alxa_lib.figures.scoring import CN_COMPONENT, findings_provider\n"
         "from alxa_lib.figures.state import load_year\nfrom alxa_lib.workbooks.xlsx_write import write_tables\n\n"
         "render.setup_charts()\ndb, out_dir = render.project_path(db), render.project_path(out_dir)\n"
         "con = duckdb.connect(str(db), read_only=True)\n")

QUARTER = [
    params_cell('# 参数（papermill 注入）/ parameters\nquarter = "2025Q2"\ndb = "data/alxa.duckdb"\nout_dir = "outputs"\nwrite_xlsx = True'),
    new_code_cell("# 季度考评：计算在 alxa_lib.figures.scoring / alxa_lib.reports.evaluation 中，这里只展示。\n" + SETUP +
                  "from alxa_lib import calendar as cal\nfrom alxa_lib.reports.evaluation import quarter_report\n"
                  "year, q = cal.parse_quarter(str(quarter))\n"
                  "report = quarter_report(load_year(con, year), q, findings_provider(con))\nT = report.tables\n"
                  "render.show_title(report.title, '阿拉善左旗发展和改革委员会')"),
    new_markdown_cell("## 一、考评结果"),
    new_code_cell("render.show_text(report.text)\nrender.show_table(T['scores'], '各单位季度得分（分项为项目平均分）')"),
    new_markdown_cell("## 二、得分构成"),
    new_code_cell("render.show_figure(charts.components_by_department(T['_components'], CN_COMPONENT, '各单位得分构成'))"),
    new_markdown_cell("## 三、扣分明细（各单位失分去向）"),
    new_code_cell("for dept, lost in T['lost'].groupby('单位', sort=True):\n"
                  "    render.show_table(lost.drop(columns='单位'), f'{dept}：共扣{lost[\"扣分\"].sum():.2f}分（按项目、分项）')"),
    new_markdown_cell("## 附表 项目得分"),
    new_code_cell("render.show_table(T['projects'], '各项目季度得分')\n"
                  "if write_xlsx:\n    target = Path(out_dir) / str(quarter)\n    target.mkdir(parents=True, exist_ok=True)\n"
                  "    write_tables(target / f'季度考评_{quarter}.xlsx', report.title, [('得分', T['scores']), "
                  "('扣分明细', T['lost']), ('项目得分', T['projects'])])"),
]

ANNUAL = [
    params_cell('# 参数（papermill 注入）/ parameters\nyear = 2025\ndb = "data/alxa.duckdb"\nout_dir = "outputs"\nwrite_xlsx = True'),
    new_code_cell("# 年终排名：计算在 alxa_lib.figures.scoring / alxa_lib.reports.evaluation 中，这里只展示。\n" + SETUP +
                  "from alxa_lib.reports.evaluation import annual_report\n"
                  "report = annual_report(load_year(con, int(year)), findings_provider(con))\nT = report.tables\n"
                  "render.show_title(report.title, '阿拉善左旗发展和改革委员会')"),
    new_markdown_cell("## 一、年终排名"),
    new_code_cell("render.show_text(report.text)\nrender.show_table(T['ranking'], '各单位季度得分与年终加权得分')"),
    new_markdown_cell("## 二、季度得分走势"),
    new_code_cell("render.show_figure(charts.quarter_trajectory(T['_trajectory'], '各单位季度得分走势'))"),
    new_markdown_cell("## 三、拟责任追究名单（第十三条）"),
    new_code_cell("render.show_table(T['accountability'], '责任追究情形及事实依据')"),
    new_markdown_cell("## 四、拟通报表扬名单（第十四条）"),
    new_code_cell("render.show_table(T['commendation'], '年终得分90分以上且无追责情形的单位')\n"
                  "if write_xlsx:\n    target = Path(out_dir) / str(year)\n    target.mkdir(parents=True, exist_ok=True)\n"
                  "    write_tables(target / f'年终排名_{year}.xlsx', report.title + '（报旗政府绩效考核组）', "
                  "[('年终排名', T['ranking']), ('责任追究', T['accountability']), ('通报表扬', T['commendation'])])"),
]

SETUP_PLAIN = SETUP.replace("from alxa_lib.figures.scoring import CN_COMPONENT, findings_provider\n", "")

INVESTIGATE = [
    params_cell('# 参数（papermill 注入）/ parameters\nas_of = "2025-09-28"\nproject_ids = []\ndepartment = ""\n'
                'lights = ["red"]\ndb = "data/alxa.duckdb"\nout_dir = "outputs"\nwrite_xlsx = True'),
    new_code_cell("# 延误项目调查：计算在 alxa_lib.reports.investigate 中，这里只展示。\n" + SETUP_PLAIN + """\
from alxa_lib.reports.investigate import REASON_CN, investigate, select, selection_label
day = dt.date.fromisoformat(str(as_of))
data = load_year(con, day.year)
ids = select(data, day, project_ids or None, department or None, lights or None)
inv = investigate(data, con, day, ids, selection_label(project_ids, department, lights))
render.show_title(inv.title, '阿拉善左旗发展和改革委员会')"""),
    new_markdown_cell("## 一、延误程度排序"),
    new_code_cell("""\
render.show_table(inv.ranked_table(), f'所选{len(inv.ranked)}个项目按延误程度排序')"""),
    new_markdown_cell("## 二、逐项目情况"),
    new_code_cell("""\
for d in inv.projects:
    s = d['summary']
    render.show_heading(f"{s['project_id']} {s['name']}（{s['department']}）")
    render.show_text(d['sentence'], 'alxa-note')
    render.show_figure(charts.s_curve(d['curve'], '投资完成与倒排计划'))
    if not d['strip'].empty:
        render.show_figure(charts.procedure_strip(d['strip'], '前期手续办理进度'))
    render.show_table(d['history_table'], '历次报送（含更正版）')
    if len(d['findings_table']):
        render.show_table(d['findings_table'], '校验问题')
    if len(d['problems_table']):
        render.show_table(d['problems_table'], '问题清单')"""),
    new_markdown_cell("## 附：用 SQL 直接查询台账\n分析人员可以在 JupyterLab 中直接用 DuckDB SQL 提出新问题。"
                      "下例查询交通运输局连续三期累计投资没有变化的项目。"),
    new_code_cell('''\
# Ask the ledger a new question in SQL: latest version of each report, the last three periods.
stalled = con.execute("""
    WITH latest AS (
        SELECT f.department, f.period, r.project_id, r.name, r.cumulative_completed
        FROM report_rows r JOIN files f USING (file_id)
        WHERE f.kind = 'report' AND f.period <= ? AND year(f.period) = ?
        QUALIFY f.version = max(f.version) OVER (PARTITION BY f.department, f.period)),
    last3 AS (
        SELECT *, row_number() OVER (PARTITION BY project_id ORDER BY period DESC) AS k FROM latest)
    SELECT project_id AS 项目编号, any_value(name) AS 项目名称, min(cumulative_completed) AS 累计完成投资
    FROM last3 WHERE k <= 3 AND department = '交通运输局'
    GROUP BY project_id HAVING count(*) = 3 AND min(cumulative_completed) = max(cumulative_completed)
    ORDER BY 1""", [day, day.year]).df()
render.show_table(stalled, '交通运输局连续三期累计投资未变化的项目')
if write_xlsx:
    target = Path(out_dir) / day.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    write_tables(target / f'延误项目调查_{day.isoformat()}.xlsx', inv.title, [('延误排序', inv.ranked_table())])'''),
]

MEETING = [
    params_cell('# 参数（papermill 注入）/ parameters\nmonth = "2025-06"\ndb = "data/alxa.duckdb"\nout_dir = "outputs"\nwrite_xlsx = True'),
    new_code_cell("# 联席会议材料：计算在 alxa_lib.reports.meeting 中，这里只展示。\n" + SETUP_PLAIN + """\
from alxa_lib.reports.meeting import meeting_pack, parse_month
y, m = parse_month(month)
pack = meeting_pack(load_year(con, y), y, m)
T = pack.tables
render.show_title(pack.title, f'阿拉善左旗发展和改革委员会　数据截至{pack.as_of}')"""),
    new_markdown_cell("## 一、上次会议以来的进展"),
    new_code_cell("render.show_table(T['progress'], '主要指标对比')\nrender.show_table(T['newly_started'], '本月新开复工项目')"),
    new_markdown_cell("## 二、问题清单（按审批部门分列，各部门领取本部门一页）"),
    new_code_cell("""\
for i, (kind, owner, problems) in enumerate(pack.problem_sections, start=1):
    render.show_heading(f'（{i}）{kind}类问题 —— 责任单位：{owner}（{len(problems)}个）', page_break=i > 1)
    render.show_table(problems)
if not pack.problem_sections:
    render.show_text('本月无未解决问题。')"""),
    new_markdown_cell("## 三、逾期未完成的议定事项"),
    new_code_cell("render.show_table(T['decisions'], '联席会议议定事项逾期情况')"),
    new_markdown_cell("## 四、提请旗政府研究的项目（第三条第二款第五项）"),
    new_code_cell("render.show_table(T['escalations'], '进度缓慢、问题较多的重大项目')"),
    new_code_cell("""\
if 'adjustment' in T:
    render.show_heading('五、年中集中调整候选项目（第五条）')
    render.show_table(T['adjustment'], '确因客观原因无法开工建设的项目（建议调整替换）')
if write_xlsx:
    target = Path(out_dir) / str(month)
    target.mkdir(parents=True, exist_ok=True)
    write_tables(target / f'联席会议材料_{month}.xlsx', pack.title, pack.sheets())"""),
]


NOTEBOOKS = {"01_period_brief.ipynb": BRIEF, "02_quarterly_evaluation.ipynb": QUARTER, "03_annual_ranking.ipynb": ANNUAL,
             "04_delayed_projects.ipynb": INVESTIGATE, "05_joint_meeting.ipynb": MEETING}


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(notebook(cells), str(ROOT / "notebooks" / name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
