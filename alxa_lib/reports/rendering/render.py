"""Rendering: display helpers for notebooks, notebook → HTML → A4 PDF.

Measured facts behind the choices are in docs/rendering.md: the page from the notebook's outputs through the
``alxa_html`` nbconvert exporter (``exporters``, offline, §5), WeasyPrint for the PDF (honours @page, §6),
seaborn charts as inline SVG (``charts``, ``theme``, §3).
"""
from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where it is used: a report run checks the ledger without it
    import pandas as pd

from alxa_lib import params
from alxa_lib.console import interactive
from alxa_lib.errors import ReportFailed
from alxa_lib.files import atomic_path, write_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_LIB = Path(__file__).resolve().parents[2]
# The report notebooks: the copy an installed package carries (pyproject.toml), else the checkout's notebooks/.
NOTEBOOKS = _LIB / "_notebooks" if (_LIB / "_notebooks").is_dir() else _LIB.parent / "notebooks"


def project_root() -> Path:
    """The checkout's root (where data/ and outputs/ are), or, for an installed package, the working folder."""
    return _LIB.parent if NOTEBOOKS == _LIB.parent / "notebooks" else Path.cwd()


def project_path(path) -> Path:
    """A relative path as the project root sees it (a JupyterLab kernel starts in notebooks/)."""
    p = Path(str(path))
    return p if p.is_absolute() or p.exists() else project_root() / p


# ---------------------------------------------------------------- notebook display (always escaped)
def _cell(v: Any) -> str:
    import pandas as pd
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return cut(str(v))


def cut(text: str) -> str:
    """Department text longer than ``params/render.yaml`` ``max_cell_chars`` is cut, with a note (one huge
    cell must not stall the PDF renderer; the ledger keeps the whole text)."""
    limit = params.load("render")["max_cell_chars"]
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（已截断，原文{len(text)}字，全文见台账 / cut, {len(text)} characters in the ledger）"


def _light_classes() -> dict[str, str]:
    from alxa_lib.reports.content.labels import LIGHT_CN, LIGHT_SYMBOL
    return {f"{LIGHT_SYMBOL[k]} {LIGHT_CN[k]}": f"light-{k}" for k in LIGHT_CN}


# A typed cell (a number, a rate, a date, an id: ASCII without spaces, such as 250,000.00, 45.2%, 2025-06-28,
# 2025-ZD-001, 3/1/0) never breaks inside (docs/rendering.md §12): its class says which kind it is.
_NUMBER = re.compile(r"[-+]?[0-9][0-9,]*(\.[0-9]+)?%?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")
# On a narrow screen a table with at least this many columns and a column of running text turns into one card
# per row; any other table scrolls inside its own box, its first column fixed (docs/rendering.md §12).
CARD_COLUMNS = 6
# A table whose columns need more than this many em (typed columns their longest value, a text column up to
# TEXT_EM) is printed on a landscape A4 page (the portrait type area holds about 53 em of table text; text
# columns narrower than TEXT_EM still read well, so only a table well over that turns: the brief's 附表).
PORTRAIT_EM = 60
TEXT_EM = 8
_RUNNING_TEXT = 12  # characters: a column holding a longer non-typed cell is running text


def cell_kind(value: Any, text: str) -> str | None:
    """``num``, ``date`` or ``id`` for a typed cell (shown as ``text``), else None (text that may wrap)."""
    import datetime as dt
    if isinstance(value, bool):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return "date"
    if _NUMBER.fullmatch(text):
        return "num"
    if _DATE.fullmatch(text):
        return "date"
    if _ID.fullmatch(text):
        return "id"
    return None


def _td(value, label: str | None = None) -> str:
    """One escaped cell; a light label (● 红灯 …) gets its colour class, chosen from a fixed list (never
    from the cell's text), so a department cannot inject a class or a style. A typed cell gets its kind's
    class (t-num, t-date, t-id); ``label`` (the column's header, escaped) names the cell in a card."""
    text = _cell(value)
    kind = cell_kind(value, text)
    css = _light_classes().get(text.strip()) or (f"t-{kind}" if kind else "")
    attrs = (f" class='{css}'" if css else "") + (f" data-label='{label}'" if label is not None else "")
    return f"<td{attrs}>{html.escape(text)}</td>"


