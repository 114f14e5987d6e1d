"""Is the ledger whole? ``alxa check``: it opens, its schema version is current, every table reads to
the end, and every stored file's archive copy is there with the SHA-256 the ledger recorded
(docs/workbooks.md §8). A damaged ledger costs nothing: ``alxa rebuild`` replays the archive.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb

from alxa_lib.errors import LedgerBroken, LedgerBusy
from alxa_lib.files import sha256_of
from alxa_lib.ledger.archive import read_sidecars, sidecar_of
from alxa_lib.ledger.store import SCHEMA_VERSION, archive_dir, connect, ledger_id

TABLES = ("files", "plan_rows", "report_rows", "schedule_rows", "start_rows", "reg_adjustments", "reg_decisions",
          "reg_problems", "reg_bonuses", "reg_incidents", "reg_liaisons", "ledger_info", "validation_runs", "findings")



def unreadable_tables(con) -> list[tuple[str, str]]:
    """A full pass over every table of the ledger: one aggregate per table over all its columns, so that
    every block the table holds is read and its checksum verified (about 30 ms for the sample year's
    ledger). Returns (table, the database's first line) for each table that cannot be read."""
    columns: dict[str, list[str]] = {}
    try:
        for table, column in con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                         "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall():
            columns.setdefault(table, []).append(column)
    except duckdb.Error as exc:
        return [("information_schema", _first_line(exc))]
    bad = []
    for table in TABLES:
        if table not in columns:
            continue
        reads = ", ".join(f'max("{c}")' for c in columns[table])
        try:
            con.execute(f"SELECT count(*), {reads} FROM {table}").fetchall()  # noqa: S608 - fixed names
        except duckdb.Error as exc:
            bad.append((table, _first_line(exc)))
    return bad


def require_readable(con, db: Path, after: bool = False) -> None:
    """Refuse to write into a ledger that cannot read what it holds (before an ingest or a rebuild writes),
    and say so at once when a write has left it unreadable (``after``): one line pointing at ``alxa rebuild``
    (docs/workbooks.md §8)."""
    bad = unreadable_tables(con)
    if not bad:
        return
    table, why = bad[0]
    names = "、".join(t for t, _ in bad)
    folder = archive_dir(Path(db))
    if after:
        cn = f"写入后台账 {db} 无法完整读取（表{names}）：{why}；请运行 alxa rebuild --from {folder} --db 新台账"
        en = (f"after the write the ledger {db} cannot be read (table {table}: {why}): run alxa rebuild "
              f"--from {folder} --db NEW.duckdb")
    else:
        cn = f"台账 {db} 已损坏（表{names}无法读取：{why}），未写入任何数据；请运行 alxa rebuild --from {folder} --db 新台账"
        en = (f"the ledger {db} is damaged (table {table} cannot be read: {why}); nothing was written: run "
              f"alxa rebuild --from {folder} --db NEW.duckdb")
    raise LedgerBroken(cn, en)


def readable_before_writing(db: Path, wait: float | None = None) -> None:
    """Before an ingest or a rebuild writes, when the ledger has a write-ahead log beside it: the ledger,
    opened read-only (a writing connection would replay the log into the file at once), must read every
    table to the end. Without a log, :func:`before_writing` makes the same pass on the writing connection."""
    if not Path(db).exists():
        return
    try:
        con = connect(db, read_only=True, wait=wait)
    except LedgerBroken as exc:
        raise _nothing_written(db, exc) from None
    try:
        require_readable(con, db)
    finally:
        con.close()


def before_writing(db: Path) -> Callable[[duckdb.DuckDBPyConnection], None] | None:
    """The check an existing ledger passes on the writing connection before anything is written to it
    (``store.connect(before_writing=…)``): a ledger (a DuckDB file with a ``files`` table, not another
    program's database) whose every table reads to the end. A writing connection closed before it writes
    leaves the file byte for byte as it was, so a damaged ledger is refused untouched, without a read-only
    connection opened first (≈ 35 ms of every ingest). None for a ledger still to be created."""
    if not Path(db).exists():
        return None

    def check(con: duckdb.DuckDBPyConnection) -> None:
        try:
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
                                                ).fetchall()}
        except duckdb.Error as exc:
            raise _nothing_written(db, LedgerBroken(f"无法读取台账 {db}：{_first_line(exc)}",
                                                    f"cannot read the ledger {db}: {_first_line(exc)}")) from None
        if "files" not in tables:
            raise LedgerBroken(f"{db} 是DuckDB数据库，但不是台账（没有files表），未写入任何数据",
                               f"{db} is a DuckDB database but not a ledger (no files table): nothing was written")
        require_readable(con, db)
    return check


