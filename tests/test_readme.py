"""The README's ledger examples run as printed, against the sample ledger, and close the ledger after."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def test_readme_sql_examples_run_and_release_the_ledger(ledger_db):
    db, _ = ledger_db
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Asking the ledger a new question"):]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 2
    scope: dict = {}
    for block in blocks:
        exec(block.replace("data/alxa.duckdb", str(db)), scope)  # noqa: S102 - our own README
    assert list(scope["stalled"].columns) == ["project_id", "name", "cumulative"]
    assert len(scope["versions"]) > 0 and set(scope["versions"]["project_id"]) <= \
        set(duckdb.connect(str(db), read_only=True).execute("SELECT project_id FROM report_rows").df()["project_id"])
    writer = duckdb.connect(str(db))  # nothing in the examples still holds the file
    writer.close()
