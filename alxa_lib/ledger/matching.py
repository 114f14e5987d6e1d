"""Matching report rows to plan projects (docs/measures.md §10.9), and refusing duplicate projects."""
from __future__ import annotations

import difflib

import pandas as pd

from alxa_lib.rules import finding
from alxa_lib.workbooks.cells import norm_name


def match_projects(rows: pd.DataFrame, plan: pd.DataFrame, ctx: dict, sheet: str, col_refs: dict,
                   department: str | None = None) -> list[dict]:
    """Fill ``project_id`` of rows without one by normalised name; flag rows that match nothing.

    The 项目编号 wins when it is in the plan (any department's: the id is authoritative). A name is
    matched among the department's own projects first, then the whole plan. Adds ``matched_by``.
    """
    findings: list[dict] = []
    if rows.empty:
        rows["matched_by"] = []
        return findings
    ids = set(plan["project_id"].dropna()) if not plan.empty else set()
    by_name: dict[str, list[str]] = {}
    own: dict[str, list[str]] = {}
    for pid, name, dept in zip(plan.get("project_id", []), plan.get("name", []), plan.get("department", [])):
        by_name.setdefault(norm_name(name), []).append(pid)
        if department is not None and dept == department:
            own.setdefault(norm_name(name), []).append(pid)
    name_col = col_refs.get("name")
    matched_by, pids = [], []
    for r in rows.to_dict("records"):
        pid, name = r.get("project_id"), r.get("name")
        pid = pid if isinstance(pid, str) and pid.strip() else None  # NaN/None from any frame dtype
        name = name if isinstance(name, str) and name.strip() else None
        cell = f"{name_col}{r['_row']}" if name_col else None
        if pid and (pid in ids or not ids):
            matched_by.append("id")
            pids.append(pid)
            continue
        candidates = (own.get(norm_name(name)) or by_name.get(norm_name(name), [])) if name else []
        if len(candidates) == 1 and not pid:
            matched_by.append("name")
            pids.append(candidates[0])
            findings.append(finding("NAME_MATCHED", project_id=candidates[0], field="name", sheet=sheet, cell=cell,
                                    **ctx))
            continue
        if not pid and not name:
            matched_by.append(None)
            pids.append(None)
            continue  # REQUIRED_MISSING is the validator's
        close = difflib.get_close_matches(norm_name(name or pid), list(by_name), n=3, cutoff=0.5)
        names = [plan.loc[plan["project_id"] == by_name[c][0], "name"].iloc[0] for c in close]
        suggest = ("，最接近的计划项目：" + "、".join(names)) if names else ""
        if pid:
            ref = col_refs.get("project_id")
            cell = f"{ref}{r['_row']}" if ref else cell
        findings.append(finding("PROJECT_UNKNOWN", project_id=None, field="project_id" if pid else "name",
                                sheet=sheet, cell=cell, name=name or pid, suggest=suggest, **ctx))
        matched_by.append(None)
        pids.append(pid if not ids else None)
        r["_unknown_id"] = pid
    raw_ids = rows["project_id"].tolist()
    # object columns keep None as None (a list would be inferred as a string column with NaN)
    rows["project_id"] = pd.Series(pids, index=rows.index, dtype=object)
    rows["matched_by"] = pd.Series(matched_by, index=rows.index, dtype=object)
    rows["_given_id"] = pd.Series(raw_ids, index=rows.index, dtype=object)
    return findings


def drop_duplicates(rows: pd.DataFrame, ctx: dict, sheet: str | None, col_refs: dict) -> list[dict]:
    """A project reported on two or more rows of one report: one DUPLICATE_PROJECT error, and neither
    row counts (their ``project_id`` is cleared, ``matched_by`` = 'duplicate') until the department
    resends the report with one row (docs/workbooks.md §6). Figures never silently take the last row."""
    if rows.empty:
        return []
    ids = rows["project_id"].where(rows["project_id"].notna(), None)
    counts = ids.value_counts()
    out = []
    ref = col_refs.get("project_id") or col_refs.get("name")
    for pid, n in counts[counts > 1].items():
        mask = ids == pid
        row_nos = [int(x) for x in rows.loc[mask, "_row"]]
        out.append(finding("DUPLICATE_PROJECT", project_id=pid, field="project_id", sheet=sheet,
                           cell=f"{ref}{row_nos[1]}" if ref else None, count=int(n),
                           rows="、".join(map(str, row_nos)), **ctx))
        rows.loc[mask, "project_id"] = None
        rows.loc[mask, "matched_by"] = "duplicate"
    return out
