"""The ledger's life beyond storing files: what built it (the demo's sample mark), files withdrawn and
restored (logged with who and when), rows matched again when the plan changes (docs/workbooks.md §8)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from alxa_lib.ledger.store import affects_period, connect, transaction

if TYPE_CHECKING:
    import pandas as pd


def mark_origin(db: Path, value: str) -> None:
    """Record what built the ledger ('sample' for the demo's), before anything else goes in."""
    con = connect(db)
    try:
        con.execute("DELETE FROM ledger_info WHERE key = 'origin'")
        con.execute("INSERT INTO ledger_info VALUES ('origin', ?)", [value])
    finally:
        con.close()


SAMPLE = "sample"


def drop_sample_mark(con: duckdb.DuckDBPyConnection) -> bool:
    """A sample ledger that received a file of its own is no sample any more: True when the mark was there."""
    return bool(con.execute("DELETE FROM ledger_info WHERE key = 'origin' AND value = ? RETURNING key",
                            [SAMPLE]).fetchall())


def origin(db: Path) -> str | None:
    """What built the ledger: 'sample' for `alxa demo`'s; None for a real one (or no file)."""
    if not Path(db).exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute("SELECT value FROM ledger_info WHERE key = 'origin'").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return row[0] if row else None


def rematched(con: duckdb.DuckDBPyConnection, file_id: int, fingerprint: str, rules: tuple[str, ...]) -> None:
    """A file matched again (``ledger.rematch``): its matching findings go, the plan it was matched against is noted."""
    con.execute("DELETE FROM findings WHERE file_id = ? AND stage = 'ingest' AND list_contains(?, rule)",
                [file_id, list(rules)])
    con.execute("UPDATE files SET matched_with = ? WHERE file_id = ?", [fingerprint, file_id])


def update_matches(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    """Set ``project_id`` and ``matched_by`` of the rows (``file_id``, ``row_no``) of ``df`` in ``table``."""
    con.register("_matches", df)
    try:
        con.execute(f"UPDATE {table} t SET project_id = m.project_id, matched_by = m.matched_by "  # noqa: S608
                    f"FROM _matches m WHERE t.file_id = CAST(m.file_id AS BIGINT) AND t.row_no = CAST(m.row_no AS INTEGER)")
    finally:
        con.unregister("_matches")


def restore(con: duckdb.DuckDBPyConnection, sha256: str, by: str, why: str | None) -> list[int]:
    """Undo a withdrawal (``alxa restore``): the file counts again; logged (who, when, why) as the withdrawal
    was. The findings of the periods the file can change become stale, as on a withdrawal."""
    ids = [int(r[0]) for r in con.execute("SELECT file_id FROM withdrawals WHERE sha256 = ?", [sha256]).fetchall()]
    with transaction(con):
        con.execute("DELETE FROM withdrawals WHERE sha256 = ?", [sha256])
        for i in ids:
            con.execute("INSERT INTO withdrawal_log VALUES ('restore', ?, ?, current_timestamp, ?, ?)",
                        [sha256, i, by, why])
        con.execute(f"DELETE FROM validation_runs v WHERE EXISTS (SELECT 1 FROM files f WHERE "
                    f"list_contains(?, f.file_id) AND {affects_period('f', 'v.period')})", [ids])
    return ids


def withdraw(con: duckdb.DuckDBPyConnection, sha256: str, by: str, why: str | None) -> list[int]:
    """Mark every stored file with this SHA-256 withdrawn (who, when, why); nothing is deleted.

    The SHA-256 is kept so that a ledger rebuilt from the archive can apply the withdrawal again.
    The stored findings of the periods the file could change become stale (§10.5), so they are
    recomputed without it; other periods keep theirs.
    """
    ids = [int(r[0]) for r in con.execute("SELECT file_id FROM files WHERE sha256 = ? AND file_id NOT IN "
                                          "(SELECT file_id FROM withdrawals)", [sha256]).fetchall()]
    with transaction(con):
        for i in ids:
            con.execute("INSERT INTO withdrawals VALUES (?, ?, current_timestamp, ?, ?)", [i, sha256, by, why])
            con.execute("INSERT INTO withdrawal_log VALUES ('withdraw', ?, ?, current_timestamp, ?, ?)",
                        [sha256, i, by, why])
        con.execute(f"DELETE FROM validation_runs v WHERE EXISTS (SELECT 1 FROM files f WHERE "
                    f"list_contains(?, f.file_id) AND {affects_period('f', 'v.period')})", [ids])
    return ids
