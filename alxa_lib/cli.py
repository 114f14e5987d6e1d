"""The ``alxa`` command line: sample, template, ingest, demo (and the reports as they arrive)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / dates look like 2025-06-28: {text!r}") from None


def cmd_sample(a) -> int:
    from alxa_lib.sample import write_sample
    truth = write_sample(Path(a.dir), a.year, a.seed, progress=sys.stderr.isatty())
    print(f"样本年度已写入 {a.dir}：{len(truth['files'])} 份半月报，{len(truth['defects'])} 处预置缺陷 / "
          f"sample year written to {a.dir}")
    return 0


def cmd_template(a) -> int:
    from alxa_lib.workbooks.template import write_templates
    paths = write_templates(a.plan, a.period, a.out, a.registers)
    print(f"已生成 {len(paths)} 份填报模板 / wrote {len(paths)} templates to {a.out}")
    return 0


def cmd_ingest(a) -> int:
    from alxa_lib.ledger.ingest import ingest
    outcomes = ingest(a.paths, a.db, period=a.period, received=a.received)
    if a.json:
        print(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False, indent=1))
    else:
        _print_ingest_table(outcomes)
    return 2 if any(o.status == "rejected" for o in outcomes) else 0


STATUS_CN = {"ingested": "已导入", "new_version": "新版本", "unchanged": "未变化", "rejected": "已拒收"}


def _print_ingest_table(outcomes) -> None:
    from collections import Counter
    for o in outcomes:
        if o.status == "rejected":
            print(f"✗ {o.file}\n    {o.error}")
    counts = Counter(o.status for o in outcomes)
    print("  ".join(f"{STATUS_CN[k]} {k}: {counts.get(k, 0)}" for k in STATUS_CN))
    print(f"共 {len(outcomes)} 个文件，{sum(o.rows for o in outcomes)} 行，{sum(o.findings for o in outcomes)} 条读取提示 / "
          f"{len(outcomes)} files, {sum(o.rows for o in outcomes)} rows, {sum(o.findings for o in outcomes)} reader findings")


def cmd_validate(a) -> int:
    from alxa_lib import ledger
    from alxa_lib.rules import FINDING_COLUMNS, SEVERITY_CN
    from alxa_lib.checks.validate import latest_only, validate_period
    dbp = ledger.db_path(a.db)
    if not dbp.exists():
        raise FileNotFoundError(f"数据库不存在，请先导入报表 / no ledger at {dbp}: run `alxa ingest` first")
    with ledger.writer_lock(dbp):
        con = ledger.connect(dbp)
        findings = validate_period(con, a.period)
        ledger.store_findings(con, a.period, findings)
        shown = latest_only(findings, con)
        if a.xlsx:
            from alxa_lib.checks.returns import write_return_lists
            write_return_lists(con, shown, a.period, a.xlsx)
        con.close()
    records = [{k: (None if not isinstance(v, str) and v != v else v) for k, v in r.items() if k in FINDING_COLUMNS}
               for r in shown.to_dict("records")]
    if a.json:
        print(json.dumps(records, ensure_ascii=False, indent=1, default=str))
    else:
        for dept in sorted({r["department"] for r in records if r["department"]}):
            mine = [r for r in records if r["department"] == dept]
            print(f"\n【{dept}】 {len(mine)} 条")
            for r in mine:
                where = " ".join(x for x in (r["project_id"], r["cell"]) if x)
                print(f"  [{SEVERITY_CN[r['severity']]}] {r['rule']:<28} {where:<22} {r['message']}")
        n_err = sum(r["severity"] == "error" for r in records)
        print(f"\n共 {len(records)} 条，其中错误 {n_err} 条 / {len(records)} findings, {n_err} errors")
    if a.strict and any(r["severity"] == "error" for r in records):
        return 1
    return 0


def cmd_metrics(a) -> int:
    from alxa_lib import ledger
    from alxa_lib.figures.metrics import metrics
    from alxa_lib.figures.state import load_year
    con = ledger.connect(a.db, read_only=True)
    m = metrics(load_year(con, a.as_of.year), a.as_of)
    if a.json:
        print(json.dumps(m, ensure_ascii=False, indent=1))
        return 0
    c, inv = m["commencement"], m["investment"]
    print(f"截至{a.as_of}：重点建设项目{c['total']}个，已开复工{c['started']}个，开复工率"
          f"{(c['rate'] or 0):.1%}" + (f"，距{c['next_target_date']}目标{c['next_target']:.0%}尚差{c['needed']}个"
                                       if c["next_target"] is not None else ""))
    print(f"年度完成投资{inv['annual_completed']:,.2f}万元，占年度计划{(inv['rate'] or 0):.1%}，时间进度{inv['time_progress']:.1%}")
    print(f"红灯{m['lights']['red']}个 黄灯{m['lights']['yellow']}个 绿灯{m['lights']['green']}个；"
          f"应报{m['submissions']['due']} 按时{m['submissions']['on_time']} 迟报{m['submissions']['late']} "
          f"未报{m['submissions']['missing']}")
    return 0


def _year_and_findings(db, year: int):
    from alxa_lib import ledger
    from alxa_lib.figures.scoring import findings_provider
    from alxa_lib.figures.state import load_year
    con = ledger.connect(db, read_only=True)
    return load_year(con, year), findings_provider(con)


def cmd_score(a) -> int:
    from alxa_lib import periods as cal
    from alxa_lib.figures.scoring import CN_COMPONENT, score_json
    year, q = cal.parse_quarter(a.quarter)
    data, findings_of = _year_and_findings(a.db, year)
    result = score_json(data, q, findings_of)
    if a.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{result['quarter']} 季度考评 / quarterly evaluation")
    for d in sorted(result["departments"], key=lambda d: -d["score"]):
        parts = "  ".join(f"{CN_COMPONENT[k]}{v:.1f}" for k, v in d["components"].items() if v)
        print(f"  {d['department']:<12} {d['score']:6.2f}（加分{d['bonus']:.1f}，{d['projects']}个项目）  {parts}")
    return 0


def cmd_rank(a) -> int:
    from alxa_lib.figures.scoring import rank_json
    data, findings_of = _year_and_findings(a.db, a.year)
    result = rank_json(data, findings_of)
    if a.json:
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        return 0
    print(f"{a.year}年度考评排名 / year-end ranking")
    for r in result["ranking"]:
        print(f"  {r['rank']:>2}. {r['department']:<12} {r['score']:6.2f}")
    print(f"\n责任追究 accountability: {len(result['accountability'])} 条；通报表扬 commendation: "
          f"{'、'.join(c['department'] for c in result['commendation']) or '无'}")
    return 0


def cmd_report(a) -> int:
    from alxa_lib.reports import runner as reports
    formats = tuple(f.strip() for f in a.format.split(",") if f.strip())
    if a.kind == "brief":
        if a.period is None:
            raise ValueError("半月通报需要 --period / the brief needs --period YYYY-MM-DD")
        done = reports.brief(a.period, a.db, a.out, formats)
    elif a.kind == "quarter":
        if not a.quarter:
            raise ValueError("季度考评需要 --quarter / the quarterly evaluation needs --quarter 2025Q2")
        done = reports.quarter(a.quarter, a.db, a.out, formats)
    elif a.kind == "annual":
        if not a.year:
            raise ValueError("年终排名需要 --year / the annual ranking needs --year 2025")
        done = reports.annual(a.year, a.db, a.out, formats)
    elif a.kind == "investigate":
        if not (a.project or a.department or a.red):
            raise ValueError("请指定 --project、--department 或 --red / choose --project, --department or --red")
        if a.as_of is None:
            raise ValueError("调查需要 --as-of / the investigation needs --as-of YYYY-MM-DD")
        done = reports.investigate(a.as_of, a.project, a.department, a.red, a.db, a.out, formats)
    elif a.kind == "meeting":
        if not a.month:
            raise ValueError("联席会议材料需要 --month / the meeting pack needs --month 2025-06")
        done = reports.meeting(a.month, a.db, a.out, formats)
    else:
        raise ValueError(f"未知报告 / unknown report: {a.kind}")
    for k, p in done.items():
        print(f"{k:>5}: {p}")
    return 0


def cmd_demo(a) -> int:
    from alxa_lib.demo import run_demo
    return run_demo(Path(a.data), Path(a.out))


def _ledger_options(parser: argparse.ArgumentParser, json_output: bool = True) -> None:
    """--db (else ALXA_DB, else data/alxa.duckdb) and, for commands with a contract, --json."""
    parser.add_argument("--db", default=None, help="台账 / ledger (default: $ALXA_DB or data/alxa.duckdb)")
    if json_output:
        parser.add_argument("--json", action="store_true", help="JSON输出 / print JSON")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alxa", description="阿拉善左旗重点建设项目监控 / key project monitoring toolkit")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="写出样本年度 / write the synthetic sample year")
    s.add_argument("dir")
    s.add_argument("--year", type=int, default=2025)
    s.add_argument("--seed", type=int, default=7)
    s.set_defaults(func=cmd_sample)

    t = sub.add_parser("template", help="生成各部门填报模板 / write pre-filled report templates")
    t.add_argument("--plan", required=True, type=Path)
    t.add_argument("--period", required=True, type=_date)
    t.add_argument("--out", required=True, type=Path)
    t.add_argument("--registers", type=Path, default=None, help="登记簿（含项目调整）/ registers workbook with adjustments")
    t.set_defaults(func=cmd_template)

    i = sub.add_parser("ingest", help="导入报表 / ingest workbooks into the ledger")
    i.add_argument("paths", nargs="+")
    _ledger_options(i)
    i.add_argument("--period", type=_date, default=None)
    i.add_argument("--received", type=_date, default=None)
    i.set_defaults(func=cmd_ingest)

    v = sub.add_parser("validate", help="校验一期报表 / validate one period")
    v.add_argument("--period", required=True, type=_date)
    _ledger_options(v)
    v.add_argument("--xlsx", type=Path, default=None, help="退回修改清单输出目录 / folder for return lists")
    v.add_argument("--strict", action="store_true", help="有错误时退出码为1 / exit 1 on any error finding")
    v.set_defaults(func=cmd_validate)

    m = sub.add_parser("metrics", help="某日关键指标 / key figures as of a date")
    m.add_argument("--as-of", required=True, type=_date)
    _ledger_options(m)
    m.set_defaults(func=cmd_metrics)

    sc = sub.add_parser("score", help="季度考评 / quarterly scores")
    sc.add_argument("--quarter", required=True)
    _ledger_options(sc)
    sc.set_defaults(func=cmd_score)

    rk = sub.add_parser("rank", help="年终加权排名 / year-end ranking")
    rk.add_argument("--year", required=True, type=int)
    _ledger_options(rk)
    rk.set_defaults(func=cmd_rank)

    r = sub.add_parser("report", help="生成报告 / render a report (HTML, PDF, xlsx)")
    r.add_argument("kind", choices=["brief", "quarter", "annual", "investigate", "meeting"])
    r.add_argument("--project", nargs="+", default=None, help="项目编号 / project ids (investigate)")
    r.add_argument("--department", default=None, help="主管部门 (investigate)")
    r.add_argument("--red", action="store_true", help="红灯项目 / red projects (investigate)")
    r.add_argument("--as-of", type=_date, default=None)
    r.add_argument("--month", default=None, help="2025-06 (meeting)")
    r.add_argument("--period", type=_date, default=None)
    r.add_argument("--quarter", default=None)
    r.add_argument("--year", type=int, default=None)
    _ledger_options(r, json_output=False)
    r.add_argument("--format", default="html,pdf,xlsx")
    r.add_argument("--out", default="outputs")
    r.set_defaults(func=cmd_report)

    d = sub.add_parser("demo", help="样本年度全部报告 / every report of the sample year")
    d.add_argument("--data", default="data")
    d.add_argument("--out", default="outputs")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
