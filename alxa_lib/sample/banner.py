"""The departments of the sample banner, the real one (scale 1) or one ``scale`` times its size.

A banner K times larger (``alxa sample DIR --scale K``) has K copies of the real banner's 22 reporting
departments: copy 0 is the real list; copy c ≥ 1 adds new townships (苏木镇, with invented Mongolian
place names) and a new district's bureaus (``<place>新区住建局`` …). Each copy has the same project counts,
lagging departments and promise behaviours as the department it copies, so projects, workbooks and
defects all grow K times and every rate stays the same (docs/architecture.md §11). The new names are
unknown to ``params/ingest.yaml``: :func:`write_params` writes a copy of the parameters that knows
them, for ``ALXA_PARAMS``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from alxa_lib import params
from alxa_lib.errors import BadParameter
from alxa_lib.files import write_text
from alxa_lib.vocab import TOWNSHIPS

MAX_SCALE = 64  # 64 × 22 departments; the invented place names below run out a little beyond
DEPARTMENTS = [  # (name, KC count, MP count)
    ("住建局", 8, 3), ("交通运输局", 7, 2), ("水务局", 6, 2), ("农牧局", 5, 1), ("林业和草原局", 4, 1),
    ("工信局", 6, 3), ("能源局", 6, 3), ("文化旅游体育局", 4, 2), ("教育局", 4, 1), ("卫生健康委员会", 3, 1),
    ("民政局", 2, 1), ("自然资源局", 2, 1), ("生态环境分局", 3, 1), ("商务局", 2, 1),
    ("城市管理综合执法局", 3, 1), ("巴彦浩特镇", 5, 1), ("乌斯太镇", 5, 2), ("吉兰泰镇", 3, 1),
    ("宗别立镇", 3, 1), ("温都尔勒图镇", 3, 0), ("腾格里额里斯镇", 3, 1), ("巴润别立镇", 3, 0),
]
LAGGING = ("农牧局", "教育局", "宗别立镇")
# How each department writes its expected start date (预计开工时间) for an unstarted project
# (docs/measures.md §11.1): keeper — the date it will really start; slipper — a date a fortnight
# ahead, moved later every period; last_minute — the planned date, moved only right before it falls due.
PROMISE_KINDS = ("keeper", "slipper", "last_minute")
PROMISE_BEHAVIOUR = {"农牧局": "slipper", "能源局": "slipper", "教育局": "last_minute", "交通运输局": "last_minute"}
# Syllables of Mongolian place names as written in Chinese (巴彦 rich, 乌兰 red, 布拉格 spring, 诺尔 lake …)
PLACE_HEADS = ["巴彦", "乌兰", "查干", "呼和", "哈日", "额尔敦", "宝力格", "阿拉坦", "锡林", "赛罕", "那仁", "图门",
               "伊和", "巴嘎", "朝鲁", "孟根", "苏布日", "塔林", "浩饶", "达来", "额很", "宝音", "沙日", "敖其尔"]
PLACE_TAILS = ["布拉格", "陶勒盖", "诺尔", "高勒", "乌苏", "敖包", "塔拉", "呼都格", "温都尔", "毛都", "希热", "哈达",
               "宝格达", "额日格", "芒来", "沙巴尔", "呼舒", "套海", "扎德盖", "布敦", "哈沙图", "阿木", "德勒", "宝拉格"]


@dataclass(frozen=True)
class Banner:
    """The reporting departments of a sample banner and what each copies from the real list."""

    scale: int
    departments: tuple[tuple[str, int, int], ...]  # (name, KC count, MP count), copy by copy
    template: dict[str, str]  # department → the real department it copies (itself for copy 0)
    copy: dict[str, int]  # department → its copy (0 for the real departments)
    townships: tuple[str, ...]  # every township: the real ones, then the new

    @property
    def names(self) -> list[str]:
        return [d for d, _, _ in self.departments]

    @property
    def lagging(self) -> tuple[str, ...]:
        return tuple(d for d in self.names if self.template[d] in LAGGING)

    def counterpart(self, dept: str, copy: int) -> str:
        """The department of copy ``copy`` that copies the real department ``dept``."""
        return self.departments[copy * len(DEPARTMENTS) + _REAL_INDEX[dept]][0]

    def townships_of(self, copy: int) -> list[str]:
        """The townships of one copy: the real fifteen for copy 0, its seven new ones for a later copy."""
        if copy == 0:
            return list(TOWNSHIPS)
        n = sum(1 for d, _, _ in DEPARTMENTS if d in TOWNSHIPS)
        return list(self.townships[len(TOWNSHIPS) + (copy - 1) * n:len(TOWNSHIPS) + copy * n])

    def is_township(self, dept: str) -> bool:
        return self.template[dept] in TOWNSHIPS

    def promise_kind(self, dept: str) -> str:
        return PROMISE_BEHAVIOUR.get(self.template[dept], "keeper")


_REAL_INDEX = {d: i for i, (d, _, _) in enumerate(DEPARTMENTS)}


def check_scale(value: object) -> int:
    """The scale as an integer 1..MAX_SCALE, else a one-line error."""
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_SCALE:
        raise BadParameter(f"规模倍数应为1到{MAX_SCALE}的整数：{value!r}",
                           f"--scale takes a whole number from 1 to {MAX_SCALE}: {value!r}")
    return int(text)


def _places() -> list[str]:
    """Invented place names in a fixed shuffled order (the same for every seed)."""
    names = [h + t for h in PLACE_HEADS for t in PLACE_TAILS]
    random.Random(0).shuffle(names)
    return names


def build_banner(scale: int = 1) -> Banner:
    """The banner ``scale`` times the real one (scale 1 is the real list)."""
    scale = check_scale(scale)
    places = iter(_places())
    departments, template, townships = list(DEPARTMENTS), {d: d for d, _, _ in DEPARTMENTS}, list(TOWNSHIPS)
    for _ in range(1, scale):
        area = next(places)
        for i, (dept, n_kc, n_mp) in enumerate(DEPARTMENTS):
            if dept in TOWNSHIPS:
                name = next(places) + ("苏木" if i % 2 else "镇")
                townships.append(name)
            else:
                name = f"{area}新区{dept}"
            departments.append((name, n_kc, n_mp))
            template[name] = dept
    copy = {d: i // len(DEPARTMENTS) for i, (d, _, _) in enumerate(departments)}
    return Banner(scale, tuple(departments), template, copy, tuple(townships))


def write_params(b: Banner, folder: Path) -> Path | None:
    """A copy of the parameters whose department table also knows the new departments (none at scale 1).
    Point ``ALXA_PARAMS`` at it to ingest the sample."""
    if b.scale == 1:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(params.PARAMS_DIR.glob("*.yaml")):
        write_text(folder / path.name, path.read_text(encoding="utf-8"))
    ingest = params.editable("ingest")
    table = ingest["departments"]
    table.update({d: [] for d in b.names if d not in table})
    text = yaml.safe_dump({**ingest, "departments": table}, allow_unicode=True, sort_keys=False)
    write_text(folder / "ingest.yaml", "# written by alxa sample --scale: the real table and the sample's new departments\n" + text)
    return folder
