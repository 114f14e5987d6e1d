"""``alxa rebuild --from data/archive --db NEW``: a fresh ledger from the archive alone (docs/workbooks.md §8).

Every archived original is read again as it was first ingested — under its original name, in a folder of
its original folder's name, with its received date and ``--period`` — and stored in the order it was
first stored, so versions, figures, findings and scores come out identical.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from alxa_lib.errors import BadParameter
from alxa_lib.ledger import life
from alxa_lib.ledger import store as ledger_store
from alxa_lib.ledger.archive import read_sidecars, read_withdrawals, record_withdrawal
from alxa_lib.ledger.ingest import Item, Outcome, Spill, failed_read, read_item, store_items


def rebuild(archive: Path, db: Path, progress: bool = False) -> list[Outcome]:
    archive, db = Path(archive), ledger_store.db_path(db)
    if not archive.is_dir():
        raise BadParameter(f"归档文件夹不存在：{archive}", f"no archive folder at {archive}")
    if db.exists():
        raise BadParameter(f"{db} 已存在：重建只写入新台账，请换一个文件名", f"{db} exists: rebuild writes a new ledger only; "
                                                                       f"choose another --db")
    metas = read_sidecars(archive)
    if not metas:
        raise BadParameter(f"{archive} 中没有可重放的归档文件", f"no archived originals with sidecars in {archive}")
    owners = {m.get("ledger") for m in metas} - {None}
    if len(owners) > 1:  # an archive holds one ledger's files: never replay two ledgers into one
        raise BadParameter(f"{archive} 中混有{len(owners)}个台账的文件，无法判断哪些属于要重建的台账",
                           f"{archive} holds the files of {len(owners)} ledgers: it cannot tell which belong to "
                           f"the ledger to rebuild")
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="alxa-rebuild-") as tmp, Spill(db) as spill:
        items: list[Item] = []
        for i, m in enumerate(metas):
            source = Path(m["source_path"])
            place = Path(tmp) / str(i) / (source.parent.name or "_") / m["original_name"]
            place.parent.mkdir(parents=True)
            shutil.copyfile(m["copy"], place)  # removed again once read: one original at a time in the folder
            period = dt.date.fromisoformat(m["period"]) if m.get("period") else None
            try:
                items.append(read_item(place, period, db, dt.date.fromisoformat(m["received"]), spill, source))
                items[-1].restore = bool(m.get("restore"))
            except Exception as exc:  # noqa: BLE001 - reported like ingest reports it
                outcomes.append(failed_read(source, exc))
            finally:
                place.unlink()
        # the archive holds only what was stored: a registers version stored with --replace-registers is replayed
        stored = store_items(db, items, progress=progress, replace_registers=True)
        outcomes += [stored[it.path] for it in items]
    withdrawals = read_withdrawals(archive)
    if withdrawals:  # withdrawn files stay withdrawn (they are in the archive, as every file is)
        con = ledger_store.connect(db)
        try:
            for w in withdrawals:
                act = life.restore if w.get("action") == "restore" else life.withdraw
                act(con, w["sha256"], w.get("by") or "", w.get("why"))
        finally:
            con.close()
        for w in withdrawals:  # kept in the new ledger's own archive too: a rebuild of the rebuilt keeps them
            record_withdrawal(db, w["sha256"], w.get("by") or "", w.get("why"), w.get("at"), w.get("action") or "withdraw")
    return outcomes
