"""The 公文 measured on the page, in both renderings (docs/rendering.md §11, "Measured check").

The brief (2025-06-28), the quarterly 通报 (2025Q2) and the year-end 通报 of the sample year are read with
pdfplumber twice: the project's PDF, and LibreOffice's PDF of the docx (standing in for WPS/Word). Every
page is held to GB/T 9704-2012 as params/document.yaml writes it down (``scripts/office_measure.py``
does the measuring). LibreOffice (Debian ``libreoffice-writer-nogui``) is installed by
``scripts/install_system_deps.sh``; without it these tests are skipped, saying so.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alxa_lib import params
from alxa_lib.reports.official.layout import MM, title_lines

from conftest import built_once

DOC = params.load("document")
KINDS = ("brief", "quarter", "annual")
RENDERINGS = ("ours", "office")


def _measure():
    path = Path(__file__).resolve().parents[1] / "scripts" / "office_measure.py"
    spec = importlib.util.spec_from_file_location("office_measure", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("office_measure", mod)
    spec.loader.exec_module(mod)
    return mod


om = _measure()
OFFICE_PDF = om.OFFICE_PDF


@pytest.fixture(scope="session")
def renderings(reports_out, evaluation_documents, pristine_ledger, tmp_path_factory) -> dict:
    """{kind: (document, {"ours": pages, "office": pages})}: LibreOffice converts the docx once a run (the three
    documents, and the brief of 2025-09-28 for the 落款's page)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed: scripts/install_system_deps.sh installs "
                    "libreoffice-writer-nogui when run as root")
    files = {"brief": (reports_out["brief"]["docx"], reports_out["brief"]["gwpdf"]),
             "quarter": (evaluation_documents["quarter"][1]["docx"], evaluation_documents["quarter"][1]["gwpdf"]),
             "annual": (evaluation_documents["annual"][1]["docx"], evaluation_documents["annual"][1]["gwpdf"])}

    def convert(out: Path) -> dict:
        done = {}
        shutil.copytree(pristine_ledger[0], out / "ledger", ignore=shutil.ignore_patterns(".result.pickle"))
        files["brief0928"] = brief_0928(out / "ledger" / "alxa.duckdb", out)
        for kind, (docx, _) in files.items():  # distinct names: one soffice run converts them all
            shutil.copy(docx, out / f"{kind}.docx")
        subprocess.run([soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
                        "--convert-to", OFFICE_PDF, "--outdir", str(out), *[str(out / f"{k}.docx") for k in files]],
                       check=True, capture_output=True, timeout=600)
        for kind in files:
            done[kind] = out / f"{kind}.pdf"
        return done

    folder, office = built_once(tmp_path_factory, "office-pdfs", convert)
    files["brief0928"] = (folder / "brief0928-ours.docx", folder / "brief0928-ours.pdf")
    docs = {"brief": None, "quarter": evaluation_documents["quarter"][0], "annual": evaluation_documents["annual"][0],
            "brief0928": None}
    return {k: (docs[k], {"ours": om.read(files[k][1]), "office": om.read(office[k])}) for k in files}


def brief_0928(db: Path, out: Path) -> tuple[Path, Path]:
    """The brief of 2025-09-28 as a 公文 (docx + PDF): there the 落款 once stood alone on page 4."""
    import datetime as dt

    from alxa_lib.reports import official
    from alxa_lib.reports.content.brief import build_brief
    from alxa_lib.reports.official.brief_text import brief_document
    from alxa_lib.reports.running import sources
    day = dt.date(2025, 9, 28)
    data, findings = sources.brief_inputs(db, day)
    paths = (out / "brief0928-ours.docx", out / "brief0928-ours.pdf")
    official.write(brief_document(build_brief(data, day, findings), data, 13), *paths)
    return paths


def pages_of(renderings, kind, rendering):
    return renderings[kind][1][rendering]


