"""Storing read workbooks in batches (docs/architecture.md §9).

Everything about a file that can fail — its version, matching its rows to the plan, building its frames
and findings — is done before anything is written (:func:`prepare`). A batch of prepared files (up to
``params/ingest.yaml`` ``batch``: files or rows) then goes in as one transaction with one insert per
table. DuckDB has no savepoints, so when that transaction fails it is rolled back and the batch's files
are stored again one per transaction: only the bad one is refused, all or none of each file's rows.
The ``files`` index (duplicates by SHA-256, version counters) is read once per run and kept up to date here.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from itertools import chain, compress, repeat

import pandas as pd

from alxa_lib import ledger, params
from alxa_lib.errors import RejectedFile
from alxa_lib.files import shown_name, shown_path
from alxa_lib.ledger import queries
from alxa_lib.ledger.matching import PlanIndex, drop_duplicate_rows, match_rows
from alxa_lib.workbooks.plan import applied_by, apply_adjustments
from alxa_lib.workbooks.reader import ReadResult

ROW_TABLES = {"plan_rows": "plan_rows", "report_rows": "report_rows", "schedule_rows": "schedule_rows",
              "start_rows": "start_rows", "inspection_rows": "inspection_rows"}
MATCHED = {"report": "report_rows", "start_report": "start_rows", "schedule": "schedule_rows"}
ENDS_BATCH = ("plan", "registers")  # what the plan in force is made of: later files must see it stored


def batch_limits() -> dict:
    return params.load("ingest")["batch"]


def version_key(kind: str | None, department, period, label, report_date, name, year) -> tuple:
    """What makes two files versions of one another (the same department and period for a report…)."""
    if kind == "report":
        return kind, department, period
    if kind == "schedule":
        return kind, department, label
    if kind == "start_report":
        return kind, department, report_date, name
    if kind == "inspection":  # a corrected record form of the same name and period is its next version
        return kind, period, name
    return kind, year


class FileIndex:
    """The ledger's ``files`` as ingest needs them: the first stored version of each SHA-256 and the count
    of versions under each version key. Read once per run; updated as files are stored."""

    def __init__(self, con) -> None:
        rows = con.execute("SELECT sha256, version, n_rows, content_sha, kind, department, period, version_label, "
                           "report_date, original_name, plan_year FROM files ORDER BY file_id").fetchall()
        self.first: dict[str, tuple[int, int]] = {}
        self.counts: dict[tuple, int] = {}
        self.contents: dict[tuple, list[tuple[int, str | None]]] = {}  # version key → (version, content) stored
        for sha, version, n_rows, content, *key in rows:
            self.first.setdefault(sha, (version, n_rows))
            k = version_key(*key)
            self.counts[k] = self.counts.get(k, 0) + 1
            self.contents.setdefault(k, []).append((version, content))

    def snapshot(self) -> tuple[dict, dict, dict]:
        return dict(self.first), dict(self.counts), {k: list(v) for k, v in self.contents.items()}

    def restore(self, state: tuple[dict, dict, dict]) -> None:
        self.first, self.counts, self.contents = dict(state[0]), dict(state[1]), {k: list(v) for k, v in state[2].items()}

    def add(self, sha: str, key: tuple, version: int, n_rows: int, content: str | None = None) -> None:
        self.first.setdefault(sha, (version, n_rows))
        self.counts[key] = self.counts.get(key, 0) + 1
        self.contents.setdefault(key, []).append((version, content))

    def resent_of(self, key: tuple, content: str) -> int | None:
        """The earlier version whose content this is, when it is not the latest's (a re-sent older version)."""
        stored = self.contents.get(key) or []
        if not stored or stored[-1][1] == content:
            return None
        return next((v for v, c in stored if c == content), None)


