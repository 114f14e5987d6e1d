"""The output formats of the reports: a module of constants, so the command line can offer them
without importing the report machinery (a reading command starts in a blink)."""
from __future__ import annotations

FORMATS = ("html", "pdf", "xlsx", "docx", "gwpdf")
ANALYST_FORMATS = ("html", "pdf", "xlsx")  # the analyst's working view, for every report
OFFICIAL_KINDS = ("brief", "quarter", "annual")  # also written as 公文: docx and gwpdf (docs/rendering.md §11)
DEFAULT_FORMATS = ("html", "pdf", "xlsx", "docx")
