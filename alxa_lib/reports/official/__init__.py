"""Official documents (公文, GB/T 9704-2012): the period 通报, the quarterly and the year-end 通报 as an
editable docx and a PDF of the same pages (docs/rendering.md §11).

``brief_text`` / ``evaluation_text`` write the text from the figures; ``docx_write`` and ``pdf_write``
lay it out from params/document.yaml through ``layout``.
"""
from __future__ import annotations

from pathlib import Path

from alxa_lib.reports.official.document import OfficialDocument


def write(doc: OfficialDocument, docx_path: Path | str | None = None, pdf_path: Path | str | None = None,
          html_path: Path | str | None = None) -> dict:
    """Write the docx and/or the PDF (each atomically); returns {"docx": path, "gwpdf": path} for those written.

    ``html_path`` instead of ``pdf_path``: write the PDF's HTML only, for ``render_pdf`` in the runner's
    process, where WeasyPrint and the fonts are already loaded by the analyst's PDF (a notebook kernel
    would load them again, about two seconds)."""
    from alxa_lib.reports.official.docx_write import write_docx
    from alxa_lib.reports.official.pdf_write import write_html, write_pdf
    done = {}
    if docx_path:
        done["docx"] = write_docx(doc, docx_path)
    if html_path:
        done["gwhtml"] = write_html(doc, html_path)
    elif pdf_path:
        done["gwpdf"] = write_pdf(doc, pdf_path)
    return done


def render_pdf(html_path: Path | str, pdf_path: Path | str) -> Path:
    """The PDF from the HTML ``write`` left at ``html_path``; the HTML is removed afterwards."""
    from alxa_lib.reports.official.pdf_write import html_to_pdf
    html_path = Path(html_path)
    try:
        return html_to_pdf(html_path.read_text(encoding="utf-8"), pdf_path)
    finally:
        html_path.unlink(missing_ok=True)
