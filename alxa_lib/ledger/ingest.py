"""Ingest workbooks into the ledger: archive, read, match to the plan, store — one file, one transaction."""
from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd

from alxa_lib import ledger, params
from alxa_lib.files import sha256_of  # noqa: F401 - re-exported for callers
from alxa_lib.ledger import queries
from alxa_lib.ledger.archive import archive, write_sidecar
from alxa_lib.ledger.matching import drop_duplicates, match_projects
from alxa_lib.workbooks.reader import ReadResult, RejectedFile, read_workbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
OTHER_OFFICE_SUFFIXES = {".et", ".ett", ".wps", ".ods", ".fods", ".numbers", ".xlsb"}  # reported, not read
KIND_ORDER = {"plan": 0, "registers": 1, "schedule": 2, "report": 3, "start_report": 4}


@dataclass
class Outcome:
    file: str
    kind: str | None = None
    department: str | None = None
    period: str | None = None
    status: str = "rejected"
    version: int | None = None
    rows: int = 0
    findings: int = 0
    error: str | None = None
    reason: str | None = None  # the rejection code (docs/workbooks.md §7) when status is "rejected"

    def as_dict(self) -> dict:
        return {"file": self.file, "kind": self.kind, "department": self.department, "period": self.period,
                "status": self.status, "version": self.version, "rows": self.rows, "findings": self.findings,
                "error": self.error, "reason": self.reason}


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and folders recursively: spreadsheets, and other office formats (WPS .et, .ods,
    .numbers…) so that they are reported as rejected rather than skipped; Excel lock files ``~$`` skipped."""
    out: list[Path] = []
    wanted = SPREADSHEET_SUFFIXES | OTHER_OFFICE_SUFFIXES
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in wanted and not f.is_dir()
                          and not f.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return out




def received_date(path: Path, override: dt.date | None = None) -> dt.date:
    """``--received``, else the folder's ``_received.csv``, else the file's modification time."""
    if override:
        return override
    manifest = path.parent / "_received.csv"
    if manifest.exists():
        try:
            with open(manifest, encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    if (row.get("file") or "").strip() == path.name:
                        return dt.date.fromisoformat((row.get("received") or "").strip()[:10])
        except (OSError, ValueError):
            pass
    return dt.date.fromtimestamp(path.stat().st_mtime)


# ------------------------------------------------------------------ store one file
def _split_years(df: pd.DataFrame) -> pd.DataFrame:
    if "years" in df.columns:
        df["start_year"] = [y[0] if isinstance(y, tuple) else None for y in df["years"]]
        df["end_year"] = [y[1] if isinstance(y, tuple) else None for y in df["years"]]
    return df


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    df = _split_years(df.copy())
    df = df.rename(columns={"_row": "row_no", "_sheet": "sheet"})
    raw_cols = [c for c in df.columns if c.startswith("_raw_")]
    if raw_cols:
        df["raw"] = [json.dumps({c[5:]: r[c] for c in raw_cols if r.get(c)}, ensure_ascii=False) or None
                     for r in df[raw_cols].to_dict("records")]
    approx_cols = [c for c in df.columns if c.startswith("_approx_")]
    if approx_cols:  # approximate dates (2025.6, 6月下旬): field → what was written (docs/workbooks.md §6)
        df["approx"] = [json.dumps({c[8:]: r[c] for c in approx_cols if r.get(c)}, ensure_ascii=False)
                        if any(r.get(c) for c in approx_cols) else None for r in df[approx_cols].to_dict("records")]
    return df


class PlanCache:
    """Plan-in-force look-ups within one ingest run (the plan changes only when a plan or register is stored)."""

    def __init__(self, con):
        self.con = con
        self._cache: dict = {}

    def key(self) -> tuple:
        return queries.plan_key(self.con)

    def in_force(self, day: dt.date) -> pd.DataFrame:
        k = (self.key(), day)
        if k not in self._cache:
            self._cache[k] = queries.plan_in_force(self.con, day)
        return self._cache[k]

    def all_rows(self, year: int | None) -> pd.DataFrame:
        k = (self.key(), "all", year)
        if k not in self._cache:
            self._cache[k] = queries.latest_plan_rows(self.con, year)
        return self._cache[k]


def store(con, res: ReadResult, digest: str, source: Path, archived: Path, received: dt.date,
          plans: PlanCache | None = None) -> Outcome:
    """Write one read workbook into the ledger within one transaction; return what happened."""
    out = Outcome(file=str(source), kind=res.kind, department=res.department,
                  period=res.period.isoformat() if res.period else None)
    if con.execute("SELECT 1 FROM files WHERE sha256 = ?", [digest]).fetchone():
        prev = con.execute("SELECT version, n_rows, kind, department, period FROM files WHERE sha256 = ? "
                           "ORDER BY file_id LIMIT 1", [digest]).fetchone()
        out.status, out.version, out.rows = "unchanged", prev[0], prev[1]
        return out
    label = res.meta.get("version_label")
    year = res.meta.get("year") or (res.period.year if res.period else None)
    if res.kind == "report":
        key_sql, key_args = "department = ? AND period = ?", [res.department, res.period]
    elif res.kind == "schedule":
        key_sql, key_args = "department = ? AND version_label = ?", [res.department, label]
    elif res.kind == "start_report":
        key_sql, key_args = "department = ? AND report_date IS NOT DISTINCT FROM ? AND original_name = ?", \
            [res.department, res.meta.get("report_date"), source.name]
    else:
        key_sql, key_args = "plan_year IS NOT DISTINCT FROM ?", [year]
    n_prev = con.execute(f"SELECT count(*) FROM files WHERE kind = ? AND {key_sql}", [res.kind, *key_args]).fetchone()[0]
    version = int(n_prev) + 1
    findings = list(res.findings) + list(res.meta.get("total_checks", []))
    frames = {k: v.copy() for k, v in res.frames.items()}
    if res.kind in ("report", "start_report", "schedule"):
        day = res.period or res.meta.get("report_date") or received
        plans = plans or PlanCache(con)
        plan = plans.in_force(day)
        name = {"report": "report_rows", "start_report": "start_rows", "schedule": "schedule_rows"}[res.kind]
        ctx = {"department": res.department, "period": res.period}
        all_plan = plans.all_rows(day.year)
        if res.kind == "report" and all_plan.empty and not plans.all_rows(None).empty:
            raise RejectedFile("no_plan", f"台账中没有{day.year}年的年度计划，报表无法对应（标题或文件夹日期是否有误？） / "
                                          f"no {day.year} plan in the ledger: check the title or folder date, or "
                                          f"ingest that year's plan first")
        findings += match_projects(frames[name], all_plan if res.kind != "report" else plan, ctx,
                                   res.meta.get("sheet"), res.col_refs.get(name, {}), res.department)
        if res.kind == "report":
            findings += drop_duplicates(frames[name], ctx, res.meta.get("sheet"), res.col_refs.get(name, {}))
        pid_of_row = dict(zip(frames[name]["_row"], frames[name]["project_id"]))
        for f in findings:  # cell findings of a row take the row's matched project
            if f.get("cell") and f.get("rule") == "UNPARSEABLE_VALUE":
                f["project_id"] = pid_of_row.get(int("".join(ch for ch in f["cell"] if ch.isdigit())), f["project_id"])
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in res.meta.items()
            if k not in ("totals", "total_checks", "units")}
    with ledger.transaction(con):
        file_id = ledger.next_file_id(con)
        con.execute("""INSERT INTO files (file_id, sha256, original_name, source_path, archive_path, kind, department,
                       period, received, version, version_label, signed, report_date, plan_year, meta, col_refs, n_rows)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [file_id, digest, source.name, str(source), str(archived), res.kind, res.department, res.period,
                     received, version, label, res.meta.get("signed"), res.meta.get("report_date"), year,
                     json.dumps(meta, ensure_ascii=False, default=str), json.dumps(res.col_refs, ensure_ascii=False),
                     sum(len(f) for f in frames.values())])
        for name, df in frames.items():
            table = {"plan_rows": "plan_rows", "report_rows": "report_rows", "schedule_rows": "schedule_rows",
                     "start_rows": "start_rows"}.get(name) or ledger.REGISTER_TABLES[name]
            df = _prepare(df)
            df["file_id"] = file_id
            ledger.insert_frame(con, table, df)
        if findings:
            fdf = pd.DataFrame(findings)
            fdf["file_id"] = file_id
            fdf["stage"] = "ingest"
            ledger.insert_frame(con, "findings", fdf)
    out.status = "ingested" if version == 1 else "new_version"
    out.version = version
    out.rows = sum(len(f) for f in frames.values())
    out.findings = len(findings)
    return out


