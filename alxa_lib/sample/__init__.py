"""The synthetic sample year: a deterministic banner, its workbooks and their ground truth (truth.json)."""
from alxa_lib.sample.generator import SCRIPT_TEXT, write_sample  # noqa: F401
