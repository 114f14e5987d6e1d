"""Ingest workbooks into the ledger: read, archive and spill each file; then, in order, match to the plan and
store in batches (one transaction a batch, every file whole or absent; docs/architecture.md §9)."""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import pickle
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from alxa_lib import ledger, params
from alxa_lib.files import raw_name, sha256_of, shown_name, shown_path  # noqa: F401 - sha256_of re-exported
from alxa_lib.ledger import batches, integrity
from alxa_lib.ledger.archive import archive, write_sidecar
from alxa_lib.ledger.listing import (  # noqa: F401 - re-exported for callers
    OTHER_OFFICE_SUFFIXES,
    SPREADSHEET_SUFFIXES,
    check_format,
    expand_paths,
    ignored_files,
    received_date,
)
from alxa_lib.ledger.matching import match_projects  # noqa: F401 - re-exported for callers
from alxa_lib.workbooks.reader import ReadResult, RejectedFile, read_workbook

SPILL_PREFIX = ".ingest-spill-"
KIND_ORDER = {"plan": 0, "registers": 1, "schedule": 2, "report": 3, "start_report": 4, "inspection": 5}


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
    file_bytes: str | None = None  # a name that is not UTF-8: its bytes, escaped (``file`` shows it decoded)
    ignored: str | None = None  # status "ignored": why the file was not read (ignored_kind)

    def __post_init__(self) -> None:
        name = Path(self.file).name
        if self.file_bytes is None and raw_name(name) is not None:  # GBK bytes from a Chinese Windows zip
            self.file_bytes = raw_name(name)
            if self.error:
                self.error = self.error.replace(name, shown_name(name))
            self.file = shown_path(self.file)
        if self.error and not self.error.isascii():
            self.error = self.error.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    note: str | None = None  # a stored file the analyst must know about (a re-sent older version, no plan yet)

    def as_dict(self) -> dict:
        return {"file": self.file, "kind": self.kind, "department": self.department, "period": self.period,
                "status": self.status, "version": self.version, "rows": self.rows, "findings": self.findings,
                "error": self.error, "reason": self.reason, "file_bytes": self.file_bytes,
                "ignored": self.ignored, "note": self.note}


class SharedWriter:
    """The writing connection of one ingest run, given up for ``handoff_seconds`` whenever it has been held
    ``hold_seconds``, so that notebooks and reports waiting to read get in between two batches
    (docs/architecture.md §6)."""

    def __init__(self, db: Path, wait: float | None):
        self.db, self.wait = db, wait
        self.cfg = params.load("ingest")["ledger"]
        self.con = None
        self.since = 0.0
        self.opened = False

    def connection(self):
        if self.con is not None and time.monotonic() - self.since > self.cfg["hold_seconds"]:
            self.close()
            time.sleep(self.cfg["handoff_seconds"])
        if self.con is None:
            # the first time, only once the ledger has passed the damaged-ledger pass (docs/workbooks.md §8)
            self.con = ledger.connect(self.db, wait=self.wait) if self.opened \
                else integrity.open_for_writing(self.db, self.wait)
            self.opened = True
            # one thread: a batch's inserts are too small for DuckDB's workers to gain anything, and their
            # start and hand-over cost CPU (the ingest's own process only; readers keep their threads)
            self.con.execute("SET threads = 1")
            self.since = time.monotonic()
        return self.con

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


@dataclass
class Item:
    """One read workbook waiting to be stored. Only what orders it stays in memory: the read result
    itself waits in a spill file until its batch comes (so memory does not grow with the file count)."""
    path: Path  # the file read
    digest: str
    archived: Path  # its archive copy
    received: dt.date
    kind: str
    period: dt.date | None
    department: str | None
    period_arg: dt.date | None = None
    source: Path | None = None  # the path recorded in the ledger (the original's, when replaying the archive)
    spilled: tuple[Path, int] | None = None  # the spill file and where its read result starts
    res: ReadResult | None = None
    restore: bool = False  # --restore: a re-sent older version becomes the latest

    def sort_key(self) -> tuple:
        return KIND_ORDER[self.kind], self.period or dt.date.min, self.received, str(self.path)

    def result(self) -> ReadResult:
        if self.res is None:  # waiting in the spill file
            with open(self.spilled[0], "rb") as fh:
                fh.seek(self.spilled[1])
                self.res = pickle.load(fh)
        return self.res


