"""The 公文 PDF rendered in a second process while the runner renders the analyst's HTML and PDF.

WeasyPrint lays out one document on one core; the 公文 and the analyst's PDF are independent, so on a
machine with two cores or more the 公文 costs almost no waiting (docs/rendering.md §11). The child
process runs :func:`alxa_lib.reports.official.render_pdf` (which removes the HTML afterwards) and, if it
fails, says why in one line on its stderr; :meth:`PdfJob.wait` turns that into :class:`ReportFailed`.
Run as ``python -m alxa_lib.reports.official.pdf_job HTML PDF``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alxa_lib.errors import ReportFailed

_PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # the folder holding alxa_lib, for the child's imports


class PdfJob:
    """One 公文 PDF being rendered by a child process, started at once from the HTML that
    :func:`alxa_lib.reports.official.write` left at ``html_path``; :meth:`wait` for it, :meth:`cancel` if
    not wanted."""

    def __init__(self, html_path: Path | str, pdf_path: Path | str):
        self.html_path, self.pdf_path = Path(html_path), Path(pdf_path)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, str(self.html_path), str(self.pdf_path)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=env)

    def wait(self) -> Path:
        """The PDF once written; :class:`ReportFailed` with the child's own line if it was not."""
        _, err = self.proc.communicate()
        if self.proc.returncode != 0:
            self.html_path.unlink(missing_ok=True)
            lines = err.decode("utf-8", "replace").strip().splitlines()
            why = lines[-1] if lines else f"exit status {self.proc.returncode}"
            raise ReportFailed(f"公文PDF未能生成：{why}", f"the 公文 PDF was not written: {why}")
        return self.pdf_path

    def cancel(self) -> None:
        """Stop the child (the runner failed before it needed the PDF) and remove the HTML it was given."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()
        self.html_path.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    from alxa_lib.reports.official import render_pdf
    from alxa_lib.reports.rendering.render import short_lived_gc
    short_lived_gc()  # a process that lays out one PDF and ends (docs/architecture.md §10)
    html_path, pdf_path = argv
    try:
        render_pdf(html_path, pdf_path)
    except Exception as exc:  # noqa: BLE001 - the parent shows this one line to the user
        print(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
