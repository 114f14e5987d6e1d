"""Stage 2, the ledger: the only package that talks to DuckDB (see docs/architecture.md).

``store`` keeps the schema, connections, locks and transactions; ``ingest`` puts workbooks in;
``queries`` holds every SELECT the higher stages need. The store's API is re-exported here so that
callers write ``ledger.connect(...)``.
"""
from alxa_lib.ledger.store import (  # noqa: F401
                                   DEFAULT_DB,
                                   REGISTER_TABLES,
                                   archive_dir,
                                   SAMPLE,
                                   connect,
                                   drop_sample_mark,
                                   ledger_id,
                                   db_path,
                                   insert_frame,
                                   live,
                                   mark_origin,
                                   next_file_id,
                                   next_file_ids,
                                   origin,
                                   rematched,
                                   restore,
                                   store_findings,
                                   transaction,
                                   update_matches,
                                   withdraw,
                                   writer_lock,
)
