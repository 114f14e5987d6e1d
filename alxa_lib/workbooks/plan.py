"""The plan in force on a date: the base plan plus approved adjustments effective by then (Art. 5).

Pure: the ledger's ``queries.plan_in_force`` feeds it the stored plan and register rows."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where it is used: a report run checks the ledger without it
    import pandas as pd

from alxa_lib.workbooks.cells import parse_date, parse_number, parse_years

INDICATOR_FIELDS = {"总投资": "total_investment", "年度计划投资": "annual_planned", "建设年限": "years",
                    "计划开（复）工日期": "planned_start", "计划开(复)工日期": "planned_start",
                    "计划开复工日期": "planned_start", "计划开工日期": "planned_start"}


def applied_by(adjustments: pd.DataFrame | None, day: dt.date) -> tuple:
    """The index labels of the adjustments approved on or before ``day``: two days with the same ones
    have the same plan in force."""
    if adjustments is None or adjustments.empty:
        return ()
    return tuple(_approved_by(adjustments, day).index)


def _approved_by(adjustments: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    import pandas as pd
    adj = adjustments.copy()
    adj["approval_date"] = pd.to_datetime(adj["approval_date"]).dt.date
    return adj[adj["approval_date"].notna() & (adj["approval_date"] <= day)]


def apply_adjustments(plan_rows: pd.DataFrame, adjustments: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Pure: base plan rows + adjustments approved on or before ``day``."""
    import pandas as pd
    base = plan_rows[~plan_rows["adjusted_in"].fillna(False).astype(bool)].copy()
    pool = plan_rows[plan_rows["adjusted_in"].fillna(False).astype(bool)]
    if adjustments is None or adjustments.empty:
        return base.reset_index(drop=True)
    adj = _approved_by(adjustments, day).sort_values("approval_date", kind="stable")
    for a in adj.to_dict("records"):
        kind = str(a.get("adj_type") or "").strip()
        pid = a.get("project_id")
        if kind in ("替换", "调出"):
            base = base[base["project_id"] != pid]
        if kind in ("替换", "调入"):
            new_id = a.get("replacement_id") if kind == "替换" else pid
            add = pool[pool["project_id"] == new_id]
            base = pd.concat([base, add], ignore_index=True) if not add.empty else base
        if kind in ("调整指标", "调整"):
            f = INDICATOR_FIELDS.get(str(a.get("indicator") or "").strip())
            if f is None or pid not in set(base["project_id"]):
                continue
            mask = base["project_id"] == pid
            if f == "years":
                years, ok = parse_years(a.get("new_value"))
                if years:
                    base.loc[mask, "start_year"], base.loc[mask, "end_year"] = years
            elif f == "planned_start":
                d, ok, _ = parse_date(a.get("new_value"))
                if d:
                    base.loc[mask, f] = d
            else:
                v, ok = parse_number(a.get("new_value"))
                if v is not None:
                    base.loc[mask, f] = v
    return base.reset_index(drop=True)
