"""Chinese labels shown in reports, one place for each (codes stay English in code and JSON)."""
from __future__ import annotations

LIGHT_CN = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
LIGHT_SYMBOL = {"red": "●", "yellow": "▲", "green": "○"}  # readable when printed in black and white
NATURE_CN = {"new": "新建", "continuing": "续建"}
SCHEDULE_VERSION_CN = {"original": "初报", "calibrated": "校准"}


def banner() -> str:
    """The banner's name (``params/banner.yaml``), as report titles begin: 阿拉善左旗."""
    from alxa_lib import params
    return params.load("banner")["name"]


def issuer() -> str:
    """The issuing office (``params/banner.yaml``), under every report's title."""
    from alxa_lib import params
    return params.load("banner")["issuer"]


def cn_date(d) -> str:
    """2025-06-28 → 2025年6月28日 (no leading zeros, as official documents write dates)."""
    return f"{d.year}年{d.month}月{d.day}日"


def pct(x) -> str:
    """A fraction as a percentage with one decimal; — when missing."""
    import pandas as pd
    return "—" if x is None or pd.isna(x) else f"{x * 100:.1f}%"


def interval_label() -> str:
    """The forecast interval as the reports name it, from ``params/forecast.yaml`` ``interval`` (0.80 → 80%区间)."""
    from alxa_lib import params
    return f"{params.load('forecast')['interval'] * 100:.0f}%区间"


def unit_key(name) -> int:
    """A sort key putting units in the office's order (``params/banner.yaml`` ``unit_order``: 政府部门, then
    苏木镇), never the characters' code points; units not listed come after them, in the order given (the sorts
    are stable). Usable as ``sorted(..., key=unit_key)`` or, on a column, ``sort_values(..., key=units_in_order)``."""
    from alxa_lib import params
    order = params.load("banner").get("unit_order") or ()
    return order.index(name) if name in order else len(order)


def by_units(names) -> list:
    """Unit names in the office's order (a neutral list)."""
    return sorted(names, key=unit_key)


def units_in_order(column):
    """``sort_values(key=...)``: a column of unit names (单位, department, owner…) as :func:`unit_key`; any other
    column as it is."""
    if str(column.name) in UNIT_COLUMNS:
        return column.map(unit_key)
    return column


UNIT_COLUMNS = ("单位", "department", "owner", "责任单位", "主管部门", "township", "苏木镇")
