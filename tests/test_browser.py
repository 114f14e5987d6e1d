"""Every report of the sample year opened in a real browser (Debian's headless Chromium through Selenium and
chromium-driver) at a desktop width (1280 px) and a phone's (390 px): what a leader sees on a phone and what
the browser prints (docs/rendering.md §12).

One browser for the module and one page load per report and width; every measurement of a load is taken
at once and the tests below read them. Screenshots of each report at both widths, and the browser's print of
each, are kept under ``outputs/browser/`` for a person to look at (not committed).
"""
from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest

KINDS = ("brief", "quarter", "annual", "investigate", "meeting")
WIDTHS = (1280, 390)
PHONE = 390
ARTEFACTS = Path(__file__).resolve().parents[1] / "outputs" / "browser"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401
    SELENIUM = True
except ImportError:
    SELENIUM = False

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER and SELENIUM),
    reason="no headless Chromium here: scripts/install_system_deps.sh installs Debian's chromium and "
           "chromium-driver as root (make setup), selenium comes with the test extra "
           f"(found chromium={CHROMIUM}, chromedriver={DRIVER}, selenium={SELENIUM})")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900")

# Measured in the page after it has loaded. A "typed" cell holds a number, a rate, a date or an id: ASCII
# without spaces (250,000.00 · 45.2% · 2025-06-28 · 2025-ZD-001 · 3/1/0). Its text must sit on one line
# (one line box: the client rects of its text share one top) and fit its cell.
MEASURE = r"""
const TYPED = /^[-+]?[0-9][0-9,]*(\.[0-9]+)?%?$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$|^[A-Za-z0-9][A-Za-z0-9_.\/-]*$/;
const root = document.documentElement;
const out = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, typed: 0, wrapped: [], spilled: [],
             chartText: [], lang: root.getAttribute('lang'), h1: [...document.querySelectorAll('h1')].map(h => [h.className, h.textContent]),
             unheaded: [...document.querySelectorAll('main table')].filter(t => !t.querySelector('thead th')).length,
             noScope: [...document.querySelectorAll('main th')].filter(th => !th.getAttribute('scope')).length,
             bodyHeight: root.scrollHeight};
for (const cell of document.querySelectorAll('td, th, .alxa-nowrap')) {  // and dates, ids in running text
  const text = cell.textContent.trim();
  if (!text || !TYPED.test(text) || cell.closest('thead')) continue;
  const r = cell.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;           // inside a closed <details>
  out.typed += 1;
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
  if (tops.size > 1) out.wrapped.push(text);
  if (cell.scrollWidth > cell.clientWidth + 1) out.spilled.push(text);
}
for (const svg of document.querySelectorAll('.alxa-figure svg')) {
  const box = svg.viewBox && svg.viewBox.baseVal;
  const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    out.chartText.push([t.textContent.trim().slice(0, 20), parseFloat(getComputedStyle(t).fontSize) * scale]);
  }
}
// WCAG AA: every text's colour against the background it sits on (its own or the nearest painted ancestor's).
const rgb = c => (c.match(/[0-9.]+/g) || []).map(Number);
const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                             return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const ground = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                                                            if (c.length === 3 || c[3] > 0) return c.slice(0, 3); }
                        return [255, 255, 255]; };
out.lowContrast = [];
for (const el of document.querySelectorAll('main *')) {
  if (el.closest('svg') || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const st = getComputedStyle(el);
  const a = lum(rgb(st.color)), b = lum(ground(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && Number(st.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) out.lowContrast.push([el.textContent.trim().slice(0, 12), st.color, ratio.toFixed(2)]);
}
return out;
"""


def _pdf_pages(pdf: bytes) -> list[tuple[float, float, str]]:
    """Each page's width and height in pt, and its text."""
    from pypdf import PdfReader
    return [(float(p.mediabox.width), float(p.mediabox.height), p.extract_text() or "")
            for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="alxa-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.execute_cdp_cmd("Network.enable", {})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _load(driver, page: Path, width: int) -> dict:
    """Open ``page`` at ``width`` CSS px (390: as a phone, viewport meta honoured) and measure it."""
    import base64
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 844 if width == PHONE else 900, "deviceScaleFactor": 1, "mobile": width == PHONE})
    driver.get_log("browser"), driver.get_log("performance")  # drain what earlier loads left
    url = page.resolve().as_uri()
    driver.get(url)
    driver.execute_script("return document.fonts.ready.then(() => true)")
    seen = driver.execute_script(MEASURE)
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    seen["requests"] = sorted({e["params"]["request"]["url"] for e in events
                               if e["method"] == "Network.requestWillBeSent"} - {url})
    seen["console"] = [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    # The whole page as one picture, for a person to look at.
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(seen["bodyHeight"], 16000), "scale": 1}})
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"{page.stem}_{width}.png").write_bytes(base64.b64decode(shot["data"]))
    if width != PHONE:
        # The browser's own print, paper from the page's @page rule (Chromium's default would be US Letter).
        pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {
            "preferCSSPageSize": True, "printBackground": True})["data"])
        (ARTEFACTS / f"{page.stem}_print.pdf").write_bytes(pdf)
        seen["pdf_pages"] = _pdf_pages(pdf)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return seen


