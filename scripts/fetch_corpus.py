"""Gather real-world spreadsheets for tests/test_corpus.py: the test files that other spreadsheet libraries
ship in their source distributions on PyPI (pinned versions, each library's licence kept beside its files).

`make test` runs this once (a stamp in the folder says which versions it holds); without network access it
prints one line and leaves the folder absent, and the test that needs it is skipped, saying why. Nothing
fetched here is committed: the folder is in .gitignore.

Usage: python scripts/fetch_corpus.py [FOLDER]   (default tests/corpus-pypi)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# library == version: its own tests' spreadsheets (.xls, .xlsx, .xlsm, .ods) and its licence file
SOURCES = {
    "xlsx2csv": "0.8.6", "pyexcel-xls": "0.7.1", "pyexcel-xlsx": "0.6.1", "pyexcel-ods": "0.6.0",
    "pyexcel-ods3": "0.6.1", "tablib": "3.10.0", "xlwt": "1.3.0", "odfpy": "1.4.1",
}
SPREADSHEET = {".xls", ".xlsx", ".xlsm", ".ods"}
LICENCE = ("license", "licence", "copying")


def stamp_text() -> str:
    return "\n".join(f"{k}=={v}" for k, v in sorted(SOURCES.items())) + "\n"


def fetch(folder: Path) -> int:
    stamp = folder / ".versions"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == stamp_text():
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", tmp,
               *(f"{k}=={v}" for k, v in SOURCES.items())]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            print(f"note: the real-world corpus could not be downloaded ({r.stderr.strip().splitlines()[-1:]}); "
                  f"tests/test_corpus.py will be skipped", file=sys.stderr)
            return 0
        staging = Path(tmp) / "corpus"
        for archive in sorted(Path(tmp).glob("*.tar.gz")):
            lib = archive.name.rsplit("-", 1)[0].lower().replace("_", "-")
            out = staging / lib
            with tarfile.open(archive) as tar:
                for m in tar.getmembers():
                    name = Path(m.name)
                    keep = m.isfile() and (name.suffix.lower() in SPREADSHEET
                                           or (len(name.parts) <= 3 and name.name.lower().startswith(LICENCE)))
                    if not keep or m.size > 2_000_000:
                        continue
                    # a library's files keep their own folders, flattened into one name (no clashes, no paths out)
                    target = out / "__".join(name.parts[1:])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(m) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        (staging / ".versions").write_text(stamp_text(), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(folder))
    return 0


if __name__ == "__main__":
    sys.exit(fetch(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests" / "corpus-pypi")))
