"""The ``alxa`` command line: arguments in, one clear line out on any failure (exit 2), never a traceback.

``alxa --debug …`` shows the traceback of an unexpected error. The commands themselves are in
``alxa_lib.commands``; docs/architecture.md §4 shows how a report run flows.
"""
from __future__ import annotations

import argparse
import os
import datetime as dt
import sys
from pathlib import Path

from alxa_lib import commands
from alxa_lib.console import shown
from alxa_lib.errors import AlxaError

EXIT_ERROR = 2


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (and exits 2, as argparse does)."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        print(f"错误 / error: {message}（用法见 `{self.prog} --help` / see `{self.prog} --help`）", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / dates look like 2025-06-28: {text!r}") from None


def _year(text: str) -> int:
    if not (text.isdigit() and 2000 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"年份应为四位数字 / a year looks like 2025: {text!r}")
    return int(text)


def _db(parser: argparse.ArgumentParser, json_output: bool = True) -> None:
    """--db (else ALXA_DB, else data/alxa.duckdb) and, for commands with a JSON contract, --json."""
    parser.add_argument("--db", default=None, metavar="FILE",
                        help="台账文件 / ledger file, e.g. --db data/alxa.duckdb (default: $ALXA_DB or data/alxa.duckdb)")
    if json_output:
        parser.add_argument("--json", action="store_true", help="输出JSON / print the JSON contract")


def _wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="台账被其他程序（如笔记本）占用时最多等待的秒数 / how long to wait for another program's "
                             "lock on the ledger, e.g. --wait 300 (default: params/ingest.yaml ledger.write_wait_seconds)")


def _report_parsers(sub) -> None:
    from alxa_lib.reports.running.formats import ANALYST_FORMATS, DEFAULT_FORMATS, FORMATS
    r = sub.add_parser("report", help="生成报告 / render a report: alxa report brief --period 2025-06-28")
    kinds = r.add_subparsers(dest="kind", required=True, metavar="KIND", parser_class=Parser)

    def kind(name: str, help_text: str, official: bool = False):
        k = kinds.add_parser(name, help=help_text, description=help_text)
        _db(k, json_output=False)
        valid, default = (FORMATS, DEFAULT_FORMATS) if official else (ANALYST_FORMATS, ANALYST_FORMATS)
        extra = "; docx = 公文 Word file, gwpdf = the same 公文 as PDF" if official else ""
        k.add_argument("--format", default=None,
                       help=f"输出格式，逗号分隔 / output formats, comma-separated, from: {', '.join(valid)}{extra} "
                            f"(default: {','.join(default)}), e.g. --format html,pdf")
        k.add_argument("--out", default="outputs", help="输出文件夹 / output folder, e.g. --out outputs")
        if official:
            k.add_argument("--number", default="", help="公文期号或文号 / issue or document number, e.g. --number 12 "
                                                        "(→ 第12期 for the brief, 阿左发改发〔2025〕12号 otherwise; "
                                                        "other text is kept)")
        k.set_defaults(func=commands.cmd_report)
        return k

    kind("brief", "半月进展通报 / period brief", official=True).add_argument(
        "--period", required=True, type=_date, help=_period_help())
    kind("quarter", "季度考评 / quarterly evaluation", official=True).add_argument(
        "--quarter", required=True, help="季度 / quarter, e.g. 2025Q2")
    kind("annual", "年终排名 / year-end ranking", official=True).add_argument(
        "--year", required=True, type=_year, help="年度 / year, e.g. 2025")
    inv = kind("investigate", "延误项目调查 / delayed-project investigation")
    inv.add_argument("--as-of", required=True, type=_date, help="截至日期 / as of, e.g. 2025-09-28")
    inv.add_argument("--project", nargs="+", default=None, help="项目编号 / project ids, e.g. --project 2025-ZD-001")
    inv.add_argument("--department", default=None, help="主管部门（可用简称）/ department, e.g. 交通局")
    inv.add_argument("--red", action="store_true", help="全部红灯项目 / every red project")
    kind("meeting", "联席会议材料 / joint-meeting pack").add_argument(
        "--month", required=True, help="月份 / month, e.g. 2025-06")


