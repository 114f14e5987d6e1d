"""``alxa demo``: the sample year, the templates, the ledger, and every report built so far."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from alxa_lib import ledger
from alxa_lib.console import interactive
from alxa_lib import periods as cal
from alxa_lib.checks.returns import write_return_lists
from alxa_lib.checks.validate import latest_only, period_findings, validate_year
from alxa_lib.figures.status import refresh
from alxa_lib.ledger.ingest import ingest
from alxa_lib.reports.running import runner as reports
from alxa_lib.sample import write_sample
from alxa_lib.workbooks.template import write_templates

DEMO_YEAR, DEMO_SEED = 2025, 7
DEMO_BRIEFS = (dt.date(2025, 6, 28), dt.date(2025, 9, 28))


def demo_ledger(data: Path) -> Path:
    """``data/alxa.duckdb`` (so notebooks run with their defaults) unless a real ledger is there already;
    a real ledger is never touched, the demo then uses ``data/demo.duckdb``."""
    main = data / "alxa.duckdb"
    if not main.exists() or ledger.origin(main) == "sample":
        return main
    print(f"注意：{main} 是正式台账，演示改用 data/demo.duckdb / {main} holds real data; the demo uses data/demo.duckdb")
    return data / "demo.duckdb"


def run_demo(data: Path, out: Path) -> int:
    sample = data / "sample"
    if sample.exists():
        shutil.rmtree(sample)
    truth = write_sample(sample, DEMO_YEAR, DEMO_SEED)
    print(f"1/5 样本年度 sample year → {sample} ({len(truth['files'])} 份半月报 period reports)")
    period = cal.periods(DEMO_YEAR)[11]  # 2025-06-28
    tdir = out / period.isoformat() / "模板"
    paths = write_templates(sample / truth["plan_file"], period, tdir, sample / "registers" / f"{DEMO_YEAR}年重点项目登记簿.xlsx")
    print(f"2/5 填报模板 templates → {tdir} ({len(paths)} 份)")
    db = demo_ledger(data)
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)
    ledger.mark_origin(db, "sample")  # marked first, so an interrupted demo is still known as a sample ledger
    outcomes = ingest([sample], db, progress=interactive())
    rejected = [o for o in outcomes if o.status == "rejected"]
    print(f"3/5 导入 ingest → {db}: {len(outcomes) - len(rejected)} 个文件入库，{len(rejected)} 个按设计拒收 "
          f"(files stored; rejected by design)")
    con = ledger.connect(db)
    try:
        n_findings = validate_year(con, DEMO_YEAR, progress=interactive())
        refresh(con)  # the figures behind the ledger's project_status(d) and plan_on(d)
        shown = latest_only(period_findings(con, period), con)
        returns = write_return_lists(con, shown, period, out / period.isoformat() / "退回修改清单")
    finally:
        con.close()
    print(f"4/5 校验 validate: 全年 {n_findings} 条问题已入库；{period} 期退回修改清单 {len(returns)} 份 → "
          f"{out / period.isoformat() / '退回修改清单'}")
    official = reports.FORMATS  # the analyst's outputs and the 公文 as docx and PDF (docs/rendering.md §11)
    runs = [(f"半月通报 brief {day}", lambda day=day, n=n: reports.brief(day, db, out, official, str(n)))
            for n, day in enumerate(DEMO_BRIEFS, 1)] + [
        (f"季度考评 quarterly evaluation {DEMO_YEAR}Q2", lambda: reports.quarter(f"{DEMO_YEAR}Q2", db, out, official, "1")),
        (f"年终排名 annual ranking {DEMO_YEAR}", lambda: reports.annual(DEMO_YEAR, db, out, official, "2")),
        ("红灯项目调查 red-project investigation", lambda: reports.investigate(dt.date(DEMO_YEAR, 9, 28), red=True, db=db, out=out)),
        ("联席会议材料 June meeting pack", lambda: reports.meeting(f"{DEMO_YEAR}-06", db, out)),
    ]
    for label, run in runs:
        done = run()
        extra = "（含公文 docx、PDF / with the 公文 as docx and PDF）" if "docx" in done else ""
        print(f"5/5 {label} → {done['pdf'].parent}{extra}")
    print(f"台账 ledger: {db}（笔记本默认参数即可运行 / notebooks run with their defaults）")
    return 0
