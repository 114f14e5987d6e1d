"""Ingest workbooks into the ledger: archive, read, match to the plan, store — one file, one transaction."""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd

from alxa_lib import ledger
from alxa_lib.ledger import queries
from alxa_lib.rules import finding
from alxa_lib.workbooks.cells import norm_name
from alxa_lib.workbooks.reader import ReadResult, RejectedFile, read_workbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
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
    """Files as given, and folders recursively (spreadsheets only; Excel lock files ``~$`` skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SPREADSHEET_SUFFIXES
                          and not f.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


def archive(path: Path, digest: str, db: Path) -> Path:
    """Copy the file byte for byte under its SHA-256 (atomic rename; an existing copy is kept)."""
    target_dir = ledger.archive_dir(db)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{digest}{path.suffix.lower()}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    return target


# ------------------------------------------------------------------ matching rows to the plan
def match_projects(rows: pd.DataFrame, plan: pd.DataFrame, ctx: dict, sheet: str, col_refs: dict,
                   department: str | None = None) -> list[dict]:
    """Fill ``project_id`` of rows without one by normalised name; flag rows that match nothing.

    The 项目编号 wins when it is in the plan (any department's: the id is authoritative). A name is
    matched among the department's own projects first, then the whole plan. Adds ``matched_by``.
    """
    findings: list[dict] = []
    if rows.empty:
        rows["matched_by"] = []
        return findings
    ids = set(plan["project_id"].dropna()) if not plan.empty else set()
    by_name: dict[str, list[str]] = {}
    own: dict[str, list[str]] = {}
    for pid, name, dept in zip(plan.get("project_id", []), plan.get("name", []), plan.get("department", [])):
        by_name.setdefault(norm_name(name), []).append(pid)
        if department is not None and dept == department:
            own.setdefault(norm_name(name), []).append(pid)
    name_col = col_refs.get("name")
    matched_by, pids = [], []
    for r in rows.to_dict("records"):
        pid, name = r.get("project_id"), r.get("name")
        pid = pid if isinstance(pid, str) and pid.strip() else None  # NaN/None from any frame dtype
        name = name if isinstance(name, str) and name.strip() else None
        cell = f"{name_col}{r['_row']}" if name_col else None
        if pid and (pid in ids or not ids):
            matched_by.append("id")
            pids.append(pid)
            continue
        candidates = (own.get(norm_name(name)) or by_name.get(norm_name(name), [])) if name else []
        if len(candidates) == 1 and not pid:
            matched_by.append("name")
            pids.append(candidates[0])
            findings.append(finding("NAME_MATCHED", project_id=candidates[0], field="name", sheet=sheet, cell=cell,
                                    **ctx))
            continue
        if not pid and not name:
            matched_by.append(None)
            pids.append(None)
            continue  # REQUIRED_MISSING is the validator's
        close = difflib.get_close_matches(norm_name(name or pid), list(by_name), n=3, cutoff=0.5)
        names = [plan.loc[plan["project_id"] == by_name[c][0], "name"].iloc[0] for c in close]
        suggest = ("，最接近的计划项目：" + "、".join(names)) if names else ""
        if pid:
            ref = col_refs.get("project_id")
            cell = f"{ref}{r['_row']}" if ref else cell
        findings.append(finding("PROJECT_UNKNOWN", project_id=None, field="project_id" if pid else "name",
                                sheet=sheet, cell=cell, name=name or pid, suggest=suggest, **ctx))
        matched_by.append(None)
        pids.append(pid if not ids else None)
        r["_unknown_id"] = pid
    raw_ids = rows["project_id"].tolist()
    # object columns keep None as None (a list would be inferred as a string column with NaN)
    rows["project_id"] = pd.Series(pids, index=rows.index, dtype=object)
    rows["matched_by"] = pd.Series(matched_by, index=rows.index, dtype=object)
    rows["_given_id"] = pd.Series(raw_ids, index=rows.index, dtype=object)
    return findings


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
        findings += match_projects(frames[name], all_plan if res.kind != "report" else plan, ctx,
                                   res.meta.get("sheet"), res.col_refs.get(name, {}), res.department)
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


def ingest(paths: Iterable[str | Path], db: str | Path | None = None, *, period: dt.date | None = None,
           received: dt.date | None = None, progress: bool | None = None) -> list[Outcome]:
    """Ingest files and folders; a bad file is rejected alone, the others go on."""
    dbp = ledger.db_path(db)
    files = expand_paths(paths)
    if progress is None:
        progress = sys.stderr.isatty()
    outcomes: dict[Path, Outcome] = {}
    read: list[tuple[Path, ReadResult, str]] = []
    iterator = files
    if progress:
        from tqdm import tqdm
        iterator = tqdm(files, desc="读取 reading", unit="file", file=sys.stderr)
    for path in iterator:
        try:
            if not path.exists():
                raise RejectedFile("not_found", f"文件不存在 / file not found: {path}")
            if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
                raise RejectedFile("not_spreadsheet", f"不是Excel文件（{path.suffix or '无扩展名'}），请报送.xlsx/.xls / "
                                                      f"not a spreadsheet ({path.suffix or 'no extension'}): send .xlsx, .xlsm or .xls")
            res = read_workbook(path, period=period)
            read.append((path, res, sha256_of(path)))
        except RejectedFile as exc:
            outcomes[path] = Outcome(file=str(path), error=str(exc), reason=exc.reason)
        except Exception as exc:  # noqa: BLE001 - a reader bug must not abort the other files
            outcomes[path] = Outcome(file=str(path), reason="unreadable",
                                     error=f"读取失败 / could not read the file: {type(exc).__name__}: {exc}")
    read.sort(key=lambda t: (KIND_ORDER[t[1].kind], t[1].period or dt.date.min, received_date(t[0], received), str(t[0])))
    with ledger.writer_lock(dbp):
        con = ledger.connect(dbp)
        plans = PlanCache(con)
        try:
            iterator2 = read
            if progress:
                from tqdm import tqdm
                iterator2 = tqdm(read, desc="入库 storing", unit="file", file=sys.stderr)
            for path, res, digest in iterator2:
                try:
                    archived = archive(path, digest, dbp)
                    outcomes[path] = store(con, res, digest, path, archived, received_date(path, received), plans)
                except Exception as exc:  # noqa: BLE001 - the transaction was rolled back; go on
                    outcomes[path] = Outcome(file=str(path), kind=res.kind, department=res.department,
                                             reason="not_stored", error=f"入库失败，未保存任何数据 / not stored, nothing kept: "
                                                   f"{type(exc).__name__}: {exc}")
        finally:
            con.close()
    return [outcomes[p] for p in files if p in outcomes]
