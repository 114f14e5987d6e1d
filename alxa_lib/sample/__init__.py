"""The synthetic sample year: a deterministic banner, its workbooks and their ground truth (truth.json).

Modules: ``banner`` (the departments, at the real size or ``scale`` times it), ``world`` (fixed data,
projects, the plan), ``story`` (the year's story and the rows reported
each period), ``defects`` (tolerated layout drift and the injected defects, a registry by rule code),
``writers_reports`` / ``writers_registers`` (the workbooks), ``truth`` (``write_sample`` and truth.json).
"""
from alxa_lib.sample.banner import MAX_SCALE, check_scale
from alxa_lib.sample.truth import write_sample
from alxa_lib.sample.world import SCRIPT_TEXT

__all__ = ["MAX_SCALE", "SCRIPT_TEXT", "check_scale", "write_sample"]
