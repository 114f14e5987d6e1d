"""alxa-monitor: key construction project monitoring for the Alxa Left Banner DRC.

The public surface for an analyst's own questions (docs/architecture.md §12): ``open_ledger`` and
``project_status`` here, and in the ledger itself the views ``latest_report_rows`` and ``latest_findings``
and the table macros ``plan_on(d)`` and ``project_status(d)``. Importing the package loads nothing else:
each function imports what it needs when called (``alxa metrics`` starts fast).
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "open_ledger", "project_status"]


def open_ledger(path=None):
    """A read-only connection to the ledger for the length of a ``with`` block, then closed.

    ``path``: the ledger file (default ``ALXA_DB``, else ``data/alxa.duckdb``). While a block holds it, an
    ``alxa ingest`` waits for it (up to its ``--wait``), so read into a DataFrame and leave the block. Example::

        with alxa_lib.open_ledger() as con: rows = con.table("latest_report_rows").df()
    """
    from alxa_lib.ledger.surface import reading
    return reading(path)


def project_status(as_of, path=None):
    """Each KC project's status on ``as_of`` as the brief for that date prints it, as a DataFrame: started,
    start date, status, light and its reasons, SPI, node completion, annual and cumulative investment, and the
    report version it comes from (the ledger's ``project_status(d)``; any day of a year the ledger holds).
    ``as_of``: a ``datetime.date`` or ``'YYYY-MM-DD'``; ``path`` as for ``open_ledger``. Example::

        red = alxa_lib.project_status("2025-06-28").query("light == 'red'")
    """
    import datetime as dt

    from alxa_lib.errors import BadParameter
    from alxa_lib.figures.status import project_status as compute
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise BadParameter(f"日期“{as_of}”无法识别，请写作 YYYY-MM-DD", f"cannot read the date {as_of!r}: "
                               f"write it as YYYY-MM-DD") from None
    elif isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    return compute(as_of, path)
