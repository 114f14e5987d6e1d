"""What each ``alxa`` command does; ``cli`` parses the arguments and turns failures into one line.

Every command checks its input before it writes anything (a wrong date, quarter or year is refused
with the nearest valid values); reading commands never create a ledger.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from alxa_lib.console import interactive, shown
from alxa_lib.errors import BadParameter

STATUS_CN = {"ingested": "已导入", "new_version": "新版本", "unchanged": "未变化", "rejected": "已拒收"}


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str, allow_nan=False))


def _progress(a) -> bool:
    """Progress bars on a terminal only: never in --json mode, never under CI."""
    return interactive() and not getattr(a, "json", False)


def cmd_sample(a) -> int:
    from alxa_lib.sample import check_scale, write_sample
    truth = write_sample(Path(a.dir), a.year, a.seed, scale=check_scale(a.scale), progress=_progress(a),
                         habits=getattr(a, "habits", False), stress=getattr(a, "stress", None))
    print(f"样本年度已写入 {a.dir}：{len(truth['files'])} 份半月报，{len(truth['defects'])} 处预置缺陷 / "
          f"sample year written to {a.dir}")
    if "params_dir" in truth:  # a scaled banner's new departments are known to its own parameters only
        params_dir = Path(a.dir) / truth["params_dir"]
        print(f"导入前请设置 ALXA_PARAMS={params_dir}（含新增部门）/ "
              f"set ALXA_PARAMS={params_dir} (it knows the new departments) before alxa ingest")
    return 0


def cmd_template(a) -> int:
    from alxa_lib.workbooks.template import write_templates
    from alxa_lib import periods as cal
    period = cal.reporting_date(a.period)
    if not a.plan.is_file():
        raise BadParameter(f"计划文件不存在：{a.plan}", f"no plan file at {a.plan}")
    registers = a.registers
    if registers is None and not getattr(a, "no_registers", False):
        registers = _ledger_registers(getattr(a, "db", None))
    paths = write_templates(a.plan, period, a.out, registers)
    print(f"已生成 {len(paths)} 份填报模板 / wrote {len(paths)} templates to {a.out}")
    return 0


def _ledger_registers(db) -> Path:
    """The latest registers in the ledger (the plan in force carries its adjustments); else one line saying
    which file to give: a template without them would lock the figures of before the adjustments."""
    from alxa_lib import ledger
    from alxa_lib.ledger import queries
    dbp = ledger.db_path(db)
    copy = None
    if dbp.exists():
        con = ledger.connect(dbp, read_only=True)
        try:
            copy = queries.latest_registers_copy(con)
        finally:
            con.close()
    if copy is None or not Path(copy).is_file():
        raise BadParameter("未给出登记簿：请用 --registers 登记簿.xlsx 指定（含项目调整，模板锁定的计划数以此为准）；"
                           "本年度尚无调整时用 --no-registers",
                           "no registers: give them with --registers 登记簿.xlsx (the plan adjustments decide the "
                           "figures the template locks), or --no-registers when there is no adjustment yet")
    print(f"登记簿取自台账 / registers from the ledger: {copy}")
    return Path(copy)


def cmd_ingest(a) -> int:
    from alxa_lib import periods as cal
    from alxa_lib.ledger.ingest import ingest
    if a.period is not None:
        cal.reporting_date(a.period)  # a workbook is stored under a reporting date only
    missing = [p for p in a.paths if not Path(p).exists()]
    if missing and len(missing) == len(a.paths):
        raise BadParameter(f"路径不存在：{'、'.join(missing)}", f"no such file or folder: {', '.join(missing)}")
    outcomes = ingest(a.paths, a.db, period=a.period, received=a.received, progress=_progress(a), wait=a.wait,
                      replace_registers=getattr(a, "replace_registers", False),
                      list_ignored=bool(a.json), restore=getattr(a, "restore", False))
    if any(o.status in ("ingested", "new_version") for o in outcomes):
        refresh_surface(a.db, a.wait, stored_only=True)
    return _print_outcomes(a, outcomes)


def refresh_surface(db, wait: float | None = None, stored_only: bool = False) -> None:
    """Bring the figures behind the ledger's ``project_status(d)`` and ``plan_on(d)`` up to date after a command
    changed its files (docs/architecture.md §12). ``alxa ingest`` keeps current the years that have them
    (``stored_only``: a first ingest leaves them to ``alxa validate``, which the analyst runs next)."""
    from alxa_lib import ledger
    from alxa_lib.figures.status import refresh
    dbp = ledger.db_path(db)
    if not dbp.exists():
        return
    with ledger.writer_lock(dbp):
        con = ledger.connect(dbp, wait=wait)
        try:
            refresh(con, stored_only=stored_only)
        finally:
            con.close()


def _print_outcomes(a, outcomes) -> int:
    if a.json:
        _dump([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            if o.status == "rejected":
                print(f"✗ {shown(o.file)}\n    {shown(o.error)}")
            elif getattr(o, "note", None):
                print(f"! {shown(o.file)}\n    {shown(o.note)}")
        counts = Counter(o.status for o in outcomes)
        print("  ".join(f"{STATUS_CN[k]} {k}: {counts.get(k, 0)}" for k in STATUS_CN))
        rows, found = sum(o.rows for o in outcomes), sum(o.findings for o in outcomes)
        print(f"共 {len(outcomes)} 个文件，{rows} 行，{found} 条读取提示 / "
              f"{len(outcomes)} files, {rows} rows, {found} reader findings")
    return 2 if any(o.status == "rejected" for o in outcomes) else 0


def _require_year(db, year: int) -> None:
    from alxa_lib.ledger.guards import require_year
    require_year(db, year)


def cmd_validate(a) -> int:
    from alxa_lib import ledger
    from alxa_lib import periods as cal
    from alxa_lib.checks.validate import latest_only, period_findings, validate_period, validate_year
    days = cal.periods(a.year) if a.year else [cal.reporting_date(a.period)]
    _require_year(a.db, days[0].year)
    if a.xlsx:  # refuse a bad output folder before anything is stored
        from alxa_lib.files import output_folder
        output_folder(a.xlsx)
    dbp = ledger.db_path(a.db)
    with ledger.writer_lock(dbp):
        con = ledger.connect(dbp, wait=a.wait)
        try:
            if a.year:
                validate_year(con, a.year, progress=_progress(a))
                shown = _concat([latest_only(period_findings(con, d), con) for d in days])
            else:
                findings = validate_period(con, days[0])
                ledger.store_findings(con, days[0], findings)
                shown = latest_only(findings, con)
            from alxa_lib.figures.status import refresh
            refresh(con)  # the stored status of every reporting date (docs/architecture.md §12)
            if a.xlsx:
                from alxa_lib.checks.returns import write_return_lists
                for d in days:
                    mine = shown[shown["period"].astype(str) == d.isoformat()]
                    if len(mine) or not a.year:
                        write_return_lists(con, mine, d, Path(a.xlsx) / d.isoformat() if a.year else a.xlsx)
        finally:
            con.close()
    return _print_findings(a, shown)


def _concat(frames):
    import pandas as pd
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["period", "severity"])


def _print_findings(a, shown) -> int:
    from alxa_lib.rules import FINDING_COLUMNS, SEVERITY_CN, rule_cn
    records = [{k: (None if not isinstance(v, str) and v != v else v) for k, v in r.items() if k in FINDING_COLUMNS}
               for r in shown.to_dict("records")]
    if a.json:
        _dump(records)
    else:
        for dept in sorted({r["department"] for r in records if r["department"]}):
            mine = [r for r in records if r["department"] == dept]
            print(f"\n【{dept}】 {len(mine)} 条")
            for r in mine:
                where = " ".join(str(x) for x in (r["period"] if a.year else None, r["project_id"], r["cell"]) if x)
                print(f"  [{SEVERITY_CN[r['severity']]}] {pad(rule_cn(r['rule']), 22)} {pad(where, 22)} {r['message']}")
        n_err = sum(r["severity"] == "error" for r in records)
        print(f"\n共 {len(records)} 条，其中错误 {n_err} 条 / {len(records)} findings, {n_err} errors")
    return 1 if a.strict and any(r["severity"] == "error" for r in records) else 0


def cmd_check(a) -> int:
    """Exit 0 when the ledger is whole, 1 when a problem was found; one line and exit 2 when it does not open."""
    from alxa_lib import ledger
    from alxa_lib.ledger.integrity import check
    result = check(ledger.db_path(a.db))
    if a.json:
        _dump(result)
    else:
        for p in result["problems"]:
            print(f"✗ {p['message']}")
        state = "完好 / whole" if not result["problems"] else f"发现{len(result['problems'])}个问题 / " \
                                                            f"{len(result['problems'])} problems: run alxa rebuild"
        print(f"台账 {result['db']}：结构版本{result['schema_version']}，{result['files']}个文件，{state}")
    return 1 if result["problems"] else 0


def cmd_rebuild(a) -> int:
    """Replay the archive into a new ledger, then validate every year it holds (as `alxa demo` does)."""
    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_year
    from alxa_lib.ledger import queries
    from alxa_lib.ledger.rebuild import rebuild
    outcomes = rebuild(a.archive, a.db, progress=_progress(a))
    con = ledger.connect(a.db)
    try:
        for year in sorted(queries.years_with_data(con)):
            if queries.has_plan(con, year):  # a year without its plan is validated once the plan is in
                validate_year(con, year)
        from alxa_lib.figures.status import refresh
        refresh(con)
    finally:
        con.close()
    return _print_outcomes(a, outcomes)


def _load_year(db, year: int, only: frozenset[str] | None = None, report_columns: tuple[str, ...] | None = None):
    """The year in memory (``only``: just those frames; ``report_columns``: just those columns of the report
    rows), checked and read through one read-only connection."""
    from alxa_lib import ledger
    from alxa_lib.figures.state import load_year
    from alxa_lib.ledger.guards import require_year_on
    con = ledger.connect(db, read_only=True)
    try:
        require_year_on(con, year)
        return load_year(con, year, only, report_columns)
    finally:
        con.close()


def cmd_metrics(a) -> int:
    from alxa_lib.figures.metrics import metrics
    from alxa_lib.figures.state import FIGURE_FRAMES, FIGURE_REPORT_COLUMNS
    m = metrics(_load_year(a.db, a.as_of.year, FIGURE_FRAMES, FIGURE_REPORT_COLUMNS), a.as_of)
    if a.json:
        _dump(m)
        return 0
    c, inv = m["commencement"], m["investment"]
    target = "" if c["next_target"] is None else (
        f"，距{c['next_target_date']}目标{c['next_target']:.0%}尚差{c['needed']}个" if c["needed"]
        else f"，已达到{c['next_target_date']}目标{c['next_target']:.0%}")
    print(f"截至{a.as_of}：重点建设项目{c['total']}个，已开复工{c['started']}个，开复工率{(c['rate'] or 0):.1%}{target}")
    print(f"年度完成投资{inv['annual_completed']:,.2f}万元，占年度计划{(inv['rate'] or 0):.1%}，"
          f"时间进度{inv['time_progress']:.1%}")
    print(f"红灯{m['lights']['red']}个 黄灯{m['lights']['yellow']}个 绿灯{m['lights']['green']}个；"
          f"应报{m['submissions']['due']} 按时{m['submissions']['on_time']} 迟报{m['submissions']['late']} "
          f"未报{m['submissions']['missing']}")
    return 0


def cmd_forecast(a) -> int:
    """The forecast of docs/measures.md §11 as of a date (JSON contract: §11.6)."""
    from alxa_lib.figures.forecast import contract, forecast
    from alxa_lib.reports.content.forecast_report import text_lines
    result = forecast(_load_year(a.db, a.as_of.year), a.as_of)
    if a.json:
        _dump(contract(result))
        return 0
    for line in text_lines(result):
        print(line)
    return 0


def _year_and_findings(db, year: int, until=None):
    """The year and its periods' findings up to ``until``, read through one short-lived connection."""
    from alxa_lib.reports.running.sources import year_with_findings
    _require_year(db, year)
    return year_with_findings(db, year, until)


