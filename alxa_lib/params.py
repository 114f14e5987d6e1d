"""Load the YAML parameters in ``params/`` (policy numbers never live in code)."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader when PyYAML has it (the same documents, about ten times faster to parse: a command
# reads several of these files before it prints anything).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PARAMS_DIR = Path(os.environ.get("ALXA_PARAMS", Path(__file__).resolve().parent.parent / "params"))


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """Return the parsed ``params/<name>.yaml``."""
    path = PARAMS_DIR / f"{name}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"参数文件缺失 / parameter file missing: {path}")
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER) or {}
