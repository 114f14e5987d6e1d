"""The report page and its PDF as nbconvert exporters (docs/rendering.md §5–§6).

``alxa_html`` turns an executed notebook into one self-contained page in the house style: the toolkit's
template (``templates/alxa_html/``), ``lang="zh-CN"``, the narrative and what the cells displayed but no code,
no prompts, no cell tagged ``help`` (a notebook's own instructions), the CSS of ``templates/report.css``
inlined, nothing that points outside the page. ``alxa_pdf`` lays that page out on A4 with WeasyPrint. Both
are registered as nbconvert exporters (``pyproject.toml``, entry points), so an analyst's own notebook
becomes a report with::

    jupyter nbconvert --to alxa_html my.ipynb      # my.html
    jupyter nbconvert --to alxa_pdf my.ipynb       # my.pdf

The page's title is the notebook's ``metadata.title`` (the report runner sets it), else its file name.
"""
from __future__ import annotations

from pathlib import Path

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from traitlets import Bool, Unicode, default

TEMPLATES = Path(__file__).resolve().parent / "templates"
HELP_TAGS = {"help", "remove_cell", "remove-cell"}  # cells the exported page leaves out


class AlxaHTMLExporter(HTMLExporter):
    """An executed notebook as a report page: outputs and narrative only, offline, in the house style."""

    export_from_notebook = "阿拉善报告 HTML (alxa_html)"
    exclude_input = Bool(True).tag(config=True)
    exclude_input_prompt = Bool(True).tag(config=True)
    exclude_output_prompt = Bool(True).tag(config=True)
    exclude_anchor_links = Bool(True).tag(config=True)
    language_code = Unicode("zh-CN").tag(config=True)

    @default("template_name")
    def _template_name_default(self) -> str:
        return "alxa_html"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATES)]

    @property
    def default_config(self):
        c = super().default_config
        c.merge({"TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": HELP_TAGS}})
        return c

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        resources["alxa_css"] = (TEMPLATES / "report.css").read_text("utf-8")
        return resources

    def from_notebook_node(self, nb, resources=None, **kw):
        """As HTMLExporter, without its second pass through BeautifulSoup (it adds focus and alt attributes
        for JupyterLab's screen page; our template writes its own and the SVG charts stay as drawn)."""
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="python", parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        nb_copy = nb
        if not nb.metadata.get("title") and resources.get("metadata", {}).get("name"):
            nb_copy = nb.copy()
            nb_copy.metadata = {**nb.metadata, "title": resources["metadata"]["name"]}
        return TemplateExporter.from_notebook_node(self, nb_copy, resources, **kw)


# The printed page on top of the page's own CSS: A4, the title in the running header, "第 N 页 / 共 M 页".
PAGE_CSS = """
@page {{ size: A4; margin: 22mm 16mm 18mm 16mm;
         @top-center {{ content: "{title}"; font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #555; }}
         @bottom-center {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                           font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #555; }} }}
body {{ background: white; }}
tr, img {{ page-break-inside: avoid; break-inside: avoid; }}
"""


def html_to_pdf(html: str, title: str, base_url: str | None = None, target=None) -> bytes | None:
    """A report page as an A4 PDF (WeasyPrint, loaded by ``weasy``), ``title`` in the running header: returned
    as bytes, or written to ``target`` (a path) as WeasyPrint lays it out."""
    from alxa_lib.reports.rendering.weasy import weasyprint
    wp = weasyprint()
    safe = title.replace("\\", "").replace('"', "'")
    return wp.HTML(string=html, base_url=base_url).write_pdf(target, stylesheets=[wp.CSS(string=PAGE_CSS.format(title=safe))])


class AlxaPDFExporter(AlxaHTMLExporter):
    """The report page laid out on A4 by WeasyPrint."""

    export_from_notebook = "阿拉善报告 PDF (alxa_pdf)"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    @default("template_file")
    def _template_file_default(self) -> str:
        return "index.html.j2"  # the page of alxa_html, then laid out on A4

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        title = nb.metadata.get("title") or resources.get("metadata", {}).get("name", "")
        resources["output_extension"] = ".pdf"
        return html_to_pdf(html, title, resources.get("metadata", {}).get("path") or None), resources