def _inspect_parsers(sub) -> None:
    ins = sub.add_parser("inspect", help="实地督查 / on-site inspection: alxa inspect plan --period 2025-09-28")
    isub = ins.add_subparsers(dest="inspect_command", required=True, metavar="WHAT", parser_class=Parser)
    pl = isub.add_parser("plan", help="按风险排序的督查建议清单 / projects to visit, highest risk first")
    pl.add_argument("--period", required=True, type=_date, help="报送日期（14日或28日）/ reporting date, e.g. 2025-09-28")
    pl.add_argument("--n", type=int, default=None, metavar="N",
                    help="列出前N个项目 / list the first N projects, e.g. --n 10 (default: params/integrity.yaml risk.default_n)")
    pl.add_argument("--out", default=None, metavar="DIR",
                    help="写出督查清单和记录表的文件夹 / write the list and the record forms here, e.g. outputs/督查")
    _db(pl)
    pl.set_defaults(func=commands.cmd_inspect_plan)


def _period_help() -> str:
    """The reporting dates as params/monitoring.yaml ``due_days`` sets them (14日或28日)."""
    from alxa_lib import params
    days = "或".join(f"{d}日" for d in params.load("monitoring")["due_days"])
    return f"报送日期（{days}）/ reporting date, e.g. 2025-06-28"


def _daily_parsers(sub) -> None:
    from alxa_lib import daily
    period_help = _period_help()
    st = sub.add_parser("status", help="本期谁已报、迟报、未报 / who has reported: alxa status --period 2025-06-28")
    st.add_argument("--period", required=True, type=_date, help=period_help)
    st.add_argument("--today", type=_date, default=None,
                    help="按哪天判断待报/未报 / judge pending vs missing as of this day, e.g. --today 2025-06-27 "
                         "(default: today)")
    _db(st)
    st.set_defaults(func=daily.cmd_status)
    df = sub.add_parser("diff", help="较上期变化 / changes since the previous period: alxa diff --period 2025-06-28")
    df.add_argument("--period", required=True, type=_date, help=period_help)
    _db(df)
    df.set_defaults(func=daily.cmd_diff)
    sm = sub.add_parser("summary", help="通报要点（≤500字）/ the brief in a few sentences: alxa summary --period 2025-06-28")
    sm.add_argument("--period", required=True, type=_date, help=period_help)
    _db(sm)
    sm.set_defaults(func=daily.cmd_summary)
    _file_action(sub, "withdraw", daily.cmd_withdraw,
                 help="撤回误导入的文件（不删除）/ withdraw a wrongly ingested file: "
                      "alxa withdraw 收件/交通运输局.xlsx --why 重复报送",
                 why="撤回原因 / reason, e.g. --why 误将6月14日报表作为6月28日导入",
                 by="操作人（默认当前用户）/ who withdraws it (default: the login), e.g. --by 张三")
    _file_action(sub, "restore", daily.cmd_restore,
                 help="撤销撤回（文件重新计入）/ undo a withdrawal: alxa restore 3fa2c9d1 --why 撤回有误",
                 why="原因 / reason, e.g. --why 撤回有误",
                 by="操作人（默认当前用户）/ who restores it (default: the login), e.g. --by 张三")


def _file_action(sub, name: str, func, *, help: str, why: str, by: str) -> None:
    """withdraw and restore take the same arguments: one stored file, a reason and who acts."""
    a = sub.add_parser(name, help=help)
    a.add_argument("target", metavar="FILE|SHA", help="文件或其SHA-256（至少8位）/ the file or its SHA-256 "
                                                      "(8+ hex digits), e.g. 3fa2c9d1")
    a.add_argument("--why", default=None, help=why)
    a.add_argument("--by", default=None, help=by)
    _db(a)
    a.set_defaults(func=func)


