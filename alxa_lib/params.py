"""Load the YAML parameters in ``params/`` (policy numbers never live in code)."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

PARAMS_DIR = Path(os.environ.get("ALXA_PARAMS", Path(__file__).resolve().parent.parent / "params"))


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """Return the parsed ``params/<name>.yaml``."""
    path = PARAMS_DIR / f"{name}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"参数文件缺失 / parameter file missing: {path}")
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}
