"""Does a real office suite lay our 公文 docx out on the same pages as our gwpdf? (docs/rendering.md §11)

    python scripts/check_office_pages.py outputs/2025-06-28 [more files or folders] [--keep DIR]

For each ``X.docx`` given (or found in a folder) with its PDF beside it (``X_公文.pdf``, else ``X.pdf``),
LibreOffice (``soffice --headless --convert-to pdf``, one conversion at a time, a private profile in a
temporary folder) converts the docx, and the two PDFs are compared page by page with pdfplumber: the page
count, the first text line of every page, the first data row of a page whose first line is a repeated
table header, and the pages where each 附件 starts. Spaces are ignored (LibreOffice may set Chinese and
Latin text apart where the docx asks it not to). One verdict line per document; exit 0 when all agree,
1 when one differs, 2 when soffice is missing or nothing was found. Not part of ``make test``.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LABEL = re.compile(r"^附件(\d+)$")
SOFFICE_SECONDS = 600
OFFICE_PDF = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'  # keep blank pages


def squeeze(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def page_marks(pdf_path: Path) -> list[str]:
    """One mark a page: its first text line, plus the first data row when that line is a table header."""
    import pdfplumber
    marks, headers = [], set()
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            lines = [ln for ln in (page.extract_text() or "").splitlines() if ln.strip()]
            first = squeeze(lines[0]) if lines else ""
            mark = first
            tables = page.extract_tables()
            if tables and len(tables[0]) > 1:
                header = squeeze("".join(c or "" for c in tables[0][0]))
                if header in headers:  # the table's header row seen on an earlier page: name the first data row
                    mark += " | " + squeeze("".join(c or "" for c in tables[0][1]))
                headers.add(header)
            marks.append(mark)
    return marks


def attachment_pages(marks: list[str]) -> dict[int, int]:
    """附件 number → the page (1-based) whose first line is its label."""
    return {int(m.group(1)): i for i, mark in enumerate(marks, 1) if (m := LABEL.match(mark.split(" | ")[0]))}


def convert(soffice: str, docx: Path, out: Path) -> Path:
    profile = out / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", OFFICE_PDF,
                    "--outdir", str(out), str(docx)], check=True, capture_output=True, timeout=SOFFICE_SECONDS)
    return out / (docx.stem + ".pdf")


def compare(ours: list[str], office: list[str]) -> list[str]:
    """What differs, in words; empty when the documents agree page by page."""
    problems = []
    if len(ours) != len(office):
        problems.append(f"pages {len(ours)} (ours) vs {len(office)} (LibreOffice)")
    for i, (a, b) in enumerate(zip(ours, office), 1):
        if a != b:
            problems.append(f"page {i}: {a[:40]!r} vs {b[:40]!r}")
    if attachment_pages(ours) != attachment_pages(office):
        problems.append(f"附件 pages {attachment_pages(ours)} vs {attachment_pages(office)}")
    return problems


def pdf_beside(docx: Path) -> Path | None:
    for name in (f"{docx.stem}_公文.pdf", f"{docx.stem}.pdf"):
        if (docx.parent / name).exists():
            return docx.parent / name
    return None


def documents(paths: list[Path]) -> list[Path]:
    found = []
    for p in paths:
        found += sorted(p.rglob("*.docx")) if p.is_dir() else [p]
    return [p for p in found if not p.name.startswith((".~", "~$"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path, help="docx files or folders holding them")
    ap.add_argument("--keep", type=Path, help="keep LibreOffice's PDFs in this folder")
    args = ap.parse_args(argv)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("未找到 LibreOffice (soffice)，无法检查 / soffice not found: install libreoffice-writer-nogui to run this check")
        return 2
    docs = [d for d in documents(args.paths) if pdf_beside(d)]
    if not docs:
        print("未找到 docx 及其 PDF / no docx with its PDF beside it in the given paths")
        return 2
    failed = 0
    with tempfile.TemporaryDirectory(prefix="office-pages-") as tmp:
        for docx in docs:
            office = convert(soffice, docx, Path(tmp))
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(office, args.keep / office.name)
            ours = page_marks(pdf_beside(docx))
            problems = compare(ours, page_marks(office))
            failed += bool(problems)
            verdict = "一致 agree" if not problems else "不一致 differ: " + "; ".join(problems[:3])
            print(f"{docx.name}: {len(ours)} pages, 附件 on {sorted(attachment_pages(ours).values())}: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
