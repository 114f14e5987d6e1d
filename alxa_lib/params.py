"""Load the YAML parameters (policy numbers and the banner's names never live in code).

Where they are read from, first found:

1. ``ALXA_PARAMS``, a folder of the same files (another banner, a scaled sample: docs/architecture.md §2);
2. the copy shipped inside an installed package (``alxa_lib/_params``, mapped from the top-level
   ``params/`` folder by ``pyproject.toml``), so ``pip install .`` gives a toolkit with its parameters;
3. the top-level ``params/`` of a checkout (an editable install, the tests): the source of truth.

What :func:`load` returns is read-only (a mapping that refuses writes, lists as tuples) and shared by every
caller in the process; :func:`editable` gives a plain copy to change.
"""
from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader when PyYAML has it (the same documents, about ten times faster to parse: a command
# reads several of these files before it prints anything).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PACKAGED = Path(__file__).resolve().parent / "_params"
CHECKOUT = Path(__file__).resolve().parent.parent / "params"


def default_dir() -> Path:
    """The folder read when ``ALXA_PARAMS`` is not set: the installed copy, else the checkout's."""
    return PACKAGED if PACKAGED.is_dir() else CHECKOUT


PARAMS_DIR = Path(os.environ["ALXA_PARAMS"]) if os.environ.get("ALXA_PARAMS") else default_dir()


class ReadOnly(dict):
    """A parameters mapping that refuses changes (a JSON-serialisable dict; copying gives a plain dict)."""

    def _refuse(self, *_a: Any, **_k: Any) -> None:
        raise TypeError("parameters are read-only: change the YAML, or use params.editable() for a copy")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo: dict) -> dict:
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}

    def __reduce__(self):
        return (dict, (dict(self),))


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return ReadOnly({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


@functools.lru_cache(maxsize=None)
def load(name: str) -> ReadOnly:
    """The parsed ``<name>.yaml`` of :data:`PARAMS_DIR`, read-only."""
    path = PARAMS_DIR / f"{name}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"参数文件缺失 / parameter file missing: {path}")
    with open(path, encoding="utf-8") as fh:
        return _frozen(yaml.load(fh, Loader=SAFE_LOADER) or {})


def editable(name: str) -> dict[str, Any]:
    """A plain copy of ``load(name)`` (dicts and lists) to change, e.g. to write another parameters folder."""
    return _thawed(load(name))
