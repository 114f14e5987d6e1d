"""Does a real office suite lay our 公文 docx out on the same pages as our gwpdf? (docs/rendering.md §11)

    python scripts/check_office_pages.py outputs/2025-06-28 [more files or folders] [--keep DIR]

For each ``X.docx`` given (or found in a folder) with its PDF beside it (``X_公文.pdf``, else ``X.pdf``),
LibreOffice (``soffice --headless --convert-to pdf``, keeping the blank pages it inserts, one conversion at
a time, a private profile in a temporary folder) converts the docx, and the two PDFs are compared line by
line on every page (``office_measure.compare_lines``: spaces ignored, since LibreOffice may set Chinese and
Latin text apart where the docx asks it not to) and measured in both renderings against GB/T 9704
(``office_measure``: numbers, ids and dates never split in a table, headers wrapped between words only,
the 版记 on an even last page). One verdict line per document; exit 0 when all agree, 1 when one differs,
2 when soffice is missing or nothing was found. ``tests/test_office_measured.py`` runs the same measures
on the sample year.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import office_measure as om  # noqa: E402  (the measures, shared with tests/test_office_measured.py)

SOFFICE_SECONDS = 600


def convert(soffice: str, docx: Path, out: Path) -> Path:
    profile = out / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", om.OFFICE_PDF,
                    "--outdir", str(out), str(docx)], check=True, capture_output=True, timeout=SOFFICE_SECONDS)
    return out / (docx.stem + ".pdf")


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
            ours, theirs = om.read(pdf_beside(docx)), om.read(office)
            problems = om.compare_lines(ours, theirs)
            for name, pages in (("ours", ours), ("LibreOffice", theirs)):
                problems += [f"{name}: {x}" for x in om.table_defects(pages)]
                if len(pages) % 2 and om.banji_last_rule(pages) is not None:
                    problems.append(f"{name}: the 版记 is on page {len(pages)}, an odd page")
            failed += bool(problems)
            verdict = "一致 agree" if not problems else "不一致 differ: " + "; ".join(problems[:3])
            print(f"{docx.name}: {len(ours)} pages: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
