"""Problem lists (Art. 10): kind from the register or classified by keywords (§7, §9.10), owner department."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from alxa_lib.vocab import PROBLEM_KINDS

KIND_ORDER = [k for k, _, _ in PROBLEM_KINDS]


def classify(text: str | None) -> str:
    """The first kind (in §7 order) whose keyword appears in the text; else 其他."""
    t = text if isinstance(text, str) else ""
    for kind, words, _owner in PROBLEM_KINDS:
        if any(w in t for w in words):
            return kind
    return "其他"


def normalise_kind(kind: str | None, text: str | None) -> str:
    k = kind.strip() if isinstance(kind, str) else ""
    for name, words, _ in PROBLEM_KINDS:
        if k == name or (k and k in words) or (name == "资金" and k in ("融资", "资金/融资")) or (name == "土地" and k == "用地"):
            return name
    return classify(text)


def default_owner(kind: str, project_department: str | None, township: str | None) -> str:
    owner = next(o for k, _, o in PROBLEM_KINDS if k == kind)
    if owner == "主管部门":
        return project_department or "主管部门"
    if owner == "属地苏木镇":
        return township if township and township != "其他" else (project_department or "属地苏木镇")
    return owner


def open_problems(problems: pd.DataFrame, plan: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Register problems raised by ``day`` and not solved by then, with kind, owner and overdue days."""
    if problems.empty:
        return pd.DataFrame(columns=["problem_id", "project_id", "name", "department", "kind", "description", "owner",
                                     "raised_date", "due_date", "overdue_days"])
    p = problems.copy()
    p = p[p["raised_date"].map(lambda d: d is not None and d <= day).astype(bool)]
    p = p[p["solved_date"].map(lambda d: d is None or d > day).astype(bool)]
    info = plan.set_index("project_id")
    p["name"] = p["project_id"].map(info["name"]) if not info.empty else None
    p["department"] = p["project_id"].map(info["department"]) if not info.empty else None
    township = p["project_id"].map(info["township"]) if "township" in info else None
    p["kind"] = [normalise_kind(k, t) for k, t in zip(p["kind"], p["description"])]
    p["owner"] = [o if isinstance(o, str) and o.strip() else default_owner(k, d, t)
                  for o, k, d, t in zip(p["owner"], p["kind"], p["department"],
                                        township if township is not None else [None] * len(p))]
    p["overdue_days"] = [max(0, (day - d).days) if d is not None else 0 for d in p["due_date"]]
    p["_order"] = p["kind"].map(KIND_ORDER.index)
    return p.sort_values(["_order", "owner", "due_date"]).drop(columns="_order").reset_index(drop=True)
