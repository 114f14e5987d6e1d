"""The small commands an analyst reaches for every day: ``alxa status``, ``diff``, ``withdraw``, ``summary``.

The content is in ``reports.content.status`` (pure) and ``ledger`` (the withdrawal); here the arguments are
checked, the ledger is opened and closed, and the answer is printed as a table or as JSON.
"""
from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

from alxa_lib.commands import _dump, pad
from alxa_lib.errors import BadParameter, NoData
from alxa_lib.files import sha256_of

LIGHT_SHOWN = {"red": "● 红灯", "yellow": "▲ 黄灯", "green": "○ 绿灯", None: "—"}


def _width(text: str) -> int:
    from alxa_lib.workbooks.xlsx_write import display_width
    return display_width(text)


def _year(db, period: dt.date):
    from alxa_lib.commands import _load_year
    return _load_year(db, period.year)


def _require_reports(db, period: dt.date) -> None:
    """NoData unless some department's report for ``period`` is in the ledger (withdrawn ones do not count)."""
    from alxa_lib import ledger
    from alxa_lib.ledger import queries
    con = ledger.connect(db, read_only=True)
    try:
        files = queries.period_report_files(con, period)
    finally:
        con.close()
    if not (~files["withdrawn"].astype(bool)).any():
        raise NoData(f"台账中没有{period}期的报表", f"the ledger holds no report for the period {period}")


def cmd_status(a) -> int:
    from alxa_lib import ledger
    from alxa_lib import periods as cal
    from alxa_lib.checks.validate import latest_only, period_findings
    from alxa_lib.ledger import queries
    from alxa_lib.reports.content.status import STATE_CN, status
    period = cal.reporting_date(a.period)
    data = _year(a.db, period)
    con = ledger.connect(a.db, read_only=True)
    try:
        files = queries.period_report_files(con, period)
        findings = latest_only(period_findings(con, period), con) if len(files) else None
    finally:
        con.close()
    import pandas as pd
    if findings is None:
        findings = pd.DataFrame(columns=["department", "severity"])
    result = status(data, files, findings, period, a.today or dt.date.today())
    if a.json:
        _dump(result)
        return 0
    print(f"{period}期报送情况（截至{result['as_of']}）：应报{result['due_departments']}个单位，"
          + "，".join(f"{cn}{result[k]}个" for k, cn in STATE_CN.items())
          + f"；退回修改未结{result['return_lists_open']}个")
    w = max([_width(r["department"]) for r in result["departments"]] + [4]) + 1
    print(f"  {pad('单位', w)} {pad('情况', 6)} {pad('收到日期', 12)} 版本  错误 警告  联系人")
    for r in result["departments"]:
        who = "、".join(" ".join(x for x in (c["name"], c["phone"]) if x) for c in r["contacts"][:2]) or "—"
        print(f"  {pad(r['department'], w)} {pad(STATE_CN[r['state']], 6)} {pad(r['received'] or '—', 12)} "
              f"{r['versions']:>4}  {r['errors']:>4} {r['warnings']:>4}  {who}")
    if result["to_chase"]:
        print(f"\n催报：{'、'.join(result['to_chase'])}")
    return 0


def cmd_diff(a) -> int:
    from alxa_lib import periods as cal
    from alxa_lib.reports.content.status import diff
    period = cal.reporting_date(a.period)
    data = _year(a.db, period)
    _require_reports(a.db, period)
    result = diff(data, period)
    if a.json:
        _dump(result)
        return 0
    print(f"{period}期较上期（{result['previous_period'] or '无'}）变化 / changes since the previous period")
    print(f"\n新开复工 {len(result['newly_started'])} 个")
    for r in result["newly_started"]:
        print(f"  {pad(r['project_id'], 14)} {pad(r['department'] or '', 18)} {r['name']}（{r['start_date'] or '—'}）")
    print(f"\n亮灯变化 {len(result['lights_changed'])} 个（新增红灯 {len(result['newly_red'])} 个）")
    for r in result["lights_changed"]:
        print(f"  {pad(r['project_id'], 14)} {pad(LIGHT_SHOWN[r['from']], 8)} → {pad(LIGHT_SHOWN[r['to']], 8)} "
              f"{pad(r['department'] or '', 18)} {r['name']}")
    print(f"\n新增完成投资（万元）合计 {result['investment_added_total']:,.2f}")
    for r in result["investment_added"]:
        print(f"  {pad(r['department'], 18)} {r['previous']:>12,.2f} → {r['current']:>12,.2f}  +{r['added']:,.2f}")
    return 0


def cmd_summary(a) -> int:
    from alxa_lib import periods as cal
    from alxa_lib.reports.content.status import summary
    period = cal.reporting_date(a.period)
    data = _year(a.db, period)
    _require_reports(a.db, period)
    result = summary(data, period)
    if a.json:
        _dump(result)
    else:
        print(result["text"])
    return 0


