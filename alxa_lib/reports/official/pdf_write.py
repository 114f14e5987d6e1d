"""The same :class:`OfficialDocument` as a PDF for the record: HTML at the GB/T 9704 geometry → WeasyPrint.

Every size comes from ``layout`` (params/document.yaml), as in the docx, and the HTML has the same
paragraphs in the same order, so the pages agree with the Word file. The official fonts are replaced by
the open fonts of ``pdf_fonts`` (docs/rendering.md §11), with a fallback for any glyph they lack.
Page numbers are CSS page counters in the outer corners (:right pages right, :left pages left).
Every piece of text is escaped.
"""
from __future__ import annotations

import html
from pathlib import Path

from alxa_lib.files import atomic_path
from alxa_lib.reports.official.document import OfficialDocument, config
from alxa_lib.reports.official.layout import (MM, banji_spacer_pt, banji_widths_mm, cell_text, geometry, masthead_pt,
                                              kept_with_signature, masthead_scale, masthead_space_before_pt, rule_space_pt, safe,
                                              signature_indents_pt, table_plan, title_lines, width_chars)
from alxa_lib.reports.official.paging import cell_pieces, chunks
from alxa_lib.reports.official.textflow import SPACE_EM, runs

TAGS = {"h1": "h2", "h2": "h3", "h3": "h4", "p": "p"}


def family(official: str) -> list[str]:
    sub = config()["pdf_fonts"].get(official)
    return [sub["family"]] if sub else []


def weight(official: str) -> int:
    return int(config()["pdf_fonts"].get(official, {}).get("weight", 400))


def font(official: str) -> str:
    """CSS font for an official font: the Times substitute first (Word puts digits and Latin letters in the
    ASCII font), then the open stand-in of ``official``, then the fallbacks for any glyph they lack."""
    c = config()
    names = family(c["fonts"]["latin"]) + family(official)
    names += [f for f in c["pdf_fallback"] if f not in names]
    return f"font-family: {', '.join(repr(n).replace(chr(39), chr(34)) for n in names)}; font-weight: {weight(official)};"