class PlanCache:
    """The plan in force within one run: read again only when a plan or registers workbook has been stored
    (checked once a batch, so that a change by anyone is seen)."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._cache: dict = {}

    def refresh(self, con) -> None:
        key = queries.plan_key(con)
        if key != self._key:
            self._key, self._cache = key, {}

    def in_force(self, con, day: dt.date) -> pd.DataFrame:
        """As ``queries.plan_in_force``, from the plan and the adjustments register read once; days on
        which the same adjustments are in force share one plan (and its :class:`PlanIndex`)."""
        if day not in self._cache:
            if "adjustments" not in self._cache:
                self._cache["adjustments"] = queries.latest_register(con, "reg_adjustments")
            adjustments = self._cache["adjustments"]
            key = ("in_force", day.year, applied_by(adjustments, day))
            if key not in self._cache:
                self._cache[key] = apply_adjustments(self.all_rows(con, day.year), adjustments, day)
            self._cache[day] = self._cache[key]
        return self._cache[day]

    def all_rows(self, con, year: int | None) -> pd.DataFrame:
        if ("all", year) not in self._cache:
            self._cache[("all", year)] = queries.latest_plan_rows(con, year)
        return self._cache[("all", year)]

    def index(self, plan: pd.DataFrame) -> PlanIndex:
        """The look-ups of a plan this cache returned (built once per plan)."""
        key = ("index", id(plan))  # the plan frames live as long as the cache: their ids are stable
        if key not in self._cache:
            self._cache[key] = PlanIndex(plan)
        return self._cache[key]


@dataclass
class Prepared:
    """One file ready to insert: its ``files`` row, its frames by table, its findings (file_id set at insert)."""
    item: object  # the ingest Item
    key: tuple
    row: dict
    frames: dict[str, Part] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    file_id: int | None = None
    resent_of: int | None = None  # the earlier version it repeats: recorded, withdrawn, not the latest
    note: str | None = None  # one line for the analyst (a re-sent older version, a report before its plan)

    @property
    def n_rows(self) -> int:
        return int(self.row["n_rows"])


def _marks(columns: dict[str, list], n: int, prefix: str) -> list | None:
    """Per row, the JSON of the non-empty ``prefix`` columns (field → what was written), else None;
    None when there is no such column."""
    cols = [c for c in columns if c.startswith(prefix)]
    if not cols:
        return None
    out: list = [None] * n
    marked = sorted({k for c in cols for k in compress(range(n), columns[c])})  # rows with any mark (few)
    for k in marked:
        out[k] = json.dumps({c[len(prefix):]: columns[c][k] for c in cols if columns[c][k]}, ensure_ascii=False)
    return out


@dataclass
class Part:
    """One file's rows for one table (``columns``: name → one value per row), with the JSON of its unusable
    cells' raw text (``raw``: ``{}`` on a row without any, absent when the file has none) and of its
    approximate dates (docs/workbooks.md §6)."""
    columns: dict[str, list]
    n: int
    raw: list | None
    approx: list | None

    @classmethod
    def of(cls, columns: dict[str, list], n: int) -> "Part":
        raw = _marks(columns, n, "_raw_")
        return cls(columns, n, [r if r is not None else "{}" for r in raw] if raw is not None else None,
                   _marks(columns, n, "_approx_"))


def table_columns(parts: list[tuple[int, Part]]) -> tuple[dict[str, list], int]:
    """The rows of several files for one table, as the table stores them, a column at a time (name → one value
    per row) and their count: file ids, row numbers, years split, the raw and approx JSON. A column some files
    lack is None (NULL) for their rows."""
    names = list(dict.fromkeys(c for _, p in parts for c in p.columns))
    n = sum(p.n for _, p in parts)
    if len(parts) == 1:  # one file: its lists as they are
        data = {c: parts[0][1].columns.get(c) or [None] * n for c in names}
    else:
        data = {c: list(chain.from_iterable(p.columns.get(c) or [None] * p.n for _, p in parts)) for c in names}
    data["file_id"] = [file_id for file_id, p in parts for _ in range(p.n)]
    for col in ("raw", "approx"):
        if any(getattr(p, col) is not None for _, p in parts):
            data[col] = [v for _, p in parts for v in (getattr(p, col) or [None] * p.n)]
    if "years" in data:
        data["start_year"] = [y[0] if isinstance(y, tuple) else None for y in data["years"]]
        data["end_year"] = [y[1] if isinstance(y, tuple) else None for y in data["years"]]
    for old, new in (("_row", "row_no"), ("_sheet", "sheet")):
        if old in data:
            data[new] = data.pop(old)
    return data, n


def prepare(con, item, res: ReadResult, index: FileIndex, plans: PlanCache, replace_registers: bool = False
            ) -> Prepared | tuple[str, int, int]:
    """Everything about one file that can fail, before any write: ("unchanged", version, rows) for content
    already stored, else the :class:`Prepared` file (the index counts it as stored from now on).
    ``replace_registers``: a registers workbook may drop more rows than ``registers_max_drop`` allows."""
    digest, source, received = item.digest, item.source or item.path, item.received
    if digest in index.first:
        return ("unchanged", *index.first[digest])
    if res.kind == "registers" and not replace_registers:
        registers_shrink(con, res)
    label = res.meta.get("version_label")
    year = res.meta.get("year") or (res.period.year if res.period else None)
    key = version_key(res.kind, res.department, res.period, label, res.meta.get("report_date"), shown_name(source.name), year)
    version = index.counts.get(key, 0) + 1
    findings = [dict(f) for f in res.findings] + [dict(f) for f in res.meta.get("total_checks", [])]
    tables = res.column_lists()
    frames = {k: cols for k, (cols, _) in tables.items()}
    sizes = {k: n for k, (_, n) in tables.items()}
    content = content_of(res, frames)
    resent = None if getattr(item, "restore", False) else index.resent_of(key, content)
    note = fingerprint = None
    if res.kind in MATCHED:
        found, pid_of_row, fingerprint = _match(con, res, frames, received, plans)
        if fingerprint == NO_PLAN:
            day = res.period or res.meta.get("report_date") or received
            note = (f"{day.year}年计划未入库：暂未与计划对应，计划入库后自动重新对应 / no {day.year} plan in the ledger yet: "
                    f"its rows are matched when the plan arrives")
        for f in findings:  # cell findings of a row take the row's matched project (matching makes none)
            if f.get("cell") and f.get("rule") == "UNPARSEABLE_VALUE":
                f["project_id"] = pid_of_row.get(int("".join(ch for ch in f["cell"] if ch.isdigit())), f["project_id"])
        findings += found
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in res.meta.items()
            if k not in ("totals", "total_checks", "units")}
    n_rows = sum(sizes.values())
    row = {"sha256": digest, "original_name": shown_name(source.name), "source_path": shown_path(source),
           "archive_path": str(item.archived), "kind": res.kind, "department": res.department, "period": res.period,
           "received": received, "version": version, "version_label": label, "signed": res.meta.get("signed"),
           "report_date": res.meta.get("report_date"), "plan_year": year,
           "meta": json.dumps(meta, ensure_ascii=False, default=str),
           "col_refs": json.dumps(res.col_refs, ensure_ascii=False), "n_rows": n_rows, "content_sha": content,
           "matched_with": fingerprint}
    tables = {(ROW_TABLES.get(name) or ledger.REGISTER_TABLES[name]): Part.of(cols, sizes[name])
              for name, cols in frames.items()}
    index.add(digest, key, version, n_rows, content)
    if resent is not None:
        note = (f"与第{resent}版相同，未作为最新版本（如确需恢复，用 alxa ingest --restore） / the same as version "
                f"{resent}: recorded, not made the latest (alxa ingest --restore makes it so)")
    return Prepared(item, key, row, tables, findings, resent_of=resent, note=note)


def content_of(res: ReadResult, frames: dict[str, dict[str, list]]) -> str:
    """What a file says, whatever its bytes (a re-saved copy of version 1 says what version 1 said): the hash
    of its kind, department, period and rows, pickled a column at a time (7 ms for 20,000 rows). Equal
    contents read alike give equal bytes; at worst a re-saved copy whose cells the reader shares otherwise is
    taken for a new version, as any other file is."""
    import hashlib
    import pickle
    h = hashlib.sha256(pickle.dumps((res.kind, res.department, res.period), protocol=5))
    for name in sorted(frames):
        cols = frames[name]
        for col in sorted(c for c in cols if not c.startswith("_") or c == "_row"):
            h.update(pickle.dumps((name, col, cols[col]), protocol=5))
    return h.hexdigest()


NO_PLAN = "no-plan"


def registers_shrink(con, res: ReadResult) -> None:
    """Refuse a registers workbook that holds fewer rows of some register than the stored version, by more
    than ``params/ingest.yaml`` ``registers_max_drop`` of them (docs/workbooks.md §5): the registers are
    replaced wholesale, so a sheet lost or half copied would silently drop adjustments, problems or contacts.
    ``alxa ingest --replace-registers`` stores it all the same."""
    stored = queries.register_counts(con)
    if not stored:
        return
    share = float(params.load("ingest").get("registers_max_drop", 0.1))
    lost = []
    for key, table in ledger.REGISTER_TABLES.items():
        before, now = stored.get(table, 0), len(res.frames.get(key, ()))
        if before and before - now > share * before:
            lost.append((key, before, now))
    if lost:
        from alxa_lib.vocab import REGISTER_SHEET_NAMES
        cn = "、".join(f"{REGISTER_SHEET_NAMES[k]}由{b}行减为{n}行" for k, b, n in lost)
        en = ", ".join(f"{k} {b} → {n} rows" for k, b, n in lost)
        raise RejectedFile("registers_shrink",
                           f"新登记簿比已入库版本少了{cn}，未替换；确认无误请加 --replace-registers 重新导入 / the new "
                           f"registers drop rows ({en}) and were not stored; if that is intended, ingest again "
                           f"with --replace-registers")


def _match(con, res: ReadResult, frames: dict[str, dict[str, list]], received: dt.date, plans: PlanCache
           ) -> tuple[list[dict], dict, str]:
    """Match the rows to the plan in force (docs/measures.md §10.9), filling ``project_id`` and adding
    ``matched_by`` and ``_given_id`` to the file's columns; cell findings take the row's project."""
    day = res.period or res.meta.get("report_date") or received
    name = MATCHED[res.kind]
    ctx = {"department": res.department, "period": res.period}
    all_plan = plans.all_rows(con, day.year)
    plan = plans.in_force(con, day) if res.kind == "report" else all_plan
    sheet, refs = res.meta.get("sheet"), res.col_refs.get(name, {})
    cols = frames[name]
    given = cols["project_id"]
    pids, matched_by, found = match_rows(cols["_row"], given, cols.get("name"), ctx, sheet, refs, res.department,
                                         plans.index(plan))
    cols["project_id"], cols["matched_by"], cols["_given_id"] = pids, matched_by, list(given)
    cols["given_id"] = cols["_given_id"]  # stored: the rows are matched again from it when the plan changes
    if res.kind == "report":
        found += drop_duplicate_rows(cols, ctx, sheet, refs)
    fingerprint = plans.index(plan).fingerprint if not all_plan.empty else NO_PLAN
    return found, dict(zip(cols["_row"], cols["project_id"])), fingerprint


def insert(con, batch: list[Prepared]) -> None:
    """One transaction for the whole batch: its ``files`` rows, then each table's rows, then the findings,
    one insert each (the frames of the batch's files concatenated in storing order)."""
    with ledger.transaction(con):
        for p, file_id in zip(batch, ledger.next_file_ids(con, len(batch))):
            p.file_id = file_id
        ledger.insert_frame(con, "files", pd.DataFrame([{"file_id": p.file_id, **p.row} for p in batch], dtype=object))
        for p in batch:
            if p.resent_of is not None:  # recorded, but the latest version stays the latest (alxa restore undoes it)
                why = f"与第{p.resent_of}版相同，未作为最新版本"
                con.execute("INSERT INTO withdrawals VALUES (?, ?, current_timestamp, 'alxa ingest', ?)",
                            [p.file_id, p.row["sha256"], why])
                con.execute("INSERT INTO withdrawal_log VALUES ('withdraw', ?, ?, current_timestamp, 'alxa ingest', ?)",
                            [p.row["sha256"], p.file_id, why])
        tables: dict[str, list[tuple[int, Part]]] = {}
        for p in batch:
            for table, part in p.frames.items():
                if part.n:
                    tables.setdefault(table, []).append((p.file_id, part))
        for table, parts in tables.items():
            ledger.insert_columns(con, table, *table_columns(parts))
        found = findings_columns(batch)
        if found is not None:
            ledger.insert_columns(con, "findings", *found)


def findings_columns(batch: list[Prepared]) -> tuple[dict[str, list], int] | None:
    """The batch's findings with their file ids, stage ``ingest``, a column at a time (a finding without some
    key has None there, as the table's NULL), and their count; None without any."""
    found = [f for p in batch for f in p.findings]
    if not found:
        return None
    data = {k: list(map(dict.get, found, repeat(k))) for k in set().union(*found)}
    data["file_id"] = [p.file_id for p in batch for _ in p.findings]
    data["stage"] = ["ingest"] * len(found)
    return data, len(found)
