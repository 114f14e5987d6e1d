"""The forecast in words, as every reader-facing text says it (docs/measures.md §11.3): the brief, the 公文,
the meeting pack and ``alxa forecast``. Pure functions of the forecast result; one place for the wording.

Leaders read words, not statistics: the interval as "预计在a%～b%之间", the chance of reaching a target as a
graded word (``chance_words`` in ``params/forecast.yaml``) with the number at most in brackets and never 0 % or
100 % for a target still open; a target already met is "已提前完成"; one that can no longer be met says so.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.forecast import target_state


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def chance_word(p: float) -> str:
    """The graded word for the probability ``p`` of reaching an open target (很可能 … 很难)."""
    for floor, word in params.load("forecast")["chance_words"]:
        if p >= float(floor):
            return str(word)
    return str(params.load("forecast")["chance_words"][-1][1])


def chance_percent(p: float) -> str:
    """An open target's probability as printed: whole percent, never 0 % nor 100 % (the model cannot know)."""
    return f"{min(99, max(1, round(p * 100)))}%"


def reach_phrase(word: str, target: str) -> str:
    """"很可能达到70%目标", "能否达到70%目标存在不确定性", …: the graded word placed as Chinese puts it."""
    if word in ("很可能", "有望"):
        return f"{word}达到{target}目标"
    if word == "很难":
        return f"很难达到{target}目标"
    if word == "存在不确定性":
        return f"能否达到{target}目标存在不确定性"
    return f"达到{target}目标{word}"


def target_sentence(c: dict[str, Any], started: int, unstarted: int, total: int) -> str:
    """One target date's sentence: met (已提前完成), out of reach, or the interval and the graded chance."""
    month = dt.date.fromisoformat(c["date"]).month
    target = f"{c['target'] * 100:.0f}%"
    state = target_state(started, unstarted, total, c["target"])
    if state == "reached":
        return f"{month}月底开复工率{target}的目标已提前完成（目前已开复工{started}个项目，开复工率{pct(started / total)}）。"
    if state == "unreachable":
        return (f"{month}月底开复工率{target}的目标已无法实现（未开工项目仅{unstarted}个，全部开工后开复工率为"
                f"{pct((started + unstarted) / total)}）。")
    return (f"按各单位承诺的开工时间测算，{month}月底开复工率预计在{pct(c['low'])}～{pct(c['high'])}之间"
            f"（点预测{pct(c['point'])}），{reach_phrase(chance_word(c['p_reach']), target)}"
            f"（可能性约{chance_percent(c['p_reach'])}）。")


def sentence(result: dict[str, Any], which: int = 0) -> str:
    """The sentence for the ``which``-th target after the as-of date; after 10-31 a sentence saying there is none."""
    rows = result["commencement"]
    if not rows:  # the last target date as params/monitoring.yaml sets it
        last = cal.commencement_targets(dt.date.fromisoformat(result["as_of"]).year)[-1][0]
        return f"已过{last.month}月{last.day}日开复工目标节点，不再预测开复工率。"
    unstarted = len(result["_projects"]) if "_projects" in result else 0
    return target_sentence(rows[min(which, len(rows) - 1)], int(result["_started"]), unstarted, int(result["_total"]))


def investment_sentence(result: dict[str, Any]) -> str:
    inv = result["investment"]
    return (f"按各项目开工以来的进度测算（冬季停工后不再计入），年底年度投资完成率预计在{pct(inv['low'])}～"
            f"{pct(inv['high'])}之间（点预测{pct(inv['point'])}）。")


def method_note(year: int) -> str:
    """How the forecast is made, in one paragraph under the brief's chart (docs/measures.md §11): the number of
    simulations, the graded words and the last target date come from the parameters."""
    cfg = params.load("forecast")
    words = "、".join(str(w) for _, w in cfg["chance_words"])
    last = max(d for d, _ in cal.commencement_targets(year))
    return ("预测说明：每个未开工项目按其最近一次和最初一次填报的预计开工时间（未填的按计划开工时间），结合所在单位以往承诺的"
            "兑现情况（实际开工日期与承诺日期之差的分布；承诺较少的单位向全旗平均水平收缩；到期未开工的承诺使测算推后，部分项目"
            "可能年内不开工）估计其在各目标节点前开工并见于报表的概率，考虑全旗和各单位共同的不利因素，"
            f"以固定随机种子模拟{int(cfg['simulations'])}次（模拟结果的离散程度经回测校准，使预计区间的实际覆盖率接近其标称水平），"
            f"给出预计区间、点预测和达到目标的把握（{words}；已达到的目标表述为已提前完成）；只预测截至日以后的目标节点，"
            f"{last.month}月{last.day}日以后不再预测。")