def css() -> str:
    c, g = config(), geometry()
    f, s, pn = c["fonts"], c["sizes_pt"], c["page_number"]
    m = c["margins_mm"]
    number = (f'content: "{pn["dash"]} " counter(page) " {pn["dash"]}"; {font(f["page_number"])} '
              f'font-size: {s["page_number"]}pt; vertical-align: top; padding-top: {pn["below_type_area_mm"]}mm;')
    inset = pn["inset_chars"] * s["page_number"]
    # a landscape page's number is turned to read on the bound sheet, where the portrait pages have theirs
    # (GB/T 9704 clause 8): in the left margin, its top towards the page's left edge at the bound sheet's
    # "7 mm below the type area"
    turned_x = m["bottom"] - pn["below_type_area_mm"]
    red = "#" + c["red"]
    # a space (only the autospace of ``e``) as wide as autospace_em once the letter spacing is added (WeasyPrint
    # gives a run's trailing space one and a half letter spacings); a run ends without letter spacing
    # (margin-right), and so does a body line, which therefore is one letter spacing narrower
    auto = c["autospace_em"]
    ws0 = f"word-spacing: {auto - SPACE_EM:.3f}em;"
    ls = g.spacing_pt
    return f"""
@page {{ size: {g.page_w}mm {g.page_h}mm; margin: {m['top']}mm {m['right']}mm {m['bottom']}mm {m['left']}mm;
  @footnote {{ margin: 0; padding: 0; }} }}
@page :right {{ @bottom-right {{ {number} padding-right: {inset}pt; }} }}
@page :left {{ @bottom-left {{ {number} padding-left: {inset}pt; }} }}
@page landscape {{ size: {g.page_h}mm {g.page_w}mm; margin: {m['left']}mm {m['top']}mm {m['right']}mm {m['bottom']}mm; }}
@page landscape:right {{ @bottom-right {{ content: none; }} @left-top {{ content: element(pn-odd); vertical-align: top; }} }}
@page landscape:left {{ @bottom-left {{ content: none; }} @left-top {{ content: element(pn-even); vertical-align: top; }} }}
.pn {{ {font(f["page_number"])} font-size: {s["page_number"]}pt; line-height: 1; margin: 0; padding: 0; }}
.pn-odd {{ position: running(pn-odd); }} .pn-even {{ position: running(pn-even); }}
.pn .turn {{ display: block; box-sizing: border-box; width: {g.type_w:.2f}mm; transform-origin: 0 0; white-space: nowrap;
  transform: translate({turned_x:.2f}mm, 0) rotate(90deg); }}
.pn-odd .turn {{ text-align: right; padding-right: {inset}pt; }}
.pn-even .turn {{ text-align: left; padding-left: {inset}pt; }}
.pn .n::before {{ content: counter(page); }}
html {{ {font(f['body'])} font-size: {g.body_pt}pt; }}
body {{ margin: 0; }}
p, h2, h3, h4 {{ margin: 0; font-size: {g.body_pt}pt; line-height: {g.line_pt}pt; text-indent: {g.indent_pt:.2f}pt;
  letter-spacing: {ls}pt; word-spacing: {(auto - SPACE_EM) * g.body_pt - 1.5 * ls:.3f}pt;
  text-align: left; orphans: 1; widows: 1; }}  /* WeasyPrint justifies by widening spaces only: the autospace would gape */
wbr {{ letter-spacing: normal; }}
.r, .t {{ line-height: 1; }}  /* text boxes inside the line's own height: the line pitch stays exact */
p:not([class]), p.flush, h2, h3, h4 {{ padding-right: {-ls}pt; }}
p:not([class]) > .r, p.flush > .r, p.sign > .r, h2 > .r, h3 > .r, h4 > .r {{ margin-right: {-ls}pt; }}
h2 {{ {font(f['heading1'])} }}
h3 {{ {font(f['heading2'])} }}
h4 {{ {font(f['heading3'])} font-weight: 700; }}
h2, h3, h4 {{ break-after: avoid; }}
.masthead {{ {font(f['masthead'])} color: {red}; text-align: center; text-indent: 0; letter-spacing: 0; {ws0} }}
.number {{ text-align: center; text-indent: 0; letter-spacing: 0; {ws0} font-size: {s['number']}pt; }}
.issue-line {{ text-align: left; text-indent: 0; letter-spacing: 0; {ws0} font-size: {s['number']}pt; }}
.issue-line .right {{ float: right; white-space: nowrap; }}
.rule {{ border-bottom: {c['rules_pt']['separator']}pt solid {red}; padding-bottom: {rule_space_pt()}pt; }}
.title {{ {font(f['title'])} font-size: {s['title']}pt; line-height: {c['title_line_pt']}pt; text-align: center;
  text-indent: 0; letter-spacing: 0; {ws0} }}
.flush {{ text-indent: 0; }}
[data-keep="last"] {{ widows: 2; orphans: 2; break-after: avoid; }}
[data-keep="next"] {{ break-after: avoid; }}
.sign {{ text-align: right; text-indent: 0; padding-right: {c['signature_right_chars'] * g.char_pt:.2f}pt; }}
.label {{ {font(f['attachment_label'])} text-indent: 0; letter-spacing: 0; {ws0} text-align: left; }}
.att-title {{ {font(f['title'])} font-size: {s['attachment_title']}pt; line-height: {c['title_line_pt']}pt;
  text-align: center; text-indent: 0; letter-spacing: 0; {ws0} }}
section.attachment {{ break-before: page; }}
section.landscape {{ page: landscape; }}
table {{ border-collapse: collapse; margin: 0 auto; table-layout: fixed; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border: 0.5pt solid #000; padding: 0 {c['table']['cell_padding_pt']}pt; text-indent: 0; letter-spacing: 0; {ws0}
  vertical-align: top; text-align: left; font-weight: 400; overflow-wrap: anywhere; }}
th {{ text-align: center; font-weight: 700; }}
td.num {{ text-align: right; }}
td.keep {{ white-space: nowrap; }}
.note {{ text-indent: 0; letter-spacing: 0; {ws0} break-before: avoid; }}
.banji-page {{ break-before: left; page: banji; }}
@page banji {{ @bottom-left {{ content: none; }} @bottom-right {{ content: none; }} }}
@page :blank {{ @bottom-left {{ content: none; }} @bottom-right {{ content: none; }} }}
@page landscape:blank {{ @left-top {{ content: none; }} }}
.banji-space {{ height: {banji_spacer_pt(2):.2f}pt; }}
.banji {{ width: 100%; border-collapse: collapse; font-size: {s['banji']}pt; table-layout: fixed; }}
.banji td {{ border: none; height: {g.line_pt - c['rules_pt']['banji_outer']:.2f}pt; padding: 0 {s['banji']}pt; white-space: nowrap; vertical-align: middle;
  border-top: {c['rules_pt']['banji_inner']}pt solid #000; line-height: 1; }}
.banji tr:first-child td {{ border-top: {c['rules_pt']['banji_outer']}pt solid #000; }}
.banji tr:last-child td {{ border-bottom: {c['rules_pt']['banji_outer']}pt solid #000; }}
.banji td.right {{ text-align: right; }}
::footnote-call {{ content: none; }}
.next-page {{ break-before: page; }}
::footnote-marker {{ content: none; }}
"""


