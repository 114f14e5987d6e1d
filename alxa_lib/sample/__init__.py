"""The synthetic sample year: a deterministic banner, its workbooks and their ground truth (truth.json).

Modules: ``banner`` (the departments, at the real size or ``scale`` times it), ``world`` (fixed data,
projects, the plan), ``story`` (the year's story and the rows reported
each period), ``defects`` (tolerated layout drift and the injected defects, a registry by rule code),
``writers_reports`` / ``writers_registers`` (the workbooks), ``truth`` (``write_sample`` and truth.json).
"""
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from alxa_lib.files import current_umask
from alxa_lib.sample import truth as _truth
from alxa_lib.sample.banner import MAX_SCALE, check_scale
from alxa_lib.sample.world import SCRIPT_TEXT
from alxa_lib.workbooks.xlsx_write import fixed_timestamps


def write_sample(root: Path | str, year: int = 2025, seed: int = 7, scale: int = 1, progress: bool = False,
                 **options) -> dict:
    """:func:`alxa_lib.sample.truth.write_sample`, byte for byte the same for the same seed (every workbook
    dated 1 January of ``year``), and whole or absent: a new folder is written under a temporary name
    beside it and renamed at the end, so an interrupted run leaves no half sample. ``options``: ``habits``,
    ``stress`` (:func:`alxa_lib.sample.truth.write_sample`)."""
    root = Path(root)
    with fixed_timestamps(dt.datetime(year, 1, 1)):
        if root.exists():
            return _truth.write_sample(root, year, seed, scale, progress, **options)
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".~{root.name}.", dir=root.parent))
        try:
            tmp.chmod(0o777 & ~current_umask())  # mkdtemp makes it 0700: the folder follows the umask
            truth = _truth.write_sample(tmp, year, seed, scale, progress, **options)
            tmp.rename(root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return truth

__all__ = ["MAX_SCALE", "SCRIPT_TEXT", "check_scale", "write_sample"]
