"""``alxa demo``: the sample year, the templates, the ledger, and every report built so far."""
from __future__ import annotations

import shutil
from pathlib import Path

from . import calendar as cal
from .ingest import ingest
from .sample import write_sample
from .template import write_templates

DEMO_YEAR, DEMO_SEED = 2025, 7


def run_demo(data: Path, out: Path) -> int:
    sample = data / "sample"
    if sample.exists():
        shutil.rmtree(sample)
    truth = write_sample(sample, DEMO_YEAR, DEMO_SEED)
    print(f"1/3 样本年度 sample year → {sample} ({len(truth['files'])} 份半月报 period reports)")
    period = cal.periods(DEMO_YEAR)[11]  # 2025-06-28
    tdir = out / period.isoformat() / "模板"
    paths = write_templates(sample / truth["plan_file"], period, tdir, sample / "registers" / f"{DEMO_YEAR}年重点项目登记簿.xlsx")
    print(f"2/3 填报模板 templates → {tdir} ({len(paths)} 份)")
    db = data / "demo.duckdb"
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)
    shutil.rmtree(data / "archive", ignore_errors=True)
    outcomes = ingest([sample], db)
    rejected = [o for o in outcomes if o.status == "rejected"]
    print(f"3/3 导入 ingest → {db}: {len(outcomes) - len(rejected)} 个文件入库，{len(rejected)} 个按设计拒收 "
          f"(files stored; rejected by design)")
    return 0
