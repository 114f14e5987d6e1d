"""Report runs: one registry entry per report (notebook, file stem, title), rendered to ipynb/html/pdf/xlsx.

How a report runs (docs/architecture.md §4): the CLI calls one of the functions below; its parameters
are checked against the ledger here (``ledger.guards``, ``preflight``), before any kernel starts; papermill then runs the
notebook, which calls the library; ``render`` turns the executed notebook into HTML and PDF.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from alxa_lib import ledger
from alxa_lib import periods as cal
from alxa_lib.errors import BadParameter
from alxa_lib.files import output_folder
from alxa_lib.ledger import guards
from alxa_lib.reports.running import preflight
from alxa_lib.reports.rendering import render
from alxa_lib.reports.official import pdf_job
from alxa_lib.reports.content.labels import banner
from alxa_lib.reports.running.formats import ANALYST_FORMATS, DEFAULT_FORMATS, FORMATS, OFFICIAL_KINDS  # noqa: F401


@dataclass(frozen=True)
class ReportKind:
    notebook: str
    stem: str  # file stem before the key, e.g. 半月通报 → 半月通报_2025-06-28
    title: Callable[[str], str]


REPORTS: dict[str, ReportKind] = {
    "brief": ReportKind("01_period_brief.ipynb", "半月通报",
                        lambda key: f"{banner()}重点建设项目半月进展通报 {key}"),
    "quarter": ReportKind("02_quarterly_evaluation.ipynb", "季度考评",
                          lambda key: f"{banner()}重点建设项目季度考评 {key}"),
    "annual": ReportKind("03_annual_ranking.ipynb", "年终排名",
                         lambda key: f"{banner()}重点建设项目年度考评排名 {key}"),
    "investigate": ReportKind("04_delayed_projects.ipynb", "延误项目调查",
                              lambda key: f"{banner()}重点建设项目延误情况调查 {key}"),
    "meeting": ReportKind("05_joint_meeting.ipynb", "联席会议材料",
                          lambda key: f"{banner()}重点建设项目调度联席会议材料 {key}"),
}


def check_formats(formats: tuple[str, ...] | None, allowed: tuple[str, ...] = FORMATS) -> tuple[str, ...]:
    """The formats asked for (None → the default set of the report); an unknown name is one line listing
    the valid ones. ``docx`` is the 公文 as Word, ``gwpdf`` the same 公文 as PDF (only brief/quarter/annual)."""
    if formats is None:
        return tuple(f for f in DEFAULT_FORMATS if f in allowed)
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        shown = ", ".join(bad) or "（空）"
        raise BadParameter(f"未知格式：{shown}，可用：{'、'.join(allowed)}",
                           f"unknown format(s): {shown}; use {', '.join(allowed)}")
    return tuple(formats)


def render_report(kind: str, key: str, parameters: dict, db: str | Path | None, out: Path | str,
                  formats: tuple[str, ...] = ANALYST_FORMATS, label: str = "", number: str = "") -> dict[str, Path]:
    """Run the report's notebook with papermill and render what ``formats`` asks for.

    ``key`` names the outputs (a period, a quarter, a year); files go to ``out/<key>/<stem>[_label]_<key>.*``.
    """
    spec = REPORTS[kind]
    dbp = ledger.db_path(db).resolve()
    folder = output_folder(Path(out).resolve() / key)
    stem = "_".join(x for x in (spec.stem, label, key) if x)
    title = spec.title(key if not label else f"{label} {key}")
    params = {**parameters, "db": str(dbp), "out_dir": str(Path(out).resolve()), "write_xlsx": "xlsx" in formats,
              "xlsx_path": str(folder / f"{stem}.xlsx")}
    if kind in OFFICIAL_KINDS:  # the 公文 is written by the notebook from the same objects it displays
        params.update({"write_docx": "docx" in formats, "docx_path": str(folder / f"{stem}.docx"),
                       "write_gwpdf": "gwpdf" in formats, "gwpdf_path": str(folder / f"{stem}_公文.pdf"),
                       "gwpdf_html_path": str(folder / f".~{stem}_公文.html") if "gwpdf" in formats else "",
                       "number": str(number or "")})
    done = {"ipynb": folder / f"{stem}.ipynb"}
    executed = render.execute_notebook(spec.notebook, done["ipynb"], params)
    # the 公文 PDF is laid out by a second process while this one renders the analyst's HTML and PDF
    gwpdf = pdf_job.PdfJob(params["gwpdf_html_path"], folder / f"{stem}_公文.pdf") if "gwpdf" in formats else None
    try:
        if "html" in formats or "pdf" in formats:
            done["html"] = render.to_html(executed, folder / f"{stem}.html", title)
        if "pdf" in formats:
            done["pdf"] = render.to_pdf(done["html"], folder / f"{stem}.pdf", title)
    except BaseException:
        if gwpdf:
            gwpdf.cancel()
        raise
    if "xlsx" in formats:
        done["xlsx"] = folder / f"{stem}.xlsx"
    if "docx" in formats:
        done["docx"] = folder / f"{stem}.docx"
    if gwpdf:
        done["gwpdf"] = gwpdf.wait()
    return done


def brief(period: dt.date, db=None, out="outputs", formats=None, number: str = "") -> dict[str, Path]:
    """``number``: the 期号 of the 公文 (``12`` → 第12期; any other text is kept); "" leaves it out."""
    formats = check_formats(formats)
    period = cal.reporting_date(period)
    guards.require_reports(db, period, period, f"{period}期", f"the period {period}")
    return render_report("brief", period.isoformat(), {"period": period.isoformat()}, db, out, formats,
                         number=number)


def quarter(quarter_text: str, db=None, out="outputs", formats=None, number: str = "") -> dict[str, Path]:
    formats = check_formats(formats)
    year, q = cal.parse_quarter(quarter_text)
    guards.require_quarter(db, year, q)
    key = f"{year}Q{q}"
    return render_report("quarter", key, {"quarter": key}, db, out, formats, number=number)


def annual(year: int, db=None, out="outputs", formats=None, number: str = "") -> dict[str, Path]:
    formats = check_formats(formats)
    guards.require_year(db, int(year))
    return render_report("annual", str(year), {"year": int(year)}, db, out, formats, number=number)


def selection_slug(project_ids=None, department: str | None = None, red: bool = False) -> str:
    """What an investigation looked at, for its file names: 红灯, the department, the project ids."""
    parts = (["红灯"] if red else []) + ([department] if department else []) + list(project_ids or [])[:5]
    if project_ids and len(project_ids) > 5:
        parts.append(f"等{len(project_ids)}个项目")
    return re.sub(r'[\\/:*?"<>|\s]+', "-", "_".join(parts))


def investigate(as_of: dt.date, project_ids=None, department: str | None = None, red: bool = False, db=None,
                out="outputs", formats=None) -> dict[str, Path]:
    formats = check_formats(formats, ANALYST_FORMATS)
    if not (project_ids or department or red):
        raise BadParameter("请指定 --project、--department 或 --red", "choose --project, --department or --red")
    guards.require_year(db, as_of.year)
    if department:
        department = preflight.department(db, department, as_of)
    if project_ids:
        project_ids = preflight.projects(db, list(project_ids), as_of)
    return render_report("investigate", as_of.isoformat(),
                         {"as_of": as_of.isoformat(), "project_ids": list(project_ids or []),
                          "department": department or "", "lights": ["red"] if red else []}, db, out, formats,
                         label=selection_slug(project_ids, department, red))


def meeting(month: str, db=None, out="outputs", formats=None) -> dict[str, Path]:
    formats = check_formats(formats, ANALYST_FORMATS)
    y, m = cal.parse_month(month)
    guards.require_month(db, y, m)
    key = f"{y}-{m:02d}"
    return render_report("meeting", key, {"month": key}, db, out, formats)
