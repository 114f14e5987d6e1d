"""Stage 2, the ledger: the only package that talks to DuckDB (see docs/architecture.md).

``store`` keeps the schema, connections, locks and transactions; ``ingest`` puts workbooks in;
``queries`` holds every SELECT the higher stages need; ``surface`` the views and macros analysts query
(docs/architecture.md §12); ``life`` the sample mark, withdrawals and restores, and matching again. The
store's API is re-exported here so that callers write ``ledger.connect(...)``.
"""
from alxa_lib.ledger.life import (  # noqa: F401
                                  SAMPLE,
                                  drop_sample_mark,
                                  mark_origin,
                                  origin,
                                  rematched,
                                  restore,
                                  update_matches,
                                  withdraw,
)
from alxa_lib.ledger.store import (  # noqa: F401
                                   DEFAULT_DB,
                                   REGISTER_TABLES,
                                   archive_dir,
                                   checkpoint_on_commit,
                                   connect,
                                   db_path,
                                   insert_columns,
                                   insert_frame,
                                   ledger_id,
                                   live,
                                   next_file_id,
                                   next_file_ids,
                                   store_findings,
                                   transaction,
                                   writer_lock,
)
