"""``alxa demo``: the sample year, the templates, the ledger, and every report built so far."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from alxa_lib import ledger
from alxa_lib.ledger import queries
from alxa_lib.console import interactive
from alxa_lib.errors import BadParameter
from alxa_lib.files import no_partial_output
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


def is_sample(db: Path) -> bool:
    """True for a ledger the demo built and nobody ingested anything else into (a sample ledger that receives
    a file of its own loses its mark: ``ledger.drop_sample_mark``)."""
    return db.exists() and ledger.origin(db) == ledger.SAMPLE


def demo_ledger(data: Path) -> Path:
    """``data/alxa.duckdb`` (so notebooks run with their defaults) unless a real ledger is there already;
    a real ledger is never touched, the demo then uses ``data/demo.duckdb`` (and its own archive,
    ``data/demo.archive``), which must itself be absent or the demo's."""
    main = data / "alxa.duckdb"
    if not main.exists() or is_sample(main):
        return main
    other = data / "demo.duckdb"
    if other.exists() and not is_sample(other):
        raise BadParameter(f"{main} 和 {other} 都是正式台账，演示不会覆盖它们；请用 --data 指定另一个文件夹",
                           f"{main} and {other} both hold real data and the demo never overwrites them: "
                           f"give another folder with --data")
    print(f"注意：{main} 是正式台账，演示改用 {other}（归档 {ledger.archive_dir(other)}） / {main} holds real data; "
          f"the demo uses {other} and its own archive")
    return other


def _remove_sample_ledger(db: Path) -> None:
    """A sample ledger and what is its own in its archive (the copies and sidecars of its files)."""
    if not is_sample(db):
        return
    con = ledger.connect(db, read_only=True)
    try:
        own = queries.stored_shas(con)
    finally:
        con.close()
    folder = ledger.archive_dir(db)
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_file() and p.name.split(".")[0] in own:
                p.unlink()
        withdrawals = folder / "withdrawals"
        for p in (withdrawals.iterdir() if withdrawals.is_dir() else []):
            if p.name.split(".")[0] in own:
                p.unlink()
        for sub in (withdrawals, folder):
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)


def remove_demo(data: Path, yes: bool = False) -> int:
    """``alxa demo --remove`` (``make clean-demo``): the demo's sample ledger, its archive and the sample folder,
    after a confirmation; a ledger holding any file of its own is never removed."""
    found = [db for db in (data / "alxa.duckdb", data / "demo.duckdb") if is_sample(db)]
    sample = data / "sample"
    if not found and not sample.exists():
        print(f"没有可删除的演示数据 / nothing of the demo's to remove in {data}")
        return 0
    for db in found:
        print(f"将删除 will remove: {db}（样本台账 sample ledger）及其归档中的样本文件 / and its sample files in "
              f"{ledger.archive_dir(db)}")
    if sample.exists():
        print(f"将删除 will remove: {sample}（样本文件夹 / the sample folder）")
    if not yes:
        if not interactive():
            raise BadParameter("未确认：加 --yes 确认删除", "not confirmed: pass --yes to remove them")
        if input("确认删除？/ remove them? [y/N] ").strip().lower() not in ("y", "yes", "是"):
            print("未删除 / nothing removed")
            return 0
    for db in found:
        _remove_sample_ledger(db)
    shutil.rmtree(sample, ignore_errors=True)
    print("已删除 / removed")
    return 0


def run_demo(data: Path, out: Path) -> int:
    sample = data / "sample"
    db = demo_ledger(data)  # refused before anything is written when there is no place for the demo
    if sample.exists():
        shutil.rmtree(sample)
    truth = write_sample(sample, DEMO_YEAR, DEMO_SEED)
    print(f"1/5 样本年度 sample year → {sample} ({len(truth['files'])} 份半月报 period reports)")
    period = cal.periods(DEMO_YEAR)[11]  # 2025-06-28
    tdir = out / period.isoformat() / "模板"
    paths = write_templates(sample / truth["plan_file"], period, tdir, sample / "registers" / f"{DEMO_YEAR}年重点项目登记簿.xlsx")
    print(f"2/5 填报模板 templates → {tdir} ({len(paths)} 份)")
    _remove_sample_ledger(db)  # only ever a sample ledger (demo_ledger): its files are the sample's
    ledger.mark_origin(db, ledger.SAMPLE)  # marked first, so an interrupted demo is still known as a sample ledger
    outcomes = ingest([sample], db, progress=interactive(), sample=True)
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
        with no_partial_output(out):  # an interrupted report leaves nothing half-written
            done = run()
        extra = "（含公文 docx、PDF / with the 公文 as docx and PDF）" if "docx" in done else ""
        print(f"5/5 {label} → {done['pdf'].parent}{extra}")
    print(f"台账 ledger: {db}（笔记本默认参数即可运行 / notebooks run with their defaults）")
    return 0