def _width_em(text: str) -> float:
    """A rough width in em at the table's size: a CJK character one em, others about 0.58 em."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.58 for ch in text)


def _columns(rows: pd.DataFrame) -> tuple[list[str], list[str], float]:
    """Per column: its kind (``num``, ``date``, ``id`` when every filled cell is of that typed kind, ``light``,
    ``short`` text of at most 12 characters, else ``text``); its <col> (the width of its longest value for a
    typed or short column, so that the fixed layout of the PDF gives it room on one line; the running-text
    columns share the rest); and the width in em the table needs in print."""
    kinds, cols, need = [], [], 0.0
    for j, name in enumerate(rows.columns):
        shown = [(v, _cell(v)) for v in rows.iloc[:, j]]
        filled = [(v, t) for v, t in shown if t != "—"] or [(None, "—")]
        found = {cell_kind(v, t) for v, t in filled}
        head = _width_em(str(name))  # a header of up to 4 characters on one line, a longer one on two or three
        em = max(max(_width_em(t) for _, t in filled), head if head <= 4 else min(max(head / 2, 4.0), 6.0))
        em += 1.0  # the cell's padding, and room for the header's bold
        if all(t.strip() in _light_classes() for _, t in filled):
            kind = "light"
        elif len(found) == 1 and None not in found:
            kind = found.pop()
        else:
            kind = "text" if any(len(t) > _RUNNING_TEXT for _, t in filled) else "short"
        kinds.append(kind)
        if kind == "text":
            cols.append("<col class='c-text'/>")
            need += min(TEXT_EM, em)
        else:
            cols.append(f"<col class='c-{kind}' style='width: {em:.1f}em'/>")
            need += em
    return kinds, cols, need


def table_html(df: pd.DataFrame, caption: str | None = None, max_rows: int | None = None,
               layout: str = "auto", fold: bool = False, appendix: str | None = None) -> str:
    """A DataFrame as an HTML table; every cell is escaped (department text is untrusted).

    ``layout``: how the table reads on a narrow screen (docs/rendering.md §12): ``scroll`` (inside its own
    box, first column fixed), ``cards`` (one card per row, each value under its header), or ``auto``
    (cards when the table has at least ``CARD_COLUMNS`` columns and a column of running text). ``fold``: a
    long appendix, folded (``<details>``) on a phone, whole on a wide screen and in print. ``appendix``: the
    heading of the appendix the table is (附表 …), written with it, so that it starts the table's new page
    even when the table is printed on a landscape page."""
    rows = df if max_rows is None else df.head(max_rows)
    kinds, cols, need = _columns(rows)
    cards = layout == "cards" or (layout == "auto" and len(rows.columns) >= CARD_COLUMNS and "text" in kinds)
    labels = [html.escape(str(c), quote=True) for c in rows.columns]
    head = "".join(f"<th scope='col' class='t-{k}'>{lab}</th>" if k in ("num", "date", "id") else
                   f"<th scope='col'>{lab}</th>" for k, lab in zip(kinds, labels))
    body = "".join("<tr>" + "".join(_td(v, labels[j] if cards else None) for j, v in enumerate(r)) + "</tr>"
                   for r in rows.itertuples(index=False))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if rows.empty:
        body = f"<tr><td colspan='{max(1, len(rows.columns))}'>无</td></tr>"
    css = "alxa-table alxa-cards" if cards else "alxa-table"
    table = (f"<table class='{css}'>{cap}<colgroup>{''.join(cols)}</colgroup><thead><tr>{head}</tr></thead>"
             f"<tbody>{body}</tbody></table>")
    name = html.escape(caption or "表格", quote=True)
    wide = " alxa-wide" if need > PORTRAIT_EM else ""
    box = f"<div class='alxa-scroll{wide}' role='region' aria-label='{name}' tabindex='0'>{table}</div>"
    if fold:
        box = (f"<details class='alxa-fold'><summary>{html.escape(caption or '附表')}（{len(rows)}行，点击展开）"
               f"</summary>{box}</details>")
    if appendix:
        box = f"<div class='alxa-part{wide}'><h2 class='alxa-appendix'>{html.escape(appendix)}</h2>{box}</div>"
    return box


def show_table(df: pd.DataFrame, caption: str | None = None, max_rows: int | None = None,
               layout: str = "auto", fold: bool = False, appendix: str | None = None) -> None:
    from IPython.display import HTML, display
    display(HTML(table_html(df, caption, max_rows, layout, fold, appendix)))


def show_page_break() -> None:
    """What follows starts a new printed page (e.g. after the meeting pack's last department page)."""
    from IPython.display import HTML, display
    display(HTML("<div class='alxa-page-break'></div>"))


def figure_html(fig: Figure) -> str:
    """A matplotlib Figure (a chart from ``charts``, or an analyst's own) as inline SVG in the page's figure box."""
    from alxa_lib.reports.rendering import theme
    return f"<div class='alxa-figure'>{theme.svg(fig)}</div>"


def show_figure(fig: Figure) -> None:
    """Show a Figure where it is called. It goes out as text/html, which the page keeps as it is, so the SVG
    stays inline: vector lines and searchable text in the PDF, no base64 image (docs/rendering.md §3)."""
    from IPython.display import HTML, display
    display(HTML(figure_html(fig)))


_UNBROKEN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)+")


