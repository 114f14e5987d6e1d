"""Cell parsers: the tolerance cases of docs/workbooks.md, plus invariants."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alxa_lib.workbooks.cells import (
    a1,
    norm_header,
    norm_name,
    parse_date,
    parse_number,
    parse_percent,
    parse_procedure,
    parse_stage,
    parse_status,
    parse_years,
)


@pytest.mark.parametrize("raw,expected", [
    (1200, 1200.0), ("1,200", 1200.0), ("１２００", 1200.0), ("1200万元", 1200.0), ("1.5亿元", 15000.0),
    ("—", None), ("/", None), ("无", None), ("", None), (None, None), ("  3,456.7 ", 3456.7),
])
def test_numbers_as_offices_write_them(raw, expected):
    value, ok = parse_number(raw)
    assert ok and value == expected


def test_unit_scale_from_header():
    assert parse_number(1.25, 10000.0) == (12500.0, True)  # 亿元 column
    assert parse_number(5_000_000, 0.0001) == (500.0, True)  # 元 column


@pytest.mark.parametrize("raw", ["约500", "过半", "12a", True])
def test_unreadable_numbers_are_flagged(raw):
    assert parse_number(raw)[1] is False


@pytest.mark.parametrize("raw,expected", [("45%", 45.0), (45, 45.0), (0.45, 45.0), ("0.45", 45.0), (100, 100.0), (0, 0.0)])
def test_percent_forms(raw, expected):
    assert parse_percent(raw) == (expected, True)


@pytest.mark.parametrize("raw,expected,approx", [
    (dt.date(2025, 3, 15), dt.date(2025, 3, 15), False), (dt.datetime(2025, 3, 15, 0, 0), dt.date(2025, 3, 15), False),
    ("2025年3月15日", dt.date(2025, 3, 15), False), ("2025.3.15", dt.date(2025, 3, 15), False),
    ("2025-03-15", dt.date(2025, 3, 15), False), ("2025/3/15", dt.date(2025, 3, 15), False),
    ("3月15日", dt.date(2025, 3, 15), False), ("2025年3月", dt.date(2025, 3, 1), True),
    (45731.0, dt.date(2025, 3, 15), False),
    # text with a time of day, as exports write datetimes: the day stays the day written
    ("2025-03-15 00:00:00", dt.date(2025, 3, 15), False), ("2025/3/1 10:30", dt.date(2025, 3, 1), False),
    ("2025-03-15T00:00:00", dt.date(2025, 3, 15), False), ("2025年3月15日 8:00", dt.date(2025, 3, 15), False),
])
def test_date_forms(raw, expected, approx):
    assert parse_date(raw, 2025) == (expected, True, approx)


@pytest.mark.parametrize("raw", ["六月中旬", "2025年13月5日", "下半年", "2025.2.30", "10:30"])
def test_unreadable_dates_are_flagged(raw):
    assert parse_date(raw, 2025)[1] is False


def test_vocabularies():
    assert parse_status("在建") == ("已开工", True)
    assert parse_status("竣工") == ("已完工", True)
    assert parse_status("暂停") == ("停工", True)
    assert parse_status("未开复工") == ("未开工", True)
    assert parse_status("差不多了")[1] is False
    assert parse_procedure("✓") == ("已办结", True)
    assert parse_procedure("无需办理") == ("不涉及", True)
    assert parse_procedure("正在办理") == ("办理中", True)
    assert parse_stage("可研") == ("可行性研究报告", True)
    assert parse_stage("初设") == ("初步设计", True)
    assert parse_stage("核准/备案") == ("项目申请报告(核准/备案)", True)
    assert parse_years("2024—2026年") == ((2024, 2026), True)
    assert parse_years("2024年-2026年") == ((2024, 2026), True)


def test_headers_and_names_fold():
    assert norm_header("总投资(万元)") == norm_header("总投资（万元）") == norm_header("总 投\n资")
    assert norm_name("阿左旗 巴彦浩特镇供热管网改造项目") == norm_name("巴彦浩特镇供热管网改造项目")
    assert norm_name("巴彦浩特镇供热管网（改造）项目") == norm_name("巴彦浩特镇供热管网改造项目")
    assert a1(0, 0) == "A1" and a1(27, 9) == "AB10"


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_thousands_separated_text_round_trips(d):
    value = float(d)
    assert parse_number(f"{value:,.2f}")[0] == pytest.approx(value)
    assert parse_number(f"{value:.2f}万元")[0] == pytest.approx(value)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_written_date_form_reads_back(d):
    for text in (f"{d.year}年{d.month}月{d.day}日", f"{d.year}.{d.month}.{d.day}", d.isoformat(), f"{d.year}/{d.month}/{d.day}"):
        assert parse_date(text) == (d, True, False)
