"""``alxa demo``: the sample year, the templates, the ledger, and every report built so far."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from . import calendar as cal
from . import ledger
from .ingest import ingest
from . import reports
from .returns import write_return_lists
from .validate import latest_only, store_findings, validate_period
from .sample import write_sample
from .template import write_templates

DEMO_YEAR, DEMO_SEED = 2025, 7
DEMO_BRIEFS = (dt.date(2025, 6, 28), dt.date(2025, 9, 28))


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
    db = data / "demo.duckdb"
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)
    shutil.rmtree(data / "archive", ignore_errors=True)
    outcomes = ingest([sample], db)
    rejected = [o for o in outcomes if o.status == "rejected"]
    print(f"3/5 导入 ingest → {db}: {len(outcomes) - len(rejected)} 个文件入库，{len(rejected)} 个按设计拒收 "
          f"(files stored; rejected by design)")
    con = ledger.connect(db)
    n_findings = 0
    for due in cal.periods(DEMO_YEAR):
        findings = validate_period(con, due)
        store_findings(con, due, findings)
        n_findings += len(findings)
    shown = latest_only(validate_period(con, period), con)
    returns = write_return_lists(con, shown, period, out / period.isoformat() / "退回修改清单")
    con.close()
    print(f"4/5 校验 validate: 全年 {n_findings} 条问题已入库；{period} 期退回修改清单 {len(returns)} 份 → "
          f"{out / period.isoformat() / '退回修改清单'}")
    for day in DEMO_BRIEFS:
        done = reports.brief(day, db, out)
        print(f"5/5 半月通报 brief {day} → {done['pdf'].parent}")
    done = reports.quarter(f"{DEMO_YEAR}Q2", db, out)
    print(f"5/5 季度考评 quarterly evaluation {DEMO_YEAR}Q2 → {done['pdf'].parent}")
    done = reports.annual(DEMO_YEAR, db, out)
    print(f"5/5 年终排名 annual ranking {DEMO_YEAR} → {done['pdf'].parent}")
    return 0