def keep_together(text: str) -> str:
    """``text`` escaped, with each date and id (2025-06-28, 2025-ZD-001) in a span that never breaks (a
    browser would break a narrow line after its hyphen)."""
    return _UNBROKEN.sub(lambda m: f"<span class='alxa-nowrap'>{m.group(0)}</span>", html.escape(text))


def show_text(text: str, css_class: str = "alxa-headline") -> None:
    from IPython.display import HTML, display
    display(HTML(f"<p class='{css_class}'>{keep_together(cut(text))}</p>"))


def show_heading(text: str, page_break: bool = False) -> None:
    """A section heading built from data (escaped); ``page_break`` starts it on a new printed page."""
    from IPython.display import HTML, display
    style = " style='break-before: page; page-break-before: always;'" if page_break else ""
    display(HTML(f"<h3{style}>{html.escape(text)}</h3>"))


def show_title(title: str, subtitle: str) -> None:
    from IPython.display import HTML, display
    display(HTML(f"<h1 class='alxa-title'>{keep_together(title)}</h1>"
                 f"<p class='alxa-subtitle'>{keep_together(subtitle)}</p>"))


# ---------------------------------------------------------------- notebook → files
def run_notebook(name: str, output: Path, parameters: dict[str, Any]) -> Path:
    """Execute ``notebooks/<name>`` with papermill in-process; returns the executed notebook path.

    A failing cell becomes :class:`ReportFailed` with the notebook's own error line (a library
    error raised inside the kernel keeps its bilingual message)."""
    execute_notebook(name, output, parameters)
    return output


def execute_notebook(name: str, output: Path, parameters: dict[str, Any]):
    """As :func:`run_notebook`, returning the executed notebook as papermill hands it back (the node it wrote
    to ``output``), so that the page is made from it without reading and validating the file again."""
    skip_unused_format_checkers()
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    quiet_kernel_warnings()
    try:
        with atomic_path(output) as tmp:
            # Written once at the end, not at every cell's start and end (50 validated writes of a growing
            # notebook for a brief): the file appears only when complete anyway (atomic_path).
            return pm.execute_notebook(str(NOTEBOOKS / name), str(tmp), parameters=parameters,
                                       kernel_name="python3", progress_bar=interactive(), cwd=str(project_root()),
                                       extra_arguments=KERNEL_ARGUMENTS, request_save_on_cell_execute=False,
                                       kernel_manager_class=kernel_manager_class())
    except PapermillExecutionError as exc:
        evalue = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else exc.ename
        raise ReportFailed(f"报告 {name} 运行失败：{evalue}", f"the report notebook {name} failed: "
                           f"{exc.ename}: {evalue}") from None


# The kernel's own log is chatter for the analyst: "running over TCP without encryption" on every start
# (local TCP is what papermill uses here), and "ERROR | KeyboardInterrupt caught in kernel." in some runs,
# more often on a busy machine: papermill asks for kernel_info after the last cell and shuts the kernel down
# on the reply, and the shutdown's SIGINT lands before the kernel has left that handler. A failing cell
# still comes back as one line through papermill (ReportFailed).
KERNEL_QUIET = ["--IPKernelApp.log_level=CRITICAL"]


# Python's cyclic garbage collector in the two short-lived processes of a report run, the command's and its
# kernel's (docs/architecture.md §10). A run makes millions of objects that reference counting frees (frames,
# WeasyPrint's boxes, pandas' blocks, matplotlib's artists) and few cycles; with the default thresholds
# (700, 10, 10) the collector walks the growing heap again and again (about 0.45 s of WeasyPrint's 2.2 s on
# the brief, 0.35 s in the kernel), and once more over every object when the process ends (0.15–0.25 s).
# Raised thresholds collect the young generation after 100,000 new objects instead of 700 and the older ones
# ten times less often than that (WeasyPrint takes 0.1 s more with 10,000; peak memory of a brief at four
# times the sample year 510 MB against 505 MB); at exit the objects are frozen, so Python's last
# collections skip them (atexit handlers and reference counting still run as always).
GC_THRESHOLD = (100_000, 100, 100)


