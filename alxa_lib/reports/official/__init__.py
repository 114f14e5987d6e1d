"""Official documents (公文, GB/T 9704-2012): the period 通报, the quarterly and the year-end 通报 as an
editable docx and a PDF of the same pages (docs/rendering.md §11).

``brief_text`` / ``evaluation_text`` write the text from the figures; ``docx_write`` and ``pdf_write``
lay it out from params/document.yaml through ``layout``.
"""
from __future__ import annotations

from pathlib import Path

from alxa_lib.reports.official.document import OfficialDocument


def write(doc: OfficialDocument, docx_path: Path | str | None = None, pdf_path: Path | str | None = None) -> dict:
    """Write the docx and/or the PDF (each atomically); returns {"docx": path, "gwpdf": path} for those written."""
    from alxa_lib.reports.official.docx_write import write_docx
    from alxa_lib.reports.official.pdf_write import write_pdf
    done = {}
    if docx_path:
        done["docx"] = write_docx(doc, docx_path)
    if pdf_path:
        done["gwpdf"] = write_pdf(doc, pdf_path)
    return done