def e(text, spaced: bool = False) -> str:
    """Escaped, and without control characters (one of them makes the PDF lose every Latin glyph). Set as
    LibreOffice sets it (``textflow``): between Chinese and a Latin letter or digit a space as wide as the
    autospace, which vanishes where the line breaks, as the autospace does; a break opportunity
    (``<wbr>``) where LibreOffice may break and CSS would not. In letter-spaced body text (``spaced``) each
    script run is a ``span.r``, ended without letter spacing as LibreOffice ends a run."""
    out = []
    for run, after in runs(safe(text)):
        space = " " if after == "space" else ""  # inside the span: a lone space between spans would not hang
        out.append(f'<span class="r">{html.escape(run)}{space}</span>' if spaced else html.escape(run) + space)
        out.append("<wbr>" if after == "break" else "")
    # always in spans (line-height 1): text straight in a block would make the line taller than its line pitch
    return "".join(out) if spaced else f'<span class="t">{"".join(out)}</span>'


def body_e(text) -> str:
    """``e`` for the letter-spaced body text (paragraphs, headings, 主送, the 附件 list, 落款)."""
    return e(text, spaced=True)


def head(d: OfficialDocument) -> str:
    c, g = config(), geometry()
    size, scale = masthead_pt(d.masthead, d.kind), masthead_scale(d.masthead, d.kind)
    # narrowed (字符缩放) as the docx's w:w: a block as wide as the name at full width, centred on the type area
    # and scaled about its centre (a transform leaves the layout alone)
    wide = max(g.type_w, width_chars(d.masthead) * size / MM + 1)
    narrow = f"width:{wide:.2f}mm; margin-left:{(g.type_w - wide) / 2:.2f}mm; transform:scaleX({scale / 100}); " \
        if scale < 100 else ""
    out = [f'<p class="masthead" style="{narrow}font-size:{size}pt; line-height:{size * c["masthead_line_factor"]:.2f}pt; '
           f'margin-top:{masthead_space_before_pt(d.kind, size)}pt">{e(d.masthead)}</p>']
    if d.short_form:
        if d.number:
            out.append(f'<p class="number">{e(d.number)}</p>')
        out.append(f'<p class="issue-line rule"><span class="right">{e(d.date_text)}</span>{e(d.issuer)}</p>')
    else:
        out.append(f'<p class="number rule" style="margin-top:{c["number_blank_lines"] * g.line_pt:.2f}pt">'
                   f'{e(d.number) if d.number else "&nbsp;"}</p>')
    out += ['<p class="number">&nbsp;</p>'] * c["title_blank_lines"]
    return "\n".join(out)


def title_html(text: str, cls: str, landscape: bool = False) -> str:
    """The title on the lines ``layout.title_lines`` chose, as the docx has them."""
    return f'<p class="{cls}">' + "<br>".join(e(line) for line in title_lines(text, landscape=landscape)) + "</p>"


def body(d: OfficialDocument) -> str:
    g = geometry()
    out = [title_html(d.title, "title"), "<p>&nbsp;</p>"]
    if d.recipients:
        out.append(f'<p class="flush">{body_e(d.recipients + "：")}</p>')
    # the 落款 never stands alone: the body's last two lines go with it (docs/rendering.md §11)
    keep, last = len(d.blocks) - kept_with_signature([b.text for b in d.blocks]), ' data-keep="last"'
    out += [f"<{TAGS[b.level]}{last if i >= keep else ''}>{body_e(b.text)}</{TAGS[b.level]}>"
            for i, b in enumerate(d.blocks)]
    if d.attachments:
        out.append('<p data-keep="next">&nbsp;</p>')
        for i, line in enumerate(d.attachment_list(), 1):
            left = g.indent_pt + (0 if i == 1 else 3 * g.char_pt)
            out.append(f'<p class="flush" data-keep="next" style="padding-left:{left:.2f}pt">{body_e(line)}</p>')
    out += ['<p data-keep="next">&nbsp;</p>'] * 2
    if d.issuer:
        out.append(f'<p class="sign" style="break-after: avoid; padding-right:{signature_indents_pt(d.issuer, d.date_text)[0]}pt">'
                   f'{body_e(d.issuer)}</p>')
    out.append(f'<p class="sign" style="padding-right:{signature_indents_pt(d.issuer, d.date_text)[1]}pt">'
               f'{body_e(d.date_text)}</p>')
    return "\n".join(out)


