"""The README's ledger examples run as printed, against the sample ledger, and close the ledger after."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

import alxa_lib

ROOT = Path(__file__).resolve().parent.parent

# The same question written against the internal tables, as the README asked it before the public surface:
# the surface's few lines must give the same projects.
STALLED_BY_HAND = """
WITH latest AS (
    SELECT f.department, f.period, r.project_id, r.cumulative_completed
    FROM report_rows r JOIN files f USING (file_id)
    WHERE f.kind = 'report' AND f.file_id NOT IN (SELECT file_id FROM withdrawals) AND r.project_id IS NOT NULL
    QUALIFY f.version = max(f.version) OVER (PARTITION BY f.department, f.period)),
last3 AS (SELECT *, row_number() OVER (PARTITION BY project_id ORDER BY period DESC) AS k FROM latest)
SELECT project_id, min(cumulative_completed) AS cumulative
FROM last3 WHERE k <= 3 AND department = '交通运输局'
GROUP BY project_id HAVING count(*) = 3 AND min(cumulative_completed) = max(cumulative_completed)
ORDER BY project_id"""


def test_readme_sql_examples_run_and_release_the_ledger(ledger_db):
    db, _ = ledger_db
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Asking the ledger a new question"):]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 2
    scope: dict = {}
    for block in blocks:
        exec(block.replace("data/alxa.duckdb", str(db)), scope)  # noqa: S102 - our own README
    stalled = scope["stalled"]
    assert list(stalled.columns) == ["project_id", "name", "cumulative"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        by_hand = con.sql(STALLED_BY_HAND).df()
        names = dict(con.execute("SELECT project_id, name FROM plan_rows").fetchall())
        report_ids = set(con.sql("SELECT project_id FROM report_rows").df()["project_id"])
    finally:
        con.close()
    pd.testing.assert_frame_equal(stalled.sort_values("project_id")[["project_id", "cumulative"]].reset_index(drop=True),
                                  by_hand, check_dtype=False)
    assert stalled["name"].tolist() == [names[p] for p in stalled["project_id"]]  # the plan's names
    assert len(scope["versions"]) > 0 and set(scope["versions"]["project_id"]) <= report_ids
    red = scope["red"]
    assert len(red) > 0 and (red["light"] == "red").all()
    assert red.equals(alxa_lib.project_status("2025-06-28", db).query("light == 'red'"))
    writer = duckdb.connect(str(db))  # nothing in the examples still holds the file
    writer.close()