def short_lived_gc() -> tuple[int, ...]:
    """Tune the collector of this process for a report run, and freeze its objects when it ends; returns the
    thresholds it had."""
    import atexit
    import gc
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    atexit.unregister(gc.freeze)  # once, however often a process runs reports
    atexit.register(gc.freeze)
    return before


def report_kernel() -> None:
    """What a report's kernel runs before the notebook's first cell (``KERNEL_ARGUMENTS``): the collector of a
    short-lived process, and matplotlib without the help texts nobody reads there."""
    from alxa_lib.reports.rendering import theme
    short_lived_gc()
    theme.without_set_docstrings()


KERNEL_ARGUMENTS = [*KERNEL_QUIET, "--IPKernelApp.exec_lines="
                    "from alxa_lib.reports.rendering.render import report_kernel; report_kernel()"]


def kernel_manager_class():
    """jupyter_client's kernel manager, finding kernel specs in the same folders without importing IPython:
    its spec manager imports the whole of IPython (0.04 s of CPU) only to learn where ~/.ipython is, which is
    ``IPYTHONDIR`` or ``~/.ipython`` (docs/architecture.md §10)."""
    import os

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_path
    from traitlets import default

    class Specs(KernelSpecManager):
        def _kernel_dirs_default(self) -> list[str]:
            ipython = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
            return [*jupyter_path("kernels"), os.path.join(ipython, "kernels")]

    class Manager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return Specs(data_dir=self.data_dir)
    return Manager


# Optional packages from which jsonschema builds string-format checkers at import (present when JupyterLab
# is installed). The notebook schema checks no string format, and rfc3987_syntax alone compiles 38 Lark
# grammars: about 2 s of CPU in every report run (docs/rendering.md §4).
UNUSED_FORMAT_CHECKERS = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator", "isoduration",
                          "webcolors", "jsonpointer", "uri_template", "fqdn")


def skip_unused_format_checkers() -> None:
    """Mark the format-checker packages absent before papermill imports nbformat (and nbformat jsonschema),
    unless something in this process already loaded them; jsonschema then skips just those checkers. The
    same for Beautiful Soup's CSS selectors (``UNUSED_SELECTORS``)."""
    import sys
    import warnings
    for name in UNUSED_FORMAT_CHECKERS + UNUSED_SELECTORS:
        sys.modules.setdefault(name, None)
    warnings.filterwarnings("ignore", message="The soupsieve package is not installed")


# Beautiful Soup's CSS selectors, loaded with nbconvert's markdown filter: only nbconvert's stock HTML pass
# selects with them, and the alxa_html exporter leaves that pass out. Their import compiles some forty regular
# expressions: 0.04 s of CPU in every report run. (A process that ran a report cannot then use the stock
# ``HTMLExporter``; the command's process never does.)
UNUSED_SELECTORS = ("soupsieve",)


def quiet_kernel_warnings() -> None:
    """Quiet the parent side too: jupyter_client and papermill log routine kernel chatter."""
    import warnings
    warnings.filterwarnings("ignore", message=".*running over TCP without encryption.*")
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)


def to_html(notebook, html_path: Path, title: str) -> Path:
    """Executed notebook (its path, or the node :func:`execute_notebook` returned) → self-contained HTML titled
    ``title`` through the ``alxa_html`` nbconvert exporter: outputs and narrative, no code, lang="zh-CN", no
    external resource (docs/rendering.md §5)."""
    import nbformat

    from alxa_lib.reports.rendering.exporters import AlxaHTMLExporter
    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, (str, Path)) else notebook
    nb.metadata["title"] = title
    page, _ = AlxaHTMLExporter().from_notebook_node(nb)
    return write_text(html_path, page)


def to_pdf(html_path: Path, pdf_path: Path, running_title: str) -> Path:
    """HTML → A4 PDF with page numbers and the title in the running header (WeasyPrint; ``exporters``)."""
    from alxa_lib.reports.rendering.exporters import html_to_pdf
    html = Path(html_path).read_text("utf-8")
    with atomic_path(pdf_path) as tmp:  # WeasyPrint writes the temporary file; it is renamed when complete
        html_to_pdf(html, running_title, str(Path(html_path).parent), target=str(tmp))
    return pdf_path


def output_path(given: str, out_dir: str, key: str, name: str) -> Path:
    """The path the runner passed in (``given``), else ``out_dir/key/name`` as the project root sees it."""
    if given:
        return Path(given)
    return project_path(out_dir) / key / name
