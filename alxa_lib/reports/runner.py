"""Report runs: one registry entry per report (notebook, file stem, title), rendered to ipynb/html/pdf/xlsx."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from alxa_lib import ledger
from alxa_lib.reports import render

FORMATS = ("html", "pdf", "xlsx")


@dataclass(frozen=True)
class ReportKind:
    notebook: str
    stem: str  # file stem before the key, e.g. 半月通报 → 半月通报_2025-06-28
    title: Callable[[str], str]


REPORTS: dict[str, ReportKind] = {
    "brief": ReportKind("01_period_brief.ipynb", "半月通报",
                        lambda key: f"阿拉善左旗重点建设项目半月进展通报 {key}"),
    "quarter": ReportKind("02_quarterly_evaluation.ipynb", "季度考评",
                          lambda key: f"阿拉善左旗重点建设项目季度考评 {key}"),
    "annual": ReportKind("03_annual_ranking.ipynb", "年终排名",
                         lambda key: f"阿拉善左旗重点建设项目年度考评排名 {key}"),
    "investigate": ReportKind("04_delayed_projects.ipynb", "延误项目调查",
                              lambda key: f"阿拉善左旗重点建设项目延误情况调查 {key}"),
    "meeting": ReportKind("05_joint_meeting.ipynb", "联席会议材料",
                          lambda key: f"阿拉善左旗重点建设项目调度联席会议材料 {key}"),
}


def render_report(kind: str, key: str, parameters: dict, db: str | Path | None, out: Path | str,
                  formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Run the report's notebook with papermill and render what ``formats`` asks for.

    ``key`` names the outputs (a period, a quarter, a year); files go to ``out/<key>/<stem>_<key>.*``.
    """
    bad = set(formats) - set(FORMATS)
    if bad:
        raise ValueError(f"未知格式 / unknown format(s): {', '.join(sorted(bad))}; use {', '.join(FORMATS)}")
    spec = REPORTS[kind]
    dbp = ledger.db_path(db).resolve()
    if not dbp.exists():
        raise FileNotFoundError(f"数据库不存在，请先导入报表 / no ledger at {dbp}: run `alxa ingest` first")
    folder = Path(out).resolve() / key
    stem = f"{spec.stem}_{key}"
    params = {**parameters, "db": str(dbp), "out_dir": str(Path(out).resolve()), "write_xlsx": "xlsx" in formats}
    done = {"ipynb": render.run_notebook(spec.notebook, folder / f"{stem}.ipynb", params)}
    if "html" in formats or "pdf" in formats:
        done["html"] = render.to_html(done["ipynb"], folder / f"{stem}.html")
    if "pdf" in formats:
        done["pdf"] = render.to_pdf(done["html"], folder / f"{stem}.pdf", spec.title(key))
    if "xlsx" in formats:
        done["xlsx"] = folder / f"{stem}.xlsx"
    return done


def brief(period: dt.date, db=None, out="outputs", formats=FORMATS) -> dict[str, Path]:
    return render_report("brief", period.isoformat(), {"period": period.isoformat()}, db, out, formats)


def quarter(quarter_text: str, db=None, out="outputs", formats=FORMATS) -> dict[str, Path]:
    from alxa_lib.periods import parse_quarter
    year, q = parse_quarter(quarter_text)
    key = f"{year}Q{q}"
    return render_report("quarter", key, {"quarter": key}, db, out, formats)


def annual(year: int, db=None, out="outputs", formats=FORMATS) -> dict[str, Path]:
    return render_report("annual", str(year), {"year": int(year)}, db, out, formats)


def investigate(as_of: dt.date, project_ids=None, department: str | None = None, red: bool = False, db=None,
                out="outputs", formats=FORMATS) -> dict[str, Path]:
    return render_report("investigate", as_of.isoformat(),
                         {"as_of": as_of.isoformat(), "project_ids": list(project_ids or []),
                          "department": department or "", "lights": ["red"] if red else []}, db, out, formats)


def meeting(month: str, db=None, out="outputs", formats=FORMATS) -> dict[str, Path]:
    from alxa_lib.reports.meeting import parse_month
    y, m = parse_month(month)
    key = f"{y}-{m:02d}"
    return render_report("meeting", key, {"month": key}, db, out, formats)
