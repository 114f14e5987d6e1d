"""The report page and its PDF as nbconvert exporters (alxa_lib/reports/rendering/exporters.py, docs/rendering.md
§5–§6): outputs and narrative without code, offline, lang="zh-CN", help cells left out; and an analyst's own
notebook exported with one ``jupyter nbconvert`` command."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from alxa_lib.reports.rendering.exporters import AlxaHTMLExporter


def page(nb, title: str) -> str:
    nb.metadata["title"] = title
    return AlxaHTMLExporter().from_notebook_node(nb)[0]


def _nb(*cells) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells))


def _code(*outputs, source: str = "secret_code = 1"):
    return new_code_cell(source, outputs=list(outputs))


def test_outputs_and_narrative_without_code():
    html = page(_nb(new_markdown_cell("## 一、总体情况\n**说明**：正文"),
                    _code(new_output("display_data", data={"text/html": "<table class='alxa-table'></table>",
                                                           "text/plain": "x"}))), "通报 <2025>")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "<title>通报 &lt;2025&gt;</title>" in html
    assert "<h2>一、总体情况</h2>" in html and "<strong>说明</strong>" in html
    assert "<table class='alxa-table'></table>" in html and "secret_code" not in html
    assert "http://" not in html and "https://" not in html and "<script" not in html and "<link" not in html
    assert "In [" not in html and "jp-" not in html  # no prompts, none of JupyterLab's screen markup


def test_plain_text_is_escaped_and_warnings_stay_out():
    html = page(_nb(_code(new_output("stream", name="stdout", text="<b>科室</b>\n"),
                          new_output("stream", name="stderr", text="FutureWarning: pandas"),
                          new_output("execute_result", data={"text/plain": "<script>alert(1)</script>"},
                                     execution_count=1))), "t")
    assert "<pre>&lt;b&gt;科室&lt;/b&gt;\n</pre>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "FutureWarning" not in html


def test_images_stay_inside_the_page():
    html = page(_nb(_code(new_output("display_data", data={"image/png": "iVBORw0KGgo=\n"}),
                          new_output("display_data", data={"image/svg+xml": "<svg viewBox='0 0 1 1'></svg>"}))), "t")
    assert "<img src='data:image/png;base64,iVBORw0KGgo=' alt=''/>" in html
    assert "<div class='alxa-figure'><svg viewBox='0 0 1 1'></svg></div>" in html


def test_an_appendix_starts_a_new_page_and_empty_cells_leave_nothing():
    html = page(_nb(new_markdown_cell("## 附表 项目明细"), _code(),
                    new_markdown_cell("附表见后（正文，不是标题）。")), "t")
    assert html.count('class="alxa-markdown alxa-appendix"') == 1
    assert html.count("alxa-output") == 0
    css = html[html.index("<style>"):html.index("</style>")]
    assert ".alxa-appendix { page-break-before: always; break-before: page; }" in css


def test_a_help_cell_is_left_out_of_the_page():
    html = page(_nb(new_markdown_cell("在 JupyterLab 中修改参数后运行 `alxa report brief`", metadata={"tags": ["help"]}),
                    new_markdown_cell("## 正文")), "t")
    assert "JupyterLab" not in html and "alxa report" not in html and "<h2>正文</h2>" in html


def test_an_analysts_notebook_exports_with_one_nbconvert_command(tmp_path):
    """``jupyter nbconvert --to alxa_html`` / ``--to alxa_pdf`` find the exporters through their entry points."""
    from pypdf import PdfReader
    nb = _nb(new_markdown_cell("## 我的分析"),
             _code(new_output("display_data", data={"text/html": "<p class='alxa-headline'>开复工率六成</p>"}),
                   source="print('x')"))
    nbformat.write(nb, tmp_path / "我的分析.ipynb")
    jupyter = Path(sys.executable).with_name("jupyter")
    for to in ("alxa_html", "alxa_pdf"):
        subprocess.run([str(jupyter), "nbconvert", "--to", to, "我的分析.ipynb"], cwd=tmp_path, check=True,
                       capture_output=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    html = (tmp_path / "我的分析.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in html and "<title>我的分析</title>" in html and "print(" not in html
    assert "alxa-report" in html and "Noto Serif CJK SC" in html  # the house CSS
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "我的分析.pdf").pages)
    assert "我的分析" in text and "开复工率六成" in text and "第 1 页 / 共 1 页" in text


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
