"""The failures a user can act on. Each prints as one line, Chinese then English; the CLI exits 2.

Raise the most specific class; ``str(error)`` is the whole message. Anything else that escapes to
the CLI is a bug and is shown as one "internal error" line (``alxa --debug`` shows the traceback).
See docs/architecture.md §6.
"""
from __future__ import annotations


class AlxaError(Exception):
    """Base class: ``AlxaError("中文说明", "English explanation")`` → "中文说明 / English explanation"."""

    code = "error"

    def __init__(self, cn: str, en: str | None = None):
        super().__init__(cn if en is None else f"{cn} / {en}")


class BadParameter(AlxaError):
    """A command-line or notebook parameter that cannot be right (a date, a quarter, a format...)."""

    code = "bad_parameter"


class UnknownProject(BadParameter):
    code = "unknown_project"


class UnknownDepartment(BadParameter):
    code = "unknown_department"


class NoData(BadParameter):
    """The ledger holds nothing for the year, quarter or month asked for."""

    code = "no_data"


class NoLedger(AlxaError):
    code = "no_ledger"


class LedgerBusy(AlxaError):
    code = "ledger_busy"


class LedgerBroken(AlxaError):
    """The ledger file exists but cannot be opened or is not a ledger."""

    code = "ledger_broken"


class OutputError(AlxaError):
    """An output path that is a file where a folder is needed, or cannot be written."""

    code = "output_error"


class ReportFailed(AlxaError):
    """A report notebook stopped with an error."""

    code = "report_failed"


class RejectedFile(AlxaError):
    """A workbook refused whole; ``reason`` is a stable code (docs/workbooks.md §7)."""

    code = "rejected_file"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