def cmd_score(a) -> int:
    from alxa_lib import periods as cal
    from alxa_lib.figures.scoring import CN_COMPONENT, score_json
    from alxa_lib.ledger.guards import require_quarter
    year, q = cal.parse_quarter(a.quarter)
    require_quarter(a.db, year, q)
    data, findings_of = _year_and_findings(a.db, year, cal.quarter_end(year, q))
    result = score_json(data, q, findings_of)
    if a.json:
        _dump(result)
        return 0
    print(f"{result['quarter']} 季度考评 / quarterly evaluation")
    for d in sorted(result["departments"], key=lambda d: -d["score"]):
        parts = "  ".join(f"{CN_COMPONENT[k]}{v:.1f}" for k, v in d["components"].items() if v)
        print(f"  {pad(d['department'], 14)} {d['score']:6.2f}（加分{d['bonus']:.1f}，{d['projects']}个项目）  {parts}")
    return 0


def cmd_rank(a) -> int:
    from alxa_lib.figures.scoring import rank_json
    data, findings_of = _year_and_findings(a.db, a.year)
    result = rank_json(data, findings_of)
    if a.json:
        _dump(result)
        return 0
    print(f"{a.year}年度考评排名 / year-end ranking")
    for r in result["ranking"]:
        print(f"  {r['rank']:>2}. {pad(r['department'], 14)} {r['score']:6.2f}")
    print(f"\n责任追究 accountability: {len(result['accountability'])} 条；通报表扬 commendation: "
          f"{'、'.join(c['department'] for c in result['commendation']) or '无'}")
    return 0


