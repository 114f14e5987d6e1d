"""Checks of a report's own parameters against the ledger, before any kernel starts (one clear line each): the
department and the projects asked for. The guards every command shares are in ``ledger.guards``."""
from __future__ import annotations

import datetime as dt
import difflib

from alxa_lib import ledger
from alxa_lib.errors import UnknownDepartment, UnknownProject
from alxa_lib.ledger import queries
from alxa_lib.workbooks.meta import resolve_department


def _plan(db, day: dt.date):
    con = ledger.connect(db, read_only=True)
    try:
        return queries.plan_in_force(con, day)
    finally:
        con.close()


def _close(word: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(word, choices, n=3, cutoff=0.3)
    return "、".join(near)


def department(db, name: str, day: dt.date) -> str:
    """The canonical department for ``name`` (alias table first), which must have projects in the plan."""
    plan = _plan(db, day)
    known = sorted(set(plan["department"].dropna()))
    canon = resolve_department(name) or name.strip()
    if canon in known:
        return canon
    hint = _close(canon, known)
    raise UnknownDepartment(f"计划中没有单位“{name}”" + (f"，是否指：{hint}" if hint else ""),
                            f"no department {name!r} in the plan" + (f"; did you mean {hint.replace('、', ', ')}?"
                                                                        if hint else ""))


def projects(db, ids: list[str], day: dt.date) -> list[str]:
    """``ids`` unchanged when every one is in the plan in force on ``day``; else UnknownProject with close ids."""
    plan = _plan(db, day)
    known = set(plan["project_id"].dropna())
    unknown = [i for i in ids if i not in known]
    if not unknown:
        return list(ids)
    names = dict(zip(plan["project_id"], plan["name"]))
    hints = []
    for i in unknown:
        typo = i.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")  # 0/O, 1/l/I mix-ups
        near = [typo] if typo in known else []
        near += [p for p in difflib.get_close_matches(i, sorted(known), n=2, cutoff=0.5) if p not in near]
        near += [pid for pid, n in names.items() if isinstance(n, str) and i in n][:2]
        shown = "、".join(f"{p} {names.get(p) or ''}".strip() for p in near) or "无相近项目"
        hints.append(f"{i}（{shown}）")
    raise UnknownProject(f"{day}的计划中没有这些项目：{'；'.join(hints)}",
                         f"not in the plan in force on {day}: {', '.join(unknown)}")
