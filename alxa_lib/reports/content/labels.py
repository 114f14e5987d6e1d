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