def table(df, plan) -> str:
    q = '"'
    cols = "".join(f'<col style="width:{w}mm">' for w in plan.widths_mm)
    style = f"font-size:{plan.font_pt}pt; line-height:{plan.line_pt}pt; width:{sum(plan.widths_mm):.2f}mm"
    head_ = "".join("<th>" + "<br>".join(e(x) for x in (plan.headers[i] if plan.headers else [c])) + "</th>"
                    for i, c in enumerate(df.columns))
    cls = [" ".join((["num"] if plan.numeric[i] else []) + (["keep"] if plan.keeps(i) else [])) for i in range(len(df.columns))]
    rows = "".join("<tr>" + "".join(f'<td{f" class={q}{cls[i]}{q}" if cls[i] else ""}>'
                                    + "<br>".join(e(x) for x in cell_pieces(cell_text(v), i, plan)) + "</td>"
                                    for i, v in enumerate(r)) + "</tr>" for r in df.itertuples(index=False))
    return f'<table style="{style}"><colgroup>{cols}</colgroup><thead><tr>{head_}</tr></thead><tbody>{rows}</tbody></table>'


def attachments(d: OfficialDocument) -> str:
    out = []
    for i, a in enumerate(d.attachments, 1):
        plan = table_plan(a.table)
        note = f'<p class="note" style="font-size:{plan.font_pt}pt">{e(a.note)}</p>' if a.note else ""
        tables = "".join(('<div class="next-page">' if n else "<div>") + table(a.table.iloc[c.start:c.stop], plan)
                         + "</div>" for n, c in enumerate(chunks(a, plan)))  # one page each (paging.py)
        out.append(f'<section class="attachment{" landscape" if plan.landscape else ""}">'
                   f'<p class="label">{d.attachment_label(i)}</p><p>&nbsp;</p>{title_html(a.title, "att-title", plan.landscape)}'
                   f'{tables}{note}</section>')
    return "\n".join(out)


def banji(d: OfficialDocument) -> str:
    """版记 (7.4) alone on the last page, an even one (``break-before: left``, a blank page before it when
    needed, as the docx's even-page section), its last rule on the type area's foot; no page number."""
    rows = ([(f"抄送：{'，'.join(d.cc)}。", "")] if d.cc else []) + ([(d.printer, f"{d.date_text}印发")] if d.printer else [])
    if not rows:
        return ""
    body_ = "".join((f'<tr><td colspan="2">{e(a)}</td></tr>' if not b else
                     f'<tr><td>{e(a)}</td><td class="right">{e(b)}</td></tr>') for a, b in rows)
    space = f'<div class="banji-space" style="height:{banji_spacer_pt(len(rows)):.2f}pt"></div>'
    cols = "".join(f'<col style="width:{w}mm">' for w in banji_widths_mm(next((b for _, b in rows if b), "")))
    return f'<section class="banji-page">{space}<table class="banji"><colgroup>{cols}</colgroup>{body_}</table></section>'


def turned_numbers() -> str:
    """The page numbers of landscape pages (running elements the landscape pages' margin boxes show)."""
    dash = html.escape(config()["page_number"]["dash"])
    return "".join(f'<div class="pn pn-{k}"><span class="turn">{dash} <span class="n"></span> {dash}</span></div>'
                   for k in ("odd", "even"))


def to_html(d: OfficialDocument) -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(safe(d.title))}</title>'
            f"<style>{css()}</style></head><body>{turned_numbers()}{head(d)}{body(d)}{attachments(d)}{banji(d)}</body></html>")


def write_html(d: OfficialDocument, path: Path | str) -> Path:
    """The document's HTML, for ``html_to_pdf`` in a process whose fonts are already loaded (the runner)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(to_html(d), encoding="utf-8")
    return path


def html_to_pdf(html_text: str, path: Path | str) -> Path:
    """Render with WeasyPrint to ``path`` atomically (fonts embedded, subset)."""
    from alxa_lib.reports.rendering.weasy import weasyprint
    HTML = weasyprint().HTML
    path = Path(path)
    with atomic_path(path) as tmp:
        HTML(string=html_text).write_pdf(str(tmp))
    return path


def write_pdf(d: OfficialDocument, path: Path | str) -> Path:
    """Render the document to ``path`` atomically with WeasyPrint."""
    return html_to_pdf(to_html(d), path)