def pad(text: str, width: int) -> str:
    """Left-align by display width (a Chinese character is two columns)."""
    import unicodedata
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def cmd_report(a) -> int:
    import gc

    from alxa_lib.reports.rendering.render import short_lived_gc
    before = short_lived_gc()  # the command's process ends with the report (docs/architecture.md §10)
    try:
        from alxa_lib.reports.running import runner
        formats = None if a.format is None else tuple(f.strip().lower() for f in a.format.split(",") if f.strip())
        from alxa_lib.files import no_partial_output
        with no_partial_output(Path(a.out)):
            done = _run_report(a, runner, formats)
    finally:
        gc.set_threshold(*before)  # a caller that goes on (a test, a notebook) keeps its own collector
    for k, p in done.items():
        print(f"{k:>5}: {p}")
    return 0


def _run_report(a, runner, formats):
    if a.kind == "brief":
        done = runner.brief(a.period, a.db, a.out, formats, a.number)
    elif a.kind == "quarter":
        done = runner.quarter(a.quarter, a.db, a.out, formats, a.number)
    elif a.kind == "annual":
        done = runner.annual(a.year, a.db, a.out, formats, a.number)
    elif a.kind == "investigate":
        done = runner.investigate(a.as_of, a.project, a.department, a.red, a.db, a.out, formats)
    else:
        done = runner.meeting(a.month, a.db, a.out, formats)
    return done