def type_area() -> tuple[float, float, float, float]:
    m, page = DOC["margins_mm"], DOC["page_mm"]
    return m["left"], m["top"], page["width"] - m["right"], page["height"] - m["bottom"]


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_masthead_top_edge_where_the_standard_puts_it(renderings, kind, rendering):
    """发文机关标志: its top edge ``masthead.top_below_type_area_mm`` below the type area's top (35 mm for
    the 文件 form, 7.2.4), within 1 mm."""
    want = DOC["margins_mm"]["top"] + DOC["masthead_geometry"][kind]["top_below_type_area_mm"]
    top = om.masthead_top(pages_of(renderings, kind, rendering))
    assert abs(top - want) <= 1.0, f"{kind} ({rendering}): masthead top {top:.1f} mm, standard {want} mm"


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_masthead_size_and_width_from_params(renderings, kind, rendering):
    """The 文件 form's 发文机关标志 is large (``size_pt``, 初号 42 pt: 14.8 mm) and narrowed to at most
    ``max_width_mm`` (150 mm: 15 characters × 14.8 mm × 67 % = 148.9 mm), centred on the type area; the 简报
    form keeps the largest size that fits one line (28.5 pt)."""
    line = om.masthead_line(pages_of(renderings, kind, rendering))
    geo, name = DOC["masthead_geometry"][kind], DOC["masthead"][kind]
    size = geo.get("size_pt") or 28.5
    want = {"brief": 150.8, "quarter": 148.9, "annual": 148.9}[kind]  # by hand, as in the docstring
    left, _, right, _ = type_area()
    where = f"{kind} ({rendering})"
    assert line.squeezed == name and abs(line.size - size) <= 0.6, f"{where}: {line.squeezed} at {line.size} pt"
    assert abs((line.x1 - line.x0) - want) <= 1.0, f"{where}: {line.x1 - line.x0:.1f} mm wide, want {want}"
    assert line.x1 - line.x0 <= geo.get("max_width_mm", right - left)
    assert abs((line.x0 + line.x1) / 2 - (left + right) / 2) <= 1.0, f"{where}: not centred ({line.x0:.1f}–{line.x1:.1f})"


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_title_lines_keep_their_words(renderings, kind, rendering):
    pages = pages_of(renderings, kind, rendering)
    lines = om.title_lines(pages, DOC["sizes_pt"]["title"])
    title = "".join(lines)
    assert lines == title_lines(title), f"{kind} ({rendering}): {lines}"
    assert lines[-1] not in ("通报", "的通报") and not any(ln.startswith("的") for ln in lines)


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_tables_never_split_a_number_an_id_a_date_or_a_word(renderings, kind, rendering):
    defects = om.table_defects(pages_of(renderings, kind, rendering))
    assert defects == [], f"{kind} ({rendering}): {len(defects)} defects, e.g. {defects[:5]}"


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_page_numbers_at_the_outer_corner_7mm_below_the_type_area(renderings, kind, rendering):
    """Every numbered page (landscape ones included, measured on the bound sheet): the number's top 7 mm
    below the type area, odd pages one character in from the right, even pages from the left."""
    pages = pages_of(renderings, kind, rendering)
    left, _, right, bottom = type_area()
    inset = DOC["page_number"]["inset_chars"] * DOC["sizes_pt"]["page_number"] / MM
    want_top = bottom + DOC["page_number"]["below_type_area_mm"]
    numbered = [p for p in pages if om.page_number(p) is not None]
    assert len(numbered) >= len(pages) - 2  # only the 版记 page and a blank page before it may go without
    for p in numbered:
        ln = om.page_number(p)
        assert int(om.PAGE_NUMBER.match(ln.text.strip()).group(1)) == p.number
        where = f"{kind} ({rendering}) p{p.number}{' landscape' if p.landscape else ''}"
        assert abs(ln.top - want_top) <= 1.0, f"{where}: top {ln.top:.1f} mm, want {want_top:.1f}"
        if p.number % 2:
            assert abs(ln.x1 - (right - inset)) <= 1.0, f"{where}: right end {ln.x1:.1f} mm, want {right - inset:.1f}"
        else:
            assert abs(ln.x0 - (left + inset)) <= 1.0, f"{where}: left end {ln.x0:.1f} mm, want {left + inset:.1f}"


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_banji_last_rule_on_the_type_area_foot_of_an_even_page(renderings, kind, rendering):
    pages = pages_of(renderings, kind, rendering)
    _, _, _, bottom = type_area()
    assert len(pages) % 2 == 0, f"{kind} ({rendering}): the 版记 is on page {len(pages)}, an odd page"
    rule = om.banji_last_rule(pages)
    assert rule is not None and abs(rule - bottom) <= 1.0, f"{kind} ({rendering}): last rule at {rule} mm, foot {bottom}"


@pytest.mark.parametrize("kind", KINDS + ("brief0928",))
def test_the_two_renderings_agree_line_by_line(renderings, kind):
    ours, office = pages_of(renderings, kind, "ours"), pages_of(renderings, kind, "office")
    problems = om.compare_lines(ours, office)
    assert problems == [], f"{kind}: {problems[:4]}"


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_signature_with_a_seal_centres_the_office_over_the_date(renderings, kind, rendering):
    """落款 per 7.3.5.1 (params ``seal: true``): the date four characters in from the right, the office centred
    over it, on one page."""
    assert DOC["seal"] is True
    office, date = om.signature(pages_of(renderings, kind, rendering), DOC["issuer"])
    _, _, right, _ = type_area()
    char = (right - type_area()[0]) / DOC["grid"]["chars_per_line"]
    assert abs(date.x1 - (right - DOC["signature_right_chars"] * char)) <= 1.0, f"{kind} ({rendering}): {date.x1:.1f}"
    assert abs((office.x0 + office.x1) / 2 - (date.x0 + date.x1) / 2) <= 1.0


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", KINDS + ("brief0928",))
def test_the_signature_never_stands_alone_with_the_attachment_list(renderings, kind, rendering):
    """The 落款 (and the 附件说明 above it) share their page with at least two lines of body text: the last
    paragraph's last lines go with them (on 2025-09-28 the brief's page 4 held only the 附件说明 and the 落款;
    the quarterly's page 3 only the 落款)."""
    page, lines = om.lines_before_signature(pages_of(renderings, kind, rendering), DOC["issuer"])
    assert lines >= 2, f"{kind} ({rendering}): page {page} has {lines} body lines above the 附件说明 and 落款"


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("kind", ("brief", "brief0928"))
def test_a_gap_in_percentage_points_has_one_decimal_and_a_hyphen_minus(renderings, kind, rendering):
    """附件2's 与时间进度比较（百分点）: the rates are printed to one decimal, so is their gap ("-15.3", never
    "-15.30"), a negative one with "-" (table.decimals in params; docs/rendering.md §11)."""
    cells = []
    for pg in pages_of(renderings, kind, rendering):
        for t in pg.tables:
            head = [(h or "").replace("\n", "") for h in t[0]]
            col = next((i for i, h in enumerate(head) if "百分点" in h), None)
            cells += [row[col] for row in t[1:] if col is not None and row[col]]
    assert cells and any(c.startswith("-") for c in cells), f"{kind} ({rendering}): no gap column found"
    bad = [c for c in cells if not re.fullmatch(r"-?\d+\.\d", c)]
    assert bad == [], f"{kind} ({rendering}): {bad[:5]}"