def build_parser() -> argparse.ArgumentParser:
    from alxa_lib import __version__
    p = Parser(prog="alxa", description="重点建设项目监控 / key project monitoring toolkit")
    p.add_argument("--version", action="version", version=f"alxa-monitor {__version__}")
    p.add_argument("--debug", action="store_true", help="出错时显示完整堆栈 / show the traceback of an unexpected error")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    s = sub.add_parser("sample", help="写出样本年度 / write the synthetic sample year: alxa sample data/sample")
    s.add_argument("dir", help="输出文件夹 / folder, e.g. data/sample")
    s.add_argument("--year", type=_year, default=2025, help="年度 / year, e.g. 2025")
    s.add_argument("--seed", type=int, default=7, help="随机种子 / seed, e.g. 7")
    s.add_argument("--scale", default="1", metavar="K",
                   help="规模倍数（1–64）：部门、项目、报表和缺陷均为K倍 / a banner K times larger (1–64): K times "
                        "the departments, projects, workbooks and defects, e.g. --scale 4")
    s.add_argument("--habits", action="store_true",
                   help="三个部门植入不实填报习惯（照抄、季末集中报送、虚报形象进度），供核查清单检验 / plant three "
                        "departments' dishonest reporting habits (copying, quarter-end booking, inflated progress)")
    s.add_argument("--stress", choices=["bad_season", "stops_keeping"], default=None,
                   help="预测回测的压力情景 / a stress world for the forecast backtest (docs/measures.md §11.7), "
                        "e.g. --stress bad_season")
    s.set_defaults(func=commands.cmd_sample)

    t = sub.add_parser("template", help="生成各部门填报模板 / write pre-filled report templates")
    t.add_argument("--plan", required=True, type=Path, help="年度计划 / plan workbook, e.g. 计划.xlsx")
    t.add_argument("--period", required=True, type=_date, help="报送日期 / reporting date, e.g. 2025-06-28")
    t.add_argument("--out", required=True, type=Path, help="输出文件夹 / folder, e.g. outputs/模板")
    regs = t.add_mutually_exclusive_group()
    regs.add_argument("--registers", type=Path, default=None,
                      help="登记簿（含项目调整）/ registers with the plan adjustments, e.g. 登记簿.xlsx (default: the "
                           "latest registers in the ledger; without any, give --registers or --no-registers)")
    regs.add_argument("--no-registers", action="store_true",
                      help="本年度尚无项目调整 / there is no adjustment yet: the plan as it is")
    t.add_argument("--db", default=None, metavar="FILE",
                   help="台账文件（取其中最新的登记簿）/ ledger whose latest registers are used, e.g. --db data/alxa.duckdb")
    t.set_defaults(func=commands.cmd_template)

    i = sub.add_parser("ingest", help="导入报表 / ingest workbooks: alxa ingest data/inbox/2025-06-28")
    i.add_argument("paths", nargs="+", help="文件或文件夹 / files or folders, e.g. data/inbox/2025-06-28")
    _db(i)
    i.add_argument("--period", type=_date, default=None, help="报送日期 / reporting date, e.g. 2025-06-28")
    i.add_argument("--received", type=_date, default=None, help="收到日期 / received date, e.g. 2025-06-27")
    i.add_argument("--replace-registers", action="store_true",
                   help="新登记簿比已入库版本少了行时仍替换 / store a registers workbook that drops rows of the stored one")
    i.add_argument("--restore", action="store_true",
                   help="重新报送的旧版本也作为最新版本 / make a re-sent older version the latest (by default it is "
                        "recorded but the latest version stays)")
    _wait(i)
    i.set_defaults(func=commands.cmd_ingest)

    v = sub.add_parser("validate", help="校验报表 / validate a period or a year: alxa validate --period 2025-06-28")
    which = v.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", type=_date, help="报送日期 / reporting date, e.g. 2025-06-28")
    which.add_argument("--year", type=_year, help="全年各期（只重算有变化的期次）/ every period of a year, "
                                                  "recomputing only periods with new files, e.g. 2025")
    _db(v)
    v.add_argument("--xlsx", type=Path, default=None, help="退回修改清单输出文件夹 / folder for return lists, e.g. --xlsx outputs/2025-06-28/退回修改清单")
    v.add_argument("--strict", action="store_true", help="有错误时退出码为1 / exit 1 on any error finding")
    _wait(v)
    v.set_defaults(func=commands.cmd_validate)

    ck = sub.add_parser("check", help="检查台账与归档是否完好 / verify the ledger and its archive: alxa check")
    _db(ck)
    ck.set_defaults(func=commands.cmd_check)

    rb = sub.add_parser("rebuild", help="由归档重建台账 / rebuild a ledger from the archive: "
                                        "alxa rebuild --from data/archive --db data/new.duckdb")
    rb.add_argument("--from", dest="archive", required=True, type=Path, help="归档文件夹 / archive folder, e.g. data/archive")
    rb.add_argument("--db", required=True, metavar="FILE", help="新台账文件（不得已存在）/ new ledger file, must not exist, e.g. data/rebuilt.duckdb")
    rb.add_argument("--json", action="store_true", help="输出JSON / print the JSON contract")
    rb.set_defaults(func=commands.cmd_rebuild)

    m = sub.add_parser("metrics", help="某日关键指标 / key figures as of a date: alxa metrics --as-of 2025-06-28")
    m.add_argument("--as-of", required=True, type=_date, help="任意日期 / any date, e.g. 2025-06-30")
    _db(m)
    m.set_defaults(func=commands.cmd_metrics)

    fc = sub.add_parser("forecast", help="开复工率与投资预测 / forecast: alxa forecast --as-of 2025-06-14")
    fc.add_argument("--as-of", required=True, type=_date, help="任意日期 / any date, e.g. 2025-06-14")
    _db(fc)
    fc.set_defaults(func=commands.cmd_forecast)

    sc = sub.add_parser("score", help="季度考评 / quarterly scores: alxa score --quarter 2025Q2")
    sc.add_argument("--quarter", required=True, help="季度 / quarter, e.g. 2025Q2")
    _db(sc)
    sc.set_defaults(func=commands.cmd_score)

    rk = sub.add_parser("rank", help="年终加权排名 / year-end ranking: alxa rank --year 2025")
    rk.add_argument("--year", required=True, type=_year, help="年度 / year, e.g. 2025")
    _db(rk)
    rk.set_defaults(func=commands.cmd_rank)

    _report_parsers(sub)
    _daily_parsers(sub)
    _inspect_parsers(sub)

    d = sub.add_parser("demo", help="样本年度全部报告 / every report of the sample year")
    d.add_argument("--data", default="data", help="数据文件夹 / data folder, e.g. --data data")
    d.add_argument("--out", default="outputs", help="输出文件夹 / output folder, e.g. --out outputs")
    d.add_argument("--remove", action="store_true",
                   help="删除演示样本台账及其归档和样本文件夹（先确认；正式台账从不删除）/ remove the demo's sample ledger, "
                        "its archive and the sample folder (asks first; a ledger with real files is never removed)")
    d.add_argument("--yes", action="store_true", help="不再询问 / do not ask (with --remove)")
    d.set_defaults(func=commands.cmd_demo)
    return p


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return shown(text.splitlines()[0]) if text else type(exc).__name__