class SharedWriter:
    """The writing connection of one ingest run, given up for ``handoff_seconds`` whenever it has been held
    ``hold_seconds``, so that notebooks and reports waiting to read get in between two files (docs/architecture.md §6)."""

    def __init__(self, db: Path, wait: float | None):
        self.db, self.wait = db, wait
        self.cfg = params.load("ingest")["ledger"]
        self.con = None
        self.plans: PlanCache | None = None
        self.since = 0.0

    def connection(self):
        if self.con is not None and time.monotonic() - self.since > self.cfg["hold_seconds"]:
            self.close()
            time.sleep(self.cfg["handoff_seconds"])
        if self.con is None:
            self.con = ledger.connect(self.db, wait=self.wait)
            self.plans = PlanCache(self.con)
            self.since = time.monotonic()
        return self.con, self.plans

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


@dataclass
class Item:
    """One read workbook waiting to be stored: where it came from and the ``--period`` it was read with."""
    path: Path  # the file read
    res: ReadResult
    digest: str
    received: dt.date
    period_arg: dt.date | None = None
    source: Path | None = None  # the path recorded in the ledger (the original's, when replaying the archive)


def read_one(path: Path, period: dt.date | None) -> tuple[ReadResult, str]:
    """Read one file for ingest; raise :class:`RejectedFile` when it must be rejected whole."""
    if not path.exists():
        raise RejectedFile("not_found", f"文件不存在 / file not found: {path}")
    if path.suffix.lower() in OTHER_OFFICE_SUFFIXES:
        raise RejectedFile("unsupported_format", f"不支持的文件格式（{path.suffix}），请另存为.xlsx后报送 / "
                                                 f"unsupported format {path.suffix}: save it as .xlsx and resend")
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        raise RejectedFile("not_spreadsheet", f"不是Excel文件（{path.suffix or '无扩展名'}），请报送.xlsx/.xls / "
                                              f"not a spreadsheet ({path.suffix or 'no extension'}): send .xlsx, .xlsm or .xls")
    res = read_workbook(path, period=period)
    return res, sha256_of(path)


