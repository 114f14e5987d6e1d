"""What the checks of one report version see: built from the ledger by ``validate``, then pure."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd

from alxa_lib.rules import finding

ACTIVE_STARTED = {"已开工", "已复工", "停工"}
LOCKED = ("total_investment", "annual_planned", "years")






@dataclass
class PeriodContext:
    """Everything the checks of one report version need; built from the ledger, then pure."""
    department: str
    period: dt.date
    file: dict  # the files row of this version
    rows: list[dict]  # this version's report rows
    plan: pd.DataFrame  # the plan in force on the period, this department
    previous: dict[str, dict] = field(default_factory=dict)  # project -> row of the latest earlier report
    completed_before: dict[str, dt.date] = field(default_factory=dict)  # project -> period first reported 已完工
    liaison: str | None = None
    col_refs: dict[str, str] = field(default_factory=dict)
    previous_version_changes: pd.DataFrame | None = None
    previous_version_error_cells: set = field(default_factory=set)
    plan_records: list[dict] | None = None  # ``plan`` as records (built from it when not given)
    _plan_rows: dict | None = field(default=None, repr=False, compare=False)

    def plan_list(self) -> list[dict]:
        if self.plan_records is None:
            self.plan_records = self.plan.to_dict("records")
        return self.plan_records

    def plan_row(self, project_id: str | None) -> dict | None:
        """The project's row of the plan (the first, as listed); the plan is indexed once per context,
        not filtered once per row."""
        if self._plan_rows is None:
            self._plan_rows = {}
            for r in self.plan_list():
                self._plan_rows.setdefault(r["project_id"], r)
        return self._plan_rows.get(project_id) if project_id is not None else None

    def cell(self, row: dict, fld: str) -> str | None:
        col = self.col_refs.get(fld)
        return f"{col}{row['row_no']}" if col and row.get("row_no") is not None else None

    def make(self, code: str, row: dict | None = None, fld: str | None = None, **details) -> dict:
        return finding(code, department=self.department, period=self.period,
                       project_id=(row or {}).get("project_id"), field=fld,
                       sheet=self.file.get("sheet"), cell=self.cell(row, fld) if row and fld else None, **details)

    def row_class(self, row: dict) -> str:
        if row.get("class") in ("KC", "MP"):
            return row["class"]
        match = self.plan_row(row.get("project_id"))
        return match["class"] if match is not None else "KC"

    def unreadable(self, row: dict) -> set[str]:
        raw = row.get("raw")
        return set(json.loads(raw)) if raw else set()
