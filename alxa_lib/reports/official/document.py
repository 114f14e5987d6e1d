"""One official document (公文) as data: 版头, title, 主送, body blocks, 附件, 落款, 版记 (GB/T 9704-2012).

The composers (``brief_text``, ``evaluation_text``) fill it from the figures; the writers (``docx_write``,
``pdf_write``) lay it out from params/document.yaml. Nothing here knows about Word or HTML.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where it is used: a report run checks the ledger without it
    import pandas as pd

from alxa_lib import params
from alxa_lib.reports.official.wording import cn_date, cn_text, decimal

LEVELS = ("h1", "h2", "h3", "p")


@dataclass
class Block:
    level: str  # h1 一、 (黑体), h2 （一） (楷体), h3 1. (仿宋 bold), p body text
    text: str


@dataclass
class Attachment:
    key: str
    title: str
    table: pd.DataFrame
    note: str = ""  # one line under the table, e.g. what a symbol means


@dataclass
class OfficialDocument:
    kind: str  # brief, quarter, annual
    masthead: str
    number: str  # 期号 or 文号; "" leaves the line out
    issuer: str
    date: dt.date  # 成文日期 (and 印发日期)
    title: str
    recipients: str  # 主送; "" leaves it out
    blocks: list[Block] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)  # 抄送; empty leaves the line out
    printer: str = ""  # 印发机关; "" leaves the 印发 line out
    figures: dict = field(default_factory=dict)  # the JSON the text was written from (for checking)

    @property
    def date_text(self) -> str:
        return cn_date(self.date)

    @property
    def short_form(self) -> bool:
        """The 简报 form (期号 under the masthead, office and date on one line) rather than the 文件 form."""
        return self.kind == "brief"

    def attachment_number(self, key: str) -> int | None:
        for i, a in enumerate(self.attachments, 1):
            if a.key == key:
                return i
        return None

    def attachment_label(self, i: int) -> str:
        """附件N; a lone 附件 carries no number (GB/T 9704 7.3.4: numbers only when there are several)."""
        return "附件" if len(self.attachments) == 1 else f"附件{i}"

    def attachment_list(self) -> list[str]:
        """The 附件说明 lines: 附件：名称 for one, 附件：1. 名称 / 2. 名称 … for several."""
        if len(self.attachments) == 1:
            return [f"附件：{self.attachments[0].title}"]
        return [("附件：" if i == 1 else "") + f"{i}. {a.title}" for i, a in enumerate(self.attachments, 1)]

    def body_text(self) -> str:
        """Every sentence of the body, one line each (for checks and for plain-text previews)."""
        return "\n".join(b.text for b in self.blocks)


def config() -> dict:
    return params.load("document")


def number_text(kind: str, number: str | int | None, year: int) -> str:
    """``--number 12`` → 第12期 / 阿左发改发〔2025〕12号 (forms in params/document.yaml); other text is kept;
    nothing given → "" (the line is left out)."""
    if number is None or str(number).strip() == "":
        return ""
    n = str(number).strip()
    if n.isdigit():
        return config()["number_form"][kind].format(n=int(n), year=year)
    return n


def frame(kind: str, title: str, day: dt.date, number, year: int) -> OfficialDocument:
    """The fixed parts of a document of ``kind`` from params/document.yaml; optional parts may be absent."""
    c = config()
    return OfficialDocument(kind=kind, masthead=c["masthead"][kind], number=number_text(kind, number, year),
                            issuer=c.get("issuer") or "", date=day, title=title,
                            recipients=(c.get("recipients") or "").strip(),
                            cc=[x for x in (c.get("cc") or []) if str(x).strip()],
                            printer=(c.get("printer") or "").strip())


def add_attachment(doc: OfficialDocument, key: str, title: str, table: pd.DataFrame, note: str = "") -> None:
    """Append a 附件 unless its table is empty (an empty table is said in the text instead)."""
    if table is not None and not table.empty:
        doc.attachments.append(Attachment(key, title, as_written(table.reset_index(drop=True)), note))


def as_written(table: pd.DataFrame) -> pd.DataFrame:
    """A 附件 table with its dates and quarters as the text writes them (2025年7月24日, 第一季度), in the
    headers and in the cells; numbers stay numbers."""
    import pandas as pd

    def cell(v):
        if isinstance(v, (dt.date, pd.Timestamp)) and not pd.isna(v):
            return cn_date(v.date() if isinstance(v, pd.Timestamp) else v)
        return cn_text(v) if isinstance(v, str) else v
    out = table.rename(columns=lambda c: cn_text(c) if isinstance(c, str) else c)
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].map(cell).astype(object)
        elif pd.api.types.is_float_dtype(out[col]) and column_decimals(str(col)) is not None:
            digits = column_decimals(str(col))
            out[col] = out[col].map(lambda v: None if pd.isna(v) else decimal(v, digits)).astype(object)
    return out


UNIT = re.compile(r"（([^（）]+)）$")


def column_decimals(header: str) -> int | None:
    """The precision of a column of figures by the unit its header ends with, from ``table.decimals`` (a
    difference of rates in 百分点 to one decimal, as the rates); None: floats keep two decimals."""
    unit = UNIT.search(header)
    return (config()["table"].get("decimals") or {}).get(unit.group(1)) if unit else None


def see(doc: OfficialDocument, key: str) -> str:
    """（详见附件N） or "" when that 附件 is absent."""
    n = doc.attachment_number(key)
    return f"（详见{doc.attachment_label(n)}）" if n else ""


def ref(doc: OfficialDocument, key: str) -> str:
    """附件N, or "" when that 附件 is absent."""
    n = doc.attachment_number(key)
    return doc.attachment_label(n) if n else ""