def failed_read(path: Path, exc: Exception) -> Outcome:
    if isinstance(exc, RejectedFile):
        return Outcome(file=str(path), error=str(exc), reason=exc.reason)
    return Outcome(file=str(path), reason="unreadable",
                   error=f"读取失败 / could not read the file: {type(exc).__name__}: {exc}")


def ingest(paths: Iterable[str | Path], db: str | Path | None = None, *, period: dt.date | None = None,
           received: dt.date | None = None, progress: bool | None = None, wait: float | None = None) -> list[Outcome]:
    """Ingest files and folders; a bad file is rejected alone, the others go on. ``wait``: seconds to wait
    for another program's lock on the ledger (default ``params/ingest.yaml`` ``ledger``)."""
    dbp = ledger.db_path(db)
    files = expand_paths(paths)
    if progress is None:
        progress = sys.stderr.isatty()
    outcomes: dict[Path, Outcome] = {}
    items: list[Item] = []
    iterator = files
    if progress:
        from tqdm import tqdm
        iterator = tqdm(files, desc="读取 reading", unit="file", file=sys.stderr)
    for path in iterator:
        try:
            res, digest = read_one(path, period)
            items.append(Item(path, res, digest, received_date(path, received), period))
        except Exception as exc:  # noqa: BLE001 - a reader bug must not abort the other files
            outcomes[path] = failed_read(path, exc)
    items.sort(key=lambda t: (KIND_ORDER[t.res.kind], t.res.period or dt.date.min, t.received, str(t.path)))
    outcomes.update(store_items(dbp, items, wait=wait, progress=progress))
    return [outcomes[p] for p in files if p in outcomes]


def store_items(dbp: Path, items: list[Item], *, wait: float | None = None, progress: bool = False) -> dict[Path, Outcome]:
    """Store read workbooks in the given order, each in its own transaction; archive each first and
    record its sidecar once stored (docs/workbooks.md §8)."""
    outcomes: dict[Path, Outcome] = {}
    with ledger.writer_lock(dbp):
        shared = SharedWriter(dbp, wait)
        try:
            iterator = items
            if progress:
                from tqdm import tqdm
                iterator = tqdm(items, desc="入库 storing", unit="file", file=sys.stderr)
            for it in iterator:
                con, plans = shared.connection()
                res, source = it.res, it.source or it.path
                try:
                    archived = archive(it.path, it.digest, dbp)
                    out = outcomes[it.path] = store(con, res, it.digest, source, archived, it.received, plans)
                    if out.status in ("ingested", "new_version"):
                        file_id = con.execute("SELECT max(file_id) FROM files WHERE sha256 = ?", [it.digest]).fetchone()[0]
                        write_sidecar(archived, file_id=int(file_id), digest=it.digest, source=source,
                                      received=it.received, period=it.period_arg)
                except RejectedFile as exc:
                    outcomes[it.path] = Outcome(file=str(it.path), kind=res.kind, department=res.department,
                                                error=str(exc), reason=exc.reason)
                except Exception as exc:  # noqa: BLE001 - the transaction was rolled back; go on
                    outcomes[it.path] = Outcome(file=str(it.path), kind=res.kind, department=res.department,
                                                reason="not_stored", error=f"入库失败，未保存任何数据 / not stored, "
                                                f"nothing kept: {type(exc).__name__}: {_first_line(exc)}")
        finally:
            shared.close()
    return outcomes


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