@pytest.fixture(scope="module")
def loaded(browser, reports_out) -> dict:
    return {(kind, width): _load(browser, reports_out[kind]["html"], width) for kind in KINDS for width in WIDTHS}


CASES = [pytest.param(kind, width, id=f"{kind}-{width}") for kind in KINDS for width in WIDTHS]


@pytest.mark.parametrize("kind,width", CASES)
def test_no_page_level_horizontal_scrolling(loaded, kind, width):
    """The page itself never scrolls sideways; a wide table scrolls inside its own box."""
    seen = loaded[kind, width]
    assert seen["scrollWidth"] <= seen["clientWidth"], (seen["scrollWidth"], seen["clientWidth"])


@pytest.mark.parametrize("kind,width", CASES)
def test_numbers_ids_and_dates_stay_on_one_line(loaded, kind, width):
    """250,000.00 never reads "25 / 0, / 00 / 0. / 00": every number, rate, date and id cell is one line
    and fits its cell."""
    seen = loaded[kind, width]
    assert seen["typed"] > 0
    assert not seen["wrapped"], f"{len(seen['wrapped'])} of {seen['typed']} typed cells wrap: {seen['wrapped'][:8]}"
    assert not seen["spilled"], f"{len(seen['spilled'])} typed cells spill out of their cell: {seen['spilled'][:8]}"


@pytest.mark.parametrize("kind", KINDS)  # every report has a chart (the meeting pack: promises kept)
def test_chart_text_is_legible_on_a_phone(loaded, kind):
    """Charts are drawn for the width they are shown at (reports/rendering/theme.py): no label under 11 CSS px
    on a phone 390 px wide."""
    texts = loaded[kind, PHONE]["chartText"]
    assert texts
    small = [(t, round(px, 1)) for t, px in texts if px < 11]
    assert not small, f"{len(small)} of {len(texts)} chart labels under 11 px at {PHONE} px: {small[:6]}"


@pytest.mark.parametrize("kind,width", CASES)
def test_the_page_asks_nothing_of_the_network_and_logs_no_error(loaded, kind, width):
    seen = loaded[kind, width]
    assert [u for u in seen["requests"] if not u.startswith("data:")] == []
    assert seen["console"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_browser_prints_a4(loaded, kind):
    """Printed from the browser (paper from the page's own CSS), every page is A4 as in the PDF: portrait, and
    landscape for a table too wide for portrait, the brief's 附表 (Chromium's own default would be US Letter)."""
    pages = loaded[kind, 1280]["pdf_pages"]
    a4 = [sorted((round(w), round(h))) == [595, 842] for w, h, _ in pages]
    assert pages and all(a4) and pages[0][0] < pages[0][1], [p[:2] for p in pages]


def test_the_browser_prints_the_brief_appendix_landscape_with_its_header_on_every_page(loaded):
    """The brief's 附表 (too wide for a portrait page) is printed landscape, starting with its heading, and
    repeats its header row on every page; the rest of the brief is portrait."""
    pages = loaded["brief", 1280]["pdf_pages"]
    landscape = [text for w, h, text in pages if w > h]
    assert landscape and all(w < h for w, h, _ in pages[:-len(landscape)])
    assert landscape[0].startswith("附表")
    assert all("建设性质" in text and "存在问题" in text for text in landscape)  # the header row, every page


@pytest.mark.parametrize("kind,width", CASES)
def test_the_page_says_its_language_its_title_and_its_table_headers(loaded, kind, width):
    """lang="zh-CN"; the report's title is the page's one <h1>; every table has a header row of <th scope>."""
    seen = loaded[kind, width]
    assert seen["lang"] == "zh-CN"
    assert len(seen["h1"]) == 1 and seen["h1"][0][0] == "alxa-title" and seen["h1"][0][1].strip()
    assert seen["unheaded"] == 0 and seen["noScope"] == 0


@pytest.mark.parametrize("kind,width", CASES)
def test_every_text_meets_aa_contrast(loaded, kind, width):
    """Every colour a report uses for text reads at 4.5:1 or better on its background, striped rows included
    (the yellow light's #b26a00 was 3.89:1 on a striped row)."""
    low = loaded[kind, width]["lowContrast"]
    assert not low, low[:6]
