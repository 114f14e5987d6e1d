"""The archive beside the ledger: every stored original byte for byte, with a small sidecar saying how it
was ingested (docs/workbooks.md §8). The archive is the source of truth: ``alxa rebuild`` replays it.

``archive/<sha256>.<ext>`` is the original; ``archive/<sha256>.<ext>.json`` records the ledger's
``file_id`` (the order of storage), the original name and path, the received date and the ``--period``
given to ``alxa ingest``, if any, and the ``ledger`` that owns it (its ``ledger_id``). Each ledger owns
its archive (``store.archive_dir``). ``archive/withdrawals/<sha256>.json`` records a withdrawal (who, when,
why), so that a rebuilt ledger withdraws the same files; ``alxa restore`` removes it again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from alxa_lib.files import shown_name, shown_path, temporary_beside, write_text
from alxa_lib.ledger.store import archive_dir

_CHUNK = 1 << 20


def archive(path: Path, db: Path) -> tuple[Path, str]:
    """Copy the file byte for byte under its SHA-256, hashing while copying (one read of the original):
    the copy goes to a temporary name in the archive folder and is renamed once its hash is known; an
    existing copy is kept. Returns the copy and the SHA-256."""
    target_dir = archive_dir(db)
    h = hashlib.sha256()
    fd, tmp = temporary_beside(target_dir / "copy.part")  # the umask's permissions, as a plain copy has
    try:
        with os.fdopen(fd, "wb") as dst, open(path, "rb", buffering=0) as src:  # raw: no tty or size probe
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                h.update(chunk)
                dst.write(chunk)
        digest = h.hexdigest()
        target = target_dir / f"{digest}{path.suffix.lower()}"
        if not target.exists():
            os.replace(tmp, target)
            tmp = None
        return target, digest
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def sidecar_of(copy: Path) -> Path:
    return copy.with_name(copy.name + ".json")


def write_sidecar(copy: Path, *, file_id: int, digest: str, source: Path, received: dt.date,
                  period: dt.date | None, ledger: str | None = None, restore: bool = False) -> None:
    """Written after the file's transaction committed; atomic, so a sidecar is whole or absent."""
    meta = {"file_id": file_id, "sha256": digest, "original_name": shown_name(source.name), "source_path": shown_path(source),
            "received": received.isoformat(), "period": period.isoformat() if period else None, "ledger": ledger}
    if restore:
        meta["restore"] = True  # ingested with --restore: a re-sent older version made the latest
    write_text(sidecar_of(copy), json.dumps(meta, ensure_ascii=False, indent=1))


def read_sidecars(folder: Path) -> list[dict]:
    """Every archived original with its sidecar, in the order it was first stored (its ``file_id``)."""
    out = []
    for side in sorted(Path(folder).glob("*.json")):
        meta = json.loads(side.read_text(encoding="utf-8"))
        meta["copy"] = side.with_name(side.name[:-len(".json")])
        out.append(meta)
    return sorted(out, key=lambda m: m["file_id"])


def record_withdrawal(db: Path, sha256: str, by: str, why: str | None, at: str | None = None,
                      action: str = "withdraw") -> None:
    """Keep a withdrawal (or, ``action="restore"``, its undoing by ``alxa restore``) in the archive too: the
    archive alone must rebuild the same ledger. The last word on a file is kept."""
    write_text(archive_dir(db) / "withdrawals" / f"{sha256}.json", json.dumps(
        {"sha256": sha256, "by": by, "why": why, "at": at or dt.datetime.now().isoformat(timespec="seconds"),
         "action": action}, ensure_ascii=False, indent=1))


def read_withdrawals(folder: Path) -> list[dict]:
    """The withdrawals recorded in an archive folder, oldest first."""
    found = [json.loads(p.read_text(encoding="utf-8")) for p in (Path(folder) / "withdrawals").glob("*.json")]
    return sorted(found, key=lambda w: w.get("at") or "")