def open_for_writing(db: Path, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """The writing connection of an ingest or a rebuild, opened only once the ledger has passed
    :func:`before_writing` (or, with a write-ahead log beside it, :func:`readable_before_writing`)."""
    db = Path(db)
    if Path(f"{db}.wal").exists():
        readable_before_writing(db, wait)
        return connect(db, wait=wait)
    check = before_writing(db)
    try:
        return connect(db, wait=wait, before_writing=check)
    except LedgerBusy:
        raise
    except LedgerBroken as exc:
        if check is None or "nothing was written" in str(exc):
            raise
        raise _nothing_written(db, exc) from None


def _nothing_written(db: Path, exc: LedgerBroken) -> LedgerBroken:
    cn, _, en = str(exc).partition(" / ")
    folder = archive_dir(Path(db))
    return LedgerBroken(f"{cn}；未写入任何数据，请运行 alxa rebuild --from {folder} --db 新台账",
                        f"{en}; nothing was written: run alxa rebuild --from {folder} --db NEW.duckdb")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check(db: Path) -> dict:
    """``{"db", "schema_version", "files", "problems": [{"what", "file", "message"}]}``; an empty
    ``problems`` means the ledger is whole. A ledger that does not open raises LedgerBroken."""
    con = connect(db, read_only=True)
    problems: list[dict] = []
    try:
        row = con.execute("SELECT value FROM ledger_info WHERE key='schema_version'").fetchone()
        version = row[0] if row else None
        if version != SCHEMA_VERSION:
            problems.append({"what": "schema", "file": None,
                             "message": f"结构版本为{version or '无'}，应为{SCHEMA_VERSION}（导入一次即升级） / schema "
                                        f"version {version or 'missing'}, expected {SCHEMA_VERSION} (any ingest upgrades it)"})
        for table in TABLES:
            try:
                cur = con.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
                while cur.fetchmany(10000):
                    pass
            except duckdb.Error as exc:
                problems.append({"what": "table", "file": None,
                                 "message": f"表{table}无法完整读取 / table {table} cannot be read: "
                                            f"{str(exc).strip().splitlines()[0]}"})
        stored = con.execute("SELECT file_id, sha256, original_name, archive_path FROM files ORDER BY file_id").fetchall()
        me = ledger_id(con)
    except duckdb.Error as exc:
        problems.append({"what": "table", "file": None, "message": f"台账无法读取 / the ledger cannot be read: "
                                                                   f"{str(exc).strip().splitlines()[0]}"})
        stored, version, me = [], None, None
    finally:
        con.close()
    folder = archive_dir(Path(db))
    for file_id, digest, name, archive_path in stored:
        copy = _copy_of(folder, digest, archive_path)
        if copy is None:
            problems.append({"what": "archive", "file": name, "message": f"{name}：归档副本缺失 / archive copy missing "
                                                                         f"({digest[:12]}…)"})
        elif sha256_of(copy) != digest:
            problems.append({"what": "archive", "file": name, "message": f"{name}：归档副本的SHA-256与台账不符 / the "
                                                                         f"archive copy's SHA-256 differs from the ledger's"})
        elif not sidecar_of(copy).exists():
            problems.append({"what": "archive", "file": name, "message": f"{name}：归档说明文件缺失，无法重建 / the "
                                                                         f"archive sidecar is missing: cannot be replayed"})
    foreign = _foreign(folder, {s[1] for s in stored}, me) if folder.is_dir() else []
    if foreign:  # a rebuild would replay them into this ledger
        problems.append({"what": "archive_foreign", "file": None,
                         "message": f"归档 {folder} 中有{len(foreign)}个文件不属于本台账（重建时会被一并重放），请移出 / "
                                    f"the archive {folder} holds {len(foreign)} files of another ledger (a rebuild "
                                    f"would replay them too): move them out"})
    return {"db": str(db), "schema_version": version, "files": len(stored), "problems": problems}


def _foreign(folder: Path, own: set[str], me: str | None) -> list[dict]:
    """The archive's sidecars that are not this ledger's: another ledger's name, or a file it does not hold."""
    try:
        metas = read_sidecars(folder)
    except (OSError, ValueError, KeyError):
        return []
    return [m for m in metas if (m.get("ledger") not in (None, me)) or m.get("sha256") not in own]


def _copy_of(folder: Path, digest: str, archive_path: str | None) -> Path | None:
    candidates = [Path(archive_path)] if archive_path else []
    candidates += sorted(folder.glob(f"{digest}.*"))
    return next((c for c in candidates if c.is_file() and not c.name.endswith((".json", ".part"))), None)