def cmd_demo(a) -> int:
    from alxa_lib.demo import remove_demo, run_demo
    if getattr(a, "remove", False):
        return remove_demo(Path(a.data), yes=a.yes)
    return run_demo(Path(a.data), Path(a.out))


def cmd_inspect_plan(a) -> int:
    """The inspection list of docs/measures.md §12.2 (JSON contract: ``period``, ``projects``: ``project_id``,
    ``name``, ``department``, ``risk``, ``reasons``, ``signals``), with --out the list as xlsx and one
    pre-filled 实地督查记录表 per listed project."""
    from alxa_lib import ledger
    from alxa_lib import periods as cal
    from alxa_lib.figures.inspection import inspection_plan
    from alxa_lib.figures.integrity import signals
    from alxa_lib.figures.state import FIGURE_FRAMES
    from alxa_lib.ledger import inspections
    from alxa_lib import params
    period = cal.reporting_date(a.period)
    n = a.n if a.n is not None else int(params.load("integrity")["risk"]["default_n"])
    if n < 1:
        raise BadParameter(f"--n 应为正整数：{n}", f"--n must be a positive number: {n}")
    data = _load_year(a.db, period.year, FIGURE_FRAMES)
    con = ledger.connect(a.db, read_only=True)
    try:
        history = inspections.version_history(con, period.year)
        records = inspections.inspection_records(con, period.year)
    finally:
        con.close()
    plan = inspection_plan(data, signals(history, data.plan_rows, period), period, n, records)
    if a.out:
        from alxa_lib.reports.content.inspection_list import write_inspection_outputs
        from alxa_lib.reports import official
        from alxa_lib.reports.official.inspection_text import notice_document
        written = write_inspection_outputs(plan, history, period, Path(a.out))
        official.write(notice_document(plan, period), Path(a.out) / "督查通知.docx", Path(a.out) / "督查通知.pdf")
        forms = sum(1 for p in written if p.parent.name == "记录表")
        if not a.json:
            print(f"已写出督查清单、督查通知和{forms}份实地督查记录表 / wrote the list, the notice and {forms} "
                  f"record forms to {a.out}")
    projects = [{"project_id": r.project_id, "name": r.name, "department": r.department, "risk": r.risk,
                 "reasons": list(r.reasons), "signals": list(r.signals)} for r in plan.itertuples(index=False)]
    if a.json:
        _dump({"period": period.isoformat(), "projects": projects})
        return 0
    print(f"{period} 实地督查建议清单（按风险排序，前{len(projects)}个）/ inspection list, highest risk first")
    for k, p in enumerate(projects, 1):
        print(f"{k:>3}. {p['project_id']} {pad(p['name'], 34)} {pad(p['department'], 12)} 风险{p['risk']:.2f}  "
              + "；".join(p["reasons"]))
    return 0