def _sha_of(target: str) -> str:
    path = Path(target)
    if path.is_file():
        return sha256_of(path)
    text = target.strip().lower()
    if len(text) < 8 or any(c not in "0123456789abcdef" for c in text):
        raise BadParameter(f"“{target}”既不是文件也不是SHA-256（至少8位十六进制）",
                           f"{target!r} is neither a file nor a SHA-256 (at least 8 hex digits)")
    return text


def _match_again_if_plan(con, found) -> None:
    """A plan or registers workbook withdrawn or restored changes the plan in force: the stored rows are
    matched again (docs/workbooks.md §8, "Order of arrival")."""
    if found["kind"].isin(["plan", "registers"]).any():
        from alxa_lib.ledger.rematch import rematch_now
        rematch_now(con)


def _stored_file(target: str, db) -> tuple:
    """The ledger's path and every stored row of the one file ``target`` names (a path or 8+ digits of its
    SHA-256); BadParameter when none or several match."""
    from alxa_lib import ledger
    from alxa_lib.ledger import queries
    sha = _sha_of(target)
    dbp = ledger.db_path(db)
    con = ledger.connect(dbp, read_only=True)  # NoLedger when there is none; never creates one
    try:
        found = queries.files_with_sha(con, sha)
    finally:
        con.close()
    if found.empty:
        raise BadParameter(f"台账中没有这个文件：{target}", f"no such file in the ledger: {target}")
    if found["sha256"].nunique() > 1:
        names = "、".join(found["original_name"].astype(str).unique()[:3])
        raise BadParameter(f"“{target}”对应多个文件（{names}），请给出更长的SHA-256",
                           f"{target!r} matches several files: give more digits of the SHA-256")
    return dbp, found


def _log_and_apply(a, dbp, found, by: str, action: str) -> None:
    """Withdraw or restore (``action``) the file ``found`` in the ledger, match again if it is a plan or
    registers, record it in the archive (so a rebuild applies it too) and refresh the stored status
    (docs/architecture.md §12)."""
    from alxa_lib import ledger
    from alxa_lib.commands import refresh_surface
    from alxa_lib.ledger.archive import record_withdrawal
    digest = str(found["sha256"].iloc[0])
    with ledger.writer_lock(dbp):
        con = ledger.connect(dbp)
        try:
            (ledger.withdraw if action == "withdraw" else ledger.restore)(con, digest, by, a.why)
            _match_again_if_plan(con, found)
        finally:
            con.close()
        record_withdrawal(dbp, digest, by, a.why, action=action)
    refresh_surface(dbp, getattr(a, "wait", None))


def cmd_withdraw(a) -> int:
    """Withdraw a wrongly ingested file: kept in the archive and the ledger, left out of every figure."""
    by, result = _withdraw_or_restore(a, "withdraw")
    if a.json:
        _dump(result)
        return 0
    for r in result["withdrawn"]:
        print(f"已撤回 withdrawn: {r['original_name']}（{r['department'] or ''} {r['period'] or ''} 第{r['version']}版，"
              f"file_id {r['file_id']}，sha256 {r['sha256'][:12]}…）")
    print(f"记录 recorded: {by} {result['at']}" + (f"，原因：{a.why}" if a.why else "")
          + "；文件仍保存在归档和台账中 / the file stays in the archive and the ledger")
    return 0


def cmd_restore(a) -> int:
    """Undo ``alxa withdraw`` (or the withdrawal of a re-sent older version): the file counts again; who,
    when and why are logged in the ledger and kept in the archive, as the withdrawal was."""
    by, result = _withdraw_or_restore(a, "restore")
    result["restored"] = result.pop("withdrawn")
    if a.json:
        _dump(result)
        return 0
    for r in result["restored"]:
        print(f"已恢复 restored: {r['original_name']}（{r['department'] or ''} {r['period'] or ''} 第{r['version']}版，"
              f"file_id {r['file_id']}）")
    print(f"记录 recorded: {by} {result['at']}" + (f"，原因：{a.why}" if a.why else ""))
    return 0


def _withdraw_or_restore(a, action: str) -> tuple[str, dict]:
    """The stored file ``a.target`` withdrawn or restored (``action``), refused when it already is; returns who
    acted and the record of the rows it changed (``withdrawal_record``)."""
    from alxa_lib.reports.content.status import withdrawal_record
    dbp, found = _stored_file(a.target, a.db)
    withdrawn = found["withdrawn"].astype(bool)
    rows = found[~withdrawn] if action == "withdraw" else found[withdrawn]
    if rows.empty:
        name = found["original_name"].iloc[0]
        if action == "withdraw":
            raise BadParameter(f"文件已撤回：{name}", f"the file was already withdrawn: {name}")
        raise BadParameter(f"文件未被撤回：{name}", f"the file is not withdrawn: {name}")
    by = a.by or getpass.getuser()
    _log_and_apply(a, dbp, found, by, action)
    return by, withdrawal_record(rows, by, a.why, dt.datetime.now())
