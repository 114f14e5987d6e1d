"""Matching report rows to plan projects (docs/measures.md §10.9), and refusing duplicate projects."""
from __future__ import annotations

import difflib

import pandas as pd

from alxa_lib.rules import finder, finding
from alxa_lib.workbooks.cells import norm_name


class PlanIndex:
    """A plan's look-ups for matching: its ids, its projects by normalised name (all, and per department),
    and the closest names of a text (remembered: one report repeats its names)."""

    def __init__(self, plan: pd.DataFrame):
        self.ids = set(plan["project_id"].dropna()) if not plan.empty else set()
        self.by_name: dict[str, list[str]] = {}
        self.own: dict[str | None, dict[str, list[str]]] = {}
        self.name_of: dict[str, str] = {}
        for pid, name, dept in zip(plan.get("project_id", []), plan.get("name", []), plan.get("department", [])):
            key = norm_name(name)
            self.by_name.setdefault(key, []).append(pid)
            self.own.setdefault(dept, {}).setdefault(key, []).append(pid)
            self.name_of.setdefault(pid, name)  # the first row of an id, as a look-up of the plan gives
        self._close: dict[str, list[str]] = {}
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """What matching against this plan depends on (ids, names, departments), as a short hash: rows matched
        against a plan with another fingerprint are matched again (a late plan or adjustment)."""
        if self._fingerprint is None:
            import hashlib
            keys = sorted((str(pid), key, str(dept)) for dept, names in self.own.items()
                          for key, pids in names.items() for pid in pids)
            self._fingerprint = hashlib.sha1(repr((sorted(map(str, self.ids)), keys)).encode()).hexdigest()[:16]
        return self._fingerprint

    def candidates(self, key: str, department: str | None) -> list[str]:
        own = self.own.get(department, {}) if department is not None else {}
        return own.get(key) or self.by_name.get(key, [])

    def closest(self, key: str) -> list[str]:
        if key not in self._close:
            close = difflib.get_close_matches(key, list(self.by_name), n=3, cutoff=0.5)
            self._close[key] = [self.name_of[self.by_name[c][0]] for c in close]
        return self._close[key]


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None  # NaN/None from any frame dtype


def match_projects(rows: pd.DataFrame, plan: pd.DataFrame, ctx: dict, sheet: str, col_refs: dict,
                   department: str | None = None, index: PlanIndex | None = None) -> list[dict]:
    """Fill ``project_id`` of rows without one by normalised name; flag rows that match nothing.

    The 项目编号 wins when it is in the plan (any department's: the id is authoritative). A name is
    matched among the department's own projects first, then the whole plan. Adds ``matched_by``.
    ``index``: the plan's :class:`PlanIndex` when one plan serves many files.
    """
    if rows.empty:
        rows["matched_by"] = []
        return []
    raw_ids = rows["project_id"].tolist()
    names = rows["name"].tolist() if "name" in rows.columns else None
    pids, matched_by, findings = match_rows(rows["_row"].tolist(), raw_ids, names, ctx, sheet, col_refs, department,
                                            index or PlanIndex(plan))
    # object columns keep None as None (a list would be inferred as a string column with NaN)
    rows["project_id"] = pd.Series(pids, index=rows.index, dtype=object)
    rows["matched_by"] = pd.Series(matched_by, index=rows.index, dtype=object)
    rows["_given_id"] = pd.Series(raw_ids, index=rows.index, dtype=object)
    return findings


def match_rows(row_nos: list, raw_ids: list, names: list | None, ctx: dict, sheet: str, col_refs: dict,
               department: str | None, index: PlanIndex) -> tuple[list, list, list[dict]]:
    """:func:`match_projects` on a table's columns: (project ids, how each row matched, findings)."""
    findings: list[dict] = []
    unknown = finder("PROJECT_UNKNOWN", sheet=sheet, **ctx)
    suggestions: dict[str, str] = {}
    normed: dict[str, str] = {}  # each name folded once (a large report repeats its names)
    ids = index.ids
    name_col, id_col = col_refs.get("name"), col_refs.get("project_id")
    matched_by, pids = [], []
    for row_no, given, written in zip(row_nos, raw_ids, names if names is not None else [None] * len(raw_ids)):
        # _text inlined: it runs twice a row
        pid = given if given.__class__ is str and given.strip() else (_text(given) if given is not None else None)
        name = written if written.__class__ is str and written.strip() else (
            _text(written) if written is not None else None)
        if pid and (pid in ids or not ids):
            matched_by.append("id")
            pids.append(pid)
            continue
        key = (normed[name] if name in normed else normed.setdefault(name, norm_name(name))) if name else None
        candidates = index.candidates(key, department) if name and not pid else []  # a given id is never replaced
        cell = f"{name_col}{row_no}" if name_col else None
        if len(candidates) == 1:
            matched_by.append("name")
            pids.append(candidates[0])
            findings.append(finding("NAME_MATCHED", project_id=candidates[0], field="name", sheet=sheet, cell=cell,
                                    **ctx))
            continue
        if not pid and not name:
            matched_by.append(None)
            pids.append(None)
            continue  # REQUIRED_MISSING is the validator's
        near_key = key if name else norm_name(pid)
        if near_key not in suggestions:  # one report repeats its names
            near = index.closest(near_key)
            suggestions[near_key] = ("，最接近的计划项目：" + "、".join(near)) if near else ""
        if pid and id_col:
            cell = f"{id_col}{row_no}"
        findings.append(unknown(project_id=None, field="project_id" if pid else "name", cell=cell, name=name or pid,
                                suggest=suggestions[near_key]))
        matched_by.append(None)
        pids.append(pid if not ids else None)
    return pids, matched_by, findings


def drop_duplicate_rows(columns: dict[str, list], ctx: dict, sheet: str | None, col_refs: dict) -> list[dict]:
    """:func:`drop_duplicates` on a table's columns (``_row``, ``project_id``, ``matched_by``), changed in place."""
    given = [p for p in columns["project_id"] if p is not None and p == p]  # NaN is no id
    if len(set(given)) == len(given):
        return []  # the usual case: every project on one row
    rows = pd.DataFrame({k: columns[k] for k in ("_row", "project_id", "matched_by")}, dtype=object)
    found = drop_duplicates(rows, ctx, sheet, col_refs)
    columns["project_id"], columns["matched_by"] = rows["project_id"].tolist(), rows["matched_by"].tolist()
    return found


def drop_duplicates(rows: pd.DataFrame, ctx: dict, sheet: str | None, col_refs: dict) -> list[dict]:
    """A project reported on two or more rows of one report: one DUPLICATE_PROJECT error, and neither
    row counts (their ``project_id`` is cleared, ``matched_by`` = 'duplicate') until the department
    resends the report with one row (docs/workbooks.md §6). Figures never silently take the last row."""
    if rows.empty:
        return []
    given = [p for p in rows["project_id"].tolist() if p is not None and p == p]  # NaN is no id
    if len(set(given)) == len(given):
        return []  # the usual case: every project on one row
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
