"""An executed report notebook as one self-contained HTML page: the outputs and the narrative, no code.

The page is written directly from the notebook's JSON rather than through nbconvert: a report shows only
what its cells display (tables, charts, headings, all built and escaped by ``render``) and its markdown
narrative, so nbconvert's template machinery and JupyterLab's 200 KB of screen CSS bought nothing, yet cost
about 2 s of CPU per report (docs/rendering.md §5). Nothing in the page points outside it.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Iterator

TEMPLATES = Path(__file__).resolve().parent / "templates"

# What a notebook output may show, in order of preference (the richest the page can hold inline).
# A section headed 附表/附件 (an appendix) starts a new printed page, as appendices do in official papers.
APPENDIX = re.compile(r"\s*#+\s*附[表件]")

_HTML, _SVG, _PNG, _JPEG, _TEXT = "text/html", "image/svg+xml", "image/png", "image/jpeg", "text/plain"


def page(notebook: dict, title: str) -> str:
    """The page of an executed notebook (nbformat 4 JSON as a dict), titled ``title``."""
    css = (TEMPLATES / "report.css").read_text("utf-8")
    body = "\n".join(_cells(notebook.get("cells", [])))
    return (f'<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8"/>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0"/>\n'
            f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n"
            f'<body>\n<main class="alxa-report">\n{body}\n</main>\n</body>\n</html>\n')


def read_notebook(path: Path | str) -> dict:
    return json.loads(Path(path).read_text("utf-8"))


def _cells(cells: list[dict]) -> Iterator[str]:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            text = _text(cell.get("source", ""))
            css = "alxa-markdown alxa-appendix" if APPENDIX.match(text) else "alxa-markdown"
            yield f'<section class="{css}">{_markdown(text)}</section>'
        elif cell.get("cell_type") == "code":
            shown = [s for s in map(_output, cell.get("outputs", [])) if s]
            if shown:
                yield '<section class="alxa-output">' + "\n".join(shown) + "</section>"


def _output(out: dict[str, Any]) -> str:
    """One output as HTML. Display data goes in as the library wrote it (already escaped); plain text,
    printed lines and anything unknown are escaped here. Warnings on stderr stay in the notebook only."""
    kind = out.get("output_type")
    if kind == "stream":
        return f"<pre>{html.escape(_text(out.get('text', '')))}</pre>" if out.get("name") == "stdout" else ""
    if kind not in ("display_data", "execute_result"):
        return ""  # errors stop the run before a page is written
    data = out.get("data", {})
    if _HTML in data:
        return _text(data[_HTML])
    if _SVG in data:
        return f"<div class='alxa-figure'>{_text(data[_SVG])}</div>"
    for mime in (_PNG, _JPEG):
        if mime in data:
            return f"<img src='data:{mime};base64,{html.escape(_text(data[mime]).strip())}' alt=''/>"
    if _TEXT in data:
        return f"<pre>{html.escape(_text(data[_TEXT]))}</pre>"
    return ""


def _text(source: str | list[str]) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _markdown(text: str) -> str:
    """The notebook's own narrative (written with the notebooks, not by departments) as HTML."""
    import mistune
    return mistune.html(text)
