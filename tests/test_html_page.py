"""The report page written from an executed notebook (alxa_lib/reports/rendering/html_page.py, docs/rendering.md §5)."""
from __future__ import annotations

from alxa_lib.reports.rendering.html_page import page


def _nb(*cells: dict) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def _code(*outputs: dict, source: str = "secret_code = 1") -> dict:
    return {"cell_type": "code", "source": source, "outputs": list(outputs), "metadata": {}}


def test_outputs_and_narrative_without_code():
    html = page(_nb({"cell_type": "markdown", "source": ["## 一、总体情况\n", "**说明**：正文"]},
                    _code({"output_type": "display_data", "data": {"text/html": "<table class='alxa-table'></table>",
                                                                   "text/plain": "x"}})), "通报 <2025>")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh">' in html
    assert "<title>通报 &lt;2025&gt;</title>" in html
    assert "<h2>一、总体情况</h2>" in html and "<strong>说明</strong>" in html
    assert "<table class='alxa-table'></table>" in html and "secret_code" not in html
    assert "http://" not in html and "https://" not in html and "<script" not in html and "<link" not in html


def test_plain_text_is_escaped_and_warnings_stay_out():
    html = page(_nb(_code({"output_type": "stream", "name": "stdout", "text": ["<b>科室</b>\n"]},
                          {"output_type": "stream", "name": "stderr", "text": "FutureWarning: pandas"},
                          {"output_type": "execute_result", "data": {"text/plain": "<script>alert(1)</script>"}})),
                "t")
    assert "<pre>&lt;b&gt;科室&lt;/b&gt;\n</pre>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "FutureWarning" not in html


def test_images_stay_inside_the_page():
    html = page(_nb(_code({"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=\n"}},
                          {"output_type": "display_data", "data": {"image/svg+xml": ["<svg viewBox='0 0 1 1'>", "</svg>"]}})),
                "t")
    assert "<img src='data:image/png;base64,iVBORw0KGgo=' alt=''/>" in html
    assert "<div class='alxa-figure'><svg viewBox='0 0 1 1'></svg></div>" in html


def test_an_appendix_starts_a_new_page_and_empty_cells_leave_nothing():
    html = page(_nb({"cell_type": "markdown", "source": "## 附表 项目明细"}, _code(),
                    {"cell_type": "markdown", "source": "附表见后（正文，不是标题）。"}), "t")
    assert html.count('class="alxa-markdown alxa-appendix"') == 1
    assert html.count("alxa-output") == 0
    css = html[html.index("<style>"):html.index("</style>")]
    assert ".alxa-appendix { page-break-before: always; break-before: page; }" in css


LOAD_AND_RECORD_SPAWNS = """
import json, subprocess, sys
spawned = []
real_init = subprocess.Popen.__init__
def recording_init(self, args, *a, **k):
    spawned.append(args if isinstance(args, str) else [str(x) for x in args])
    real_init(self, args, *a, **k)
subprocess.Popen.__init__ = recording_init
from alxa_lib.reports.rendering.weasy import weasyprint
wp = weasyprint()
import ctypes.util
print(json.dumps({"spawned": spawned, "html": hasattr(wp, "HTML"),
                  "restored": ctypes.util.find_library.__module__ == "ctypes.util"}))
"""


def test_weasyprint_loads_with_one_library_listing_and_no_compiler():
    """Loading WeasyPrint used to run ldconfig, gcc and ld for each of 22 library names (about 0.2 s of CPU
    in every PDF); now one ``ldconfig -p`` listing answers them all, and ctypes is left as it was."""
    import json
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", LOAD_AND_RECORD_SPAWNS], capture_output=True, text=True,
                          check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["html"] and got["restored"]
    assert len(got["spawned"]) == 1 and got["spawned"][0][-1] == "-p" and "ldconfig" in got["spawned"][0][0]


def test_the_library_listing_answers_as_ctypes_does():
    from alxa_lib.reports.rendering.weasy import soname_finder
    listing = ("\t3 libs found in cache `/etc/ld.so.cache'\n"
               "\tlibpango-1.0.so.0 (libc6) => /usr/lib/i386-linux-gnu/libpango-1.0.so.0\n"
               "\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpango-1.0.so.0\n"
               "\tlibpangoft2-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpangoft2-1.0.so.0\n")
    find = soname_finder(listing, "x86_64-64")
    assert find("pango-1.0") == "libpango-1.0.so.0" and find("pangoft2-1.0") == "libpangoft2-1.0.so.0"
    assert find("libpango-1.0-0") is None and find("pango-1.0-0") is None  # cffi then tries the next name
    assert soname_finder(listing.replace("x86-64", "IA-64"), "x86_64-64")("pango-1.0") is None  # another ABI
