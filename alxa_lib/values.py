"""Missing values and equality as the measures read them (docs/measures.md §9.17)."""
from __future__ import annotations

from typing import Any


def clean(v: Any) -> Any:
    """None for every kind of missing (None, NaN, NaT, pd.NA); a Timestamp becomes a date; else ``v``."""
    import pandas as pd
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):  # lists and arrays are values, not missing
        pass
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def round2(v: Any) -> float | None:
    """A number rounded to 0.01 万元 (how amounts are compared), None when missing."""
    v = clean(v)
    return None if v is None else round(float(v), 2)


def same_value(a: Any, b: Any) -> bool:
    """Equal as reported: both missing, or equal numbers at 0.01, or equal values."""
    a, b = clean(a), clean(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            return round(float(a), 2) == round(float(b), 2)
        except (TypeError, ValueError):
            return False
    return a == b