class Spill:
    """Where read results wait to be stored: the first ones in memory, up to ``params/ingest.yaml``
    ``spill`` (files and rows), the others appended to a temporary file beside the ledger, so memory is
    bounded whatever the number of files. The file is removed afterwards (and, if a run was killed, by the
    next run once that run's process is gone)."""

    def __init__(self, db: Path):
        self.db, self.fh, self.path = db, None, None
        self.budget = dict(params.load("ingest")["spill"])
        _remove_stale_spills(db.parent)

    def keep(self, item: Item, res: ReadResult) -> Item:
        rows = res.n_rows()
        if self.budget["files"] > 0 and self.budget["rows"] >= rows:
            self.budget["files"] -= 1
            self.budget["rows"] -= rows
            item.res = res
            return item
        if self.fh is None:
            self.db.parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=self.db.parent))
            self.path = folder / "results.pkl"
            self.fh = open(self.path, "wb")
        item.spilled = (self.path, self.fh.tell())
        pickle.dump(res, self.fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.fh.flush()
        return item

    def __enter__(self) -> "Spill":
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.close()
            shutil.rmtree(self.path.parent, ignore_errors=True)


def _remove_stale_spills(folder: Path) -> None:
    for old in folder.glob(f"{SPILL_PREFIX}*"):
        try:
            os.kill(int(old.name[len(SPILL_PREFIX):].split("-")[0]), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (ValueError, PermissionError):
            continue


def read_one(path: Path, period: dt.date | None, db: Path) -> tuple[ReadResult, Path, str]:
    """Read one file for ingest and copy it into the archive (hashing while copying); raise
    :class:`RejectedFile` when it must be rejected whole (then nothing is archived)."""
    if not path.exists():
        raise RejectedFile("not_found", f"文件不存在 / file not found: {path}")
    check_format(path)
    res = read_workbook(path, period=period)
    archived, digest = archive(path, db)
    return res, archived, digest


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for one file or one batch: reading a workbook makes hundreds of
    thousands of objects in no cycle (its cells, rows, findings), and each collection would only walk them
    again (0.1–0.4 s of a 20,000-row report). Reference counting frees them as always; whatever cycle a file
    leaves is collected once the collector runs again, after the file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def gc_frozen() -> Iterator[None]:
    """The objects that exist when an ingest starts (the modules, pandas, DuckDB, the parameters: some
    hundred thousand) moved out of the collector's reach until it ends (``gc.freeze``): each collection
    between two files walked them again, about 0.035 s of CPU in a year's ingest. They are given back at the
    end (``gc.unfreeze``), so a long-lived process (a notebook kernel) collects them as before."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def read_item(path: Path, period: dt.date | None, db: Path, received: dt.date, spill: Spill,
              source: Path | None = None) -> Item:
    """Read, archive and spill one file; only its :class:`Item` (what orders it) stays in memory."""
    with gc_paused():
        res, archived, digest = read_one(path, period, db)
    item = Item(path, digest, archived, received, res.kind, res.period, res.department, period, source)
    return spill.keep(item, res)


def failed_read(path: Path, exc: Exception) -> Outcome:
    if isinstance(exc, RejectedFile):  # every refusal names the file (docs/workbooks.md §7)
        text = str(exc) if path.name in str(exc) else f"{exc} ({path.name})"
        return Outcome(file=str(path), error=text, reason=exc.reason)
    return Outcome(file=str(path), reason="unreadable",
                   error=f"读取失败 / could not read the file: {type(exc).__name__}: {exc}")


def _bar(items: list, desc: str, progress: bool):
    if not progress:
        return items
    from tqdm import tqdm
    return tqdm(items, desc=desc, unit="file", file=sys.stderr)


def ingest(paths: Iterable[str | Path], db: str | Path | None = None, *, period: dt.date | None = None,
           received: dt.date | None = None, progress: bool | None = None, wait: float | None = None,
           replace_registers: bool = False, list_ignored: bool = False, restore: bool = False,
           sample: bool = False) -> list[Outcome]:
    """Ingest files and folders; a bad file is rejected alone, the others go on. ``wait``: seconds to wait
    for another program's lock on the ledger (default ``params/ingest.yaml`` ``ledger``).
    ``replace_registers``: a registers workbook may drop rows of the stored one (docs/workbooks.md §5).
    ``list_ignored``: the files of the folders not read (lock files, hidden files…) follow, with status
    ``ignored``. ``restore``: a re-sent older version becomes the latest. ``sample``: the demo's own files (a
    sample ledger that receives any other file loses its sample mark, so that ``make demo`` never deletes it)."""
    dbp = ledger.db_path(db)
    files = expand_paths(paths)
    if progress is None:
        progress = sys.stderr.isatty()
    outcomes: dict[Path, Outcome] = {}
    items: list[Item] = []
    with gc_frozen(), Spill(dbp) as spill:
        for path in _bar(files, "读取 reading", progress):
            try:
                items.append(read_item(path, period, dbp, received_date(path, received), spill))
                items[-1].restore = restore
            except Exception as exc:  # noqa: BLE001 - a reader bug must not abort the other files
                outcomes[path] = failed_read(path, exc)
        items.sort(key=Item.sort_key)
        outcomes.update(store_items(dbp, items, wait=wait, progress=progress, replace_registers=replace_registers,
                                    sample=sample))
    shown = [outcomes[p] for p in files if p in outcomes]
    if list_ignored:
        shown += [Outcome(file=str(p), status="ignored", ignored=what) for p, what in ignored_files(paths)]
    return shown


def store_items(dbp: Path, items: list[Item], *, wait: float | None = None, progress: bool = False,
                replace_registers: bool = False, sample: bool = False) -> dict[Path, Outcome]:
    """Store read workbooks in the given order, in batches (docs/architecture.md §9); record the sidecar of
    each stored file once its batch is committed (docs/workbooks.md §8). Once a plan or registers workbook
    is stored, the files matched against another plan are matched again (``ledger.rematch``)."""
    limits = batches.batch_limits()
    outcomes: dict[Path, Outcome] = {}
    with ledger.writer_lock(dbp):
        shared = SharedWriter(dbp, wait)  # never writes into a damaged ledger (docs/workbooks.md §8)
        try:
            run = Run(shared, replace_registers)
            pending: list[Item] = []
            for n, it in enumerate(_bar(items, "入库 storing", progress), 1):
                pending.append(it)
                with gc_paused():
                    run.prepare(it, outcomes)
                if (n == len(items) or len(pending) >= limits["files"] or run.rows >= limits["rows"]
                        or it.kind in batches.ENDS_BATCH):
                    if n == len(items):
                        ledger.checkpoint_on_commit(run.con)
                    with gc_paused():
                        run.flush(pending, outcomes)
                    pending = []
            if not sample and any(o.status in ("ingested", "new_version") for o in outcomes.values()):
                if ledger.drop_sample_mark(run.con):
                    print(f"注意：{dbp} 原为演示样本台账，现已导入正式文件，不再标记为样本（make demo 不会删除它） / "
                          f"{dbp} was the demo's sample ledger; it now holds files of its own and is no longer marked "
                          f"as sample (make demo will not delete it)", file=sys.stderr)
            # the same pass after the write, on the writing connection still open (no hand-over to readers)
            integrity.require_readable(shared.con if shared.con is not None else shared.connection(), dbp, after=True)
        finally:
            shared.close()
    return outcomes


class Run:
    """The batches of one run: the ``files`` index, the plan in force, and the batch being filled."""

    def __init__(self, shared: SharedWriter, replace_registers: bool = False):
        self.shared = shared
        self.replace_registers = replace_registers
        self.con = shared.connection()
        self.index = batches.FileIndex(self.con)
        self.plans = batches.PlanCache()
        self.prepared: list[batches.Prepared] = []
        self.rows = 0
        self.state = None
        self.ledger_id = ledger.ledger_id(self.con)

    def prepare(self, it: Item, outcomes: dict[Path, Outcome]) -> None:
        """Prepare one file into the current batch (or decide it: unchanged, rejected)."""
        if self.state is None:  # a new batch: between two batches, readers may have had the ledger
            self.con = self.shared.connection()
            self.plans.refresh(self.con)
            self.state = self.index.snapshot()
        res = it.result()
        try:
            got = batches.prepare(self.con, it, res, self.index, self.plans, self.replace_registers)
        except RejectedFile as exc:
            outcomes[it.path] = Outcome(file=str(it.path), kind=res.kind, department=res.department,
                                        error=str(exc), reason=exc.reason)
            return
        except Exception as exc:  # noqa: BLE001 - nothing was written; go on
            outcomes[it.path] = _not_stored(it, exc)
            return
        if isinstance(got, tuple):
            outcomes[it.path] = Outcome(file=str(it.path), kind=res.kind, department=res.department,
                                        period=res.period.isoformat() if res.period else None, status=got[0],
                                        version=got[1], rows=got[2])
            return
        self.prepared.append(got)
        self.rows += got.n_rows

    def flush(self, pending: list[Item], outcomes: dict[Path, Outcome]) -> None:
        """Insert the batch as one transaction; if it fails, store its files again one per transaction."""
        batch, self.prepared, self.rows, state, self.state = self.prepared, [], 0, self.state, None
        try:
            if batch:
                batches.insert(self.con, batch)
        except Exception:  # noqa: BLE001 - rolled back: find the bad file by storing one at a time
            self.index.restore(state)
            for it in pending:  # the batch's files prepared again, in order, each stored alone
                self.state = self.index.snapshot()
                self.prepare(it, outcomes)
                self._commit(it, outcomes)
        else:
            self._stored(batch, outcomes)
        for it in pending:
            it.res = None  # stored or decided: its read result is no longer needed

    def _commit(self, it: Item, outcomes: dict[Path, Outcome]) -> None:
        one, self.prepared, self.rows, state, self.state = self.prepared, [], 0, self.state, None
        if not one:
            return
        try:
            batches.insert(self.con, one)
        except Exception as exc:  # noqa: BLE001 - the transaction was rolled back; go on
            self.index.restore(state)
            outcomes[it.path] = _not_stored(it, exc)
            return
        self._stored(one, outcomes)

    def _stored(self, batch: list[batches.Prepared], outcomes: dict[Path, Outcome]) -> None:
        for p in batch:
            it, res = p.item, p.item.res
            write_sidecar(it.archived, file_id=p.file_id, digest=it.digest, source=it.source or it.path,
                          received=it.received, period=it.period_arg, ledger=self.ledger_id, restore=it.restore)
            outcomes[it.path] = Outcome(file=str(it.path), kind=res.kind, department=res.department,
                                        period=res.period.isoformat() if res.period else None,
                                        status="ingested" if p.row["version"] == 1 else "new_version",
                                        version=p.row["version"], rows=p.n_rows, findings=len(p.findings),
                                        note=p.note)
        if any(p.row["kind"] in batches.ENDS_BATCH for p in batch):  # the plan in force may have changed
            from alxa_lib.ledger.rematch import rematch
            rematch(self.con, self.plans)


def _not_stored(it: Item, exc: Exception) -> Outcome:
    return Outcome(file=str(it.path), kind=it.kind, department=it.department, reason="not_stored",
                   error=f"入库失败，未保存任何数据 / not stored, nothing kept: {type(exc).__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
