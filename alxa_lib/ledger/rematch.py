"""Matching again when the plan changes (docs/measures.md §10.9): figures do not depend on the order files arrive.

A report ingested before its plan, or before the adjustment that moved a project in, was matched against
the plan in force then. Each matched file records the fingerprint of the plan it was matched against
(``files.matched_with``); when a plan or registers workbook has been stored, every matched file whose plan
in force now has another fingerprint is matched again from the rows as the department wrote them (the
``given_id`` and the name): ``project_id`` and ``matched_by`` are replaced, and so are the file's matching
findings. Nothing else of the file changes. The plan's own arrival already makes every period's stored
validation findings stale (docs/measures.md §10.5), so they are recomputed by the next ``validate``.

In the ordinary order (the plan first) every file was matched against the plan in force: only the
fingerprints are compared (a few plans in force a year, each fingerprinted once).
"""
from __future__ import annotations

import json

import pandas as pd

from alxa_lib import ledger
from alxa_lib.ledger import queries
from alxa_lib.ledger.matching import drop_duplicate_rows, match_rows

MATCH_RULES = ("PROJECT_UNKNOWN", "NAME_MATCHED", "DUPLICATE_PROJECT")
TABLE_OF = {"report": "report_rows", "start_report": "start_rows", "schedule": "schedule_rows"}


def stale_files(con, plans) -> list[tuple[tuple, object, str]]:
    """The matched files whose plan in force has changed since they were matched: (file row, plan index,
    fingerprint) each."""
    from alxa_lib.ledger.batches import NO_PLAN
    out = []
    for f in queries.files_to_match(con):
        _, kind, _, period, report_date, received, _, _, matched_with = f
        day = period or report_date or received
        if day is None:
            continue
        all_plan = plans.all_rows(con, day.year)
        if all_plan.empty:
            fingerprint, index = NO_PLAN, None
        else:
            plan = plans.in_force(con, day) if kind == "report" else all_plan
            index = plans.index(plan)
            fingerprint = index.fingerprint
        if fingerprint != matched_with and index is not None:
            out.append((f, index, fingerprint))
    return out


def rematch(con, plans) -> int:
    """Match again every stored file whose plan in force changed; returns how many files were matched again."""
    plans.refresh(con)
    stale = stale_files(con, plans)
    if not stale:
        return 0
    by_table: dict[str, list] = {}
    for f, index, fingerprint in stale:
        by_table.setdefault(TABLE_OF[f[1]], []).append((f, index, fingerprint))
    with ledger.transaction(con):
        for table, files in by_table.items():
            rows = queries.rows_to_match(con, table, [int(f[0]) for f, _, _ in files])
            groups = dict(tuple(rows.groupby("file_id", sort=False))) if len(rows) else {}
            updates, findings = [], []
            for f, index, fingerprint in files:
                file_id, kind, department, period = int(f[0]), f[1], f[2], f[3]
                mine = groups.get(file_id)
                if mine is not None and len(mine):
                    pids, matched_by, found = _match_again(mine, kind, department, period, f[6], f[7], table, index)
                    updates.append(pd.DataFrame({"file_id": file_id, "row_no": mine["row_no"].tolist(),
                                                 "project_id": pids, "matched_by": matched_by}, dtype=object))
                    findings += [{**x, "file_id": file_id, "stage": "ingest"} for x in found]
                ledger.rematched(con, file_id, fingerprint, MATCH_RULES)
            if updates:
                ledger.update_matches(con, table, pd.concat(updates, ignore_index=True))
            if findings:
                ledger.insert_frame(con, "findings", pd.DataFrame(findings, dtype=object))
    return len(stale)


def rematch_now(con) -> int:
    """:func:`rematch` with a fresh plan cache: after a plan or registers workbook was withdrawn or restored."""
    from alxa_lib.ledger.batches import PlanCache
    return rematch(con, PlanCache())


def _match_again(rows: pd.DataFrame, kind, department, period, sheet, col_refs, table, index):
    refs = (json.loads(col_refs) if col_refs else {}).get(table, {})
    ctx = {"department": department, "period": period}
    # the id the department wrote; rows stored before ``given_id`` existed keep an id that matched
    given = [g if isinstance(g, str) else (p if isinstance(p, str) and m == "id" else None)
             for g, p, m in zip(rows["given_id"], rows["project_id"], rows["matched_by"])]
    names = [n if isinstance(n, str) else None for n in rows["name"]] if "name" in rows else None
    row_nos = [int(r) for r in rows["row_no"]]
    pids, matched_by, found = match_rows(row_nos, given, names, ctx, sheet, refs, department, index)
    if kind == "report":
        cols = {"_row": row_nos, "project_id": pids, "matched_by": matched_by}
        found += drop_duplicate_rows(cols, ctx, sheet, refs)
        pids, matched_by = cols["project_id"], cols["matched_by"]
    return pids, matched_by, found
