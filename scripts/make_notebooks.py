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
        "# 半月进展通报：本笔记本只负责展示，计算全部在 alxa_lib.brief 中。\n"
        "import datetime as dt\nfrom pathlib import Path\n\nimport duckdb\n\n"
        "from alxa_lib import charts, render\nfrom alxa_lib.brief import build_brief, write_xlsx as brief_xlsx\n"
        "from alxa_lib.state import load_year\nfrom alxa_lib.validate import latest_only, validate_period\n\n"
        "render.setup_charts()\nday = dt.date.fromisoformat(str(period))\n"
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

NOTEBOOKS = {"01_period_brief.ipynb": BRIEF}


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(notebook(cells), str(ROOT / "notebooks" / name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