_INTERRUPTED: list[bool] = []


def _on_sigint(signum, frame) -> None:
    """Ctrl-C: remembered, then raised as usual. Remembered because an interruption that lands in a
    destructor (a font's ``__del__``) is swallowed by Python: the command must still end as interrupted."""
    _INTERRUPTED.append(True)
    raise KeyboardInterrupt


def _quiet_unraisable(unraisable) -> None:
    """Once interrupted, a KeyboardInterrupt that a destructor swallowed prints nothing (the one line is ours)."""
    if _INTERRUPTED and isinstance(unraisable.exc_value, KeyboardInterrupt):
        return
    sys.__unraisablehook__(unraisable)


def _interrupted() -> int:
    print("已中断 / interrupted", file=sys.stderr)
    return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import signal
    import threading
    if threading.current_thread() is threading.main_thread():
        _INTERRUPTED.clear()
        signal.signal(signal.SIGINT, _on_sigint)
        sys.unraisablehook = _quiet_unraisable
    try:
        code = args.func(args) or 0
        sys.stdout.flush()  # inside the try: a reader that stopped early is noticed here, not at exit
        if _INTERRUPTED:  # an interruption swallowed on the way (see _on_sigint): never a success
            return _interrupted()
        return code
    except AlxaError as exc:
        print(f"错误 / error: {_one_line(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:  # `alxa … --json | head`: the reader stopped listening; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if args.debug:
            raise
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"错误 / error: 文件操作失败{where}：{exc.strerror or _one_line(exc)} / "
              f"file operation failed{where}: {exc.strerror or _one_line(exc)}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if args.debug:
            raise
        if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):  # a ledger that broke while in use
            where = getattr(args, "db", None) or "data/alxa.duckdb"
            print(f"错误 / error: 台账 {where} 读写失败：{_one_line(exc)}（可运行 alxa check 检查） / the ledger {where} "
                  f"failed: {_one_line(exc)} (run alxa check)", file=sys.stderr)
            return EXIT_ERROR
        print(f"内部错误 / internal error: {type(exc).__name__}: {_one_line(exc)}"
              f"（加 --debug 查看详情 / rerun with alxa --debug for details）", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
