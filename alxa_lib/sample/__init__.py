"""The synthetic sample year: a deterministic banner, its workbooks and their ground truth (truth.json).

Modules: ``world`` (fixed data, projects, the plan), ``story`` (the year's story and the rows reported
each period), ``defects`` (tolerated layout drift and the injected defects, a registry by rule code),
``writers_reports`` / ``writers_registers`` (the workbooks), ``truth`` (``write_sample`` and truth.json).
"""
from alxa_lib.sample.truth import write_sample
from alxa_lib.sample.world import SCRIPT_TEXT

__all__ = ["SCRIPT_TEXT", "write_sample"]
