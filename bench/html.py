"""Render a progress report as one standalone HTML page with inline SVG charts.

It says exactly what the PDF says (both come from `build_document`). Its print styles
(A4 pages, running header, "Page N of M" footer) are those an HTML-to-PDF engine such as
WeasyPrint understands, so the same report can be printed from HTML for comparison. All
text is escaped here; the SVG charts are escaped by their serializer.
"""

from __future__ import annotations

import re
from html import escape

from reports.charts import drawing_to_svg
from reports.contents import ReportContents
from reports.document import Block, Chart, Heading, ReportDocument, Table, Text, build_document

# C0 controls other than tab and newline are not allowed in HTML text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

STYLE = """
@page {
  size: A4;
  margin: 20mm 18mm 26mm 18mm;
  @top-left { content: element(running-header); vertical-align: bottom; }
  @bottom-left { content: element(running-footer); vertical-align: top; width: 78%; }
  @bottom-right {
    content: "Page " counter(page) " of " counter(pages);
    vertical-align: top; font-family: 'DejaVu Sans', sans-serif; font-size: 8pt; color: #5a5a5a;
  }
}
@page :first { @top-left { content: none; } }
html { font-family: 'DejaVu Sans', 'Noto Sans', 'Noto Sans CJK SC', 'Droid Sans Fallback',
  sans-serif; font-size: 9.5pt; line-height: 1.32; color: #222; }
body { margin: 0; }
main { max-width: 174mm; margin: 0 auto; }
.running-header { position: running(running-header); font-size: 7pt; color: #5a5a5a;
  border-bottom: 0.5pt solid #bbb; padding-bottom: 2pt; }
.running-footer { position: running(running-footer); font-size: 7pt; line-height: 1.25;
  color: #5a5a5a; border-top: 0.5pt solid #bbb; padding-top: 3pt; }
.running-footer p { margin: 0; }
.masthead h1 { font-size: 16pt; margin: 0 0 2pt; }
.masthead .title { font-size: 12.5pt; color: #5a5a5a; margin: 0 0 8pt; }
.masthead dl { display: grid; grid-template-columns: 32mm 1fr; margin: 0;
  border-bottom: 0.8pt solid #bbb; padding-bottom: 6pt; }
.masthead dt { color: #5a5a5a; font-size: 8.5pt; }
.masthead dd { margin: 0; }
h2 { font-size: 13pt; margin: 14pt 0 6pt; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 9pt 0 3pt; break-after: avoid; }
p { margin: 0 0 5pt; }
p.note, figcaption { font-size: 8pt; color: #5a5a5a; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; line-height: 1.25;
  margin: 0 0 7pt; table-layout: fixed; }
thead { display: table-header-group; }
th { background: #eef2f6; font-weight: bold; text-align: left; vertical-align: top;
  border-bottom: 0.6pt solid #bbb; }
th, td { padding: 2.5pt 3pt; vertical-align: top; overflow-wrap: anywhere; }
td { border-bottom: 0.25pt solid #bbb; }
tr { break-inside: avoid; }
.right { text-align: right; }
.center { text-align: center; }
figure { margin: 0 0 6pt; break-inside: avoid; }
figure svg { display: block; width: 100%; max-width: 480pt; height: auto; }
.screen-only { display: none; }
@media screen {
  .running-header, .running-footer { display: none; }
  .screen-only { display: block; font-size: 8pt; color: #5a5a5a; border-top: 0.5pt solid #bbb;
    margin-top: 16pt; padding-top: 4pt; }
  body { padding: 16px; }
}
"""


def text(value: str) -> str:
    """Text escaped for HTML content and attributes, without control characters."""
    return escape(_CONTROL.sub("", value), quote=True)


def _paragraphs(value: str, css_class: str | None = None) -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", value.replace("\r\n", "\n"))]
    return "".join(
        f"<p{attribute}>{text(b).replace(chr(10), '<br>')}</p>" for b in blocks if b.strip()
    )


def _table(block: Table) -> str:
    parts = ["<table><colgroup>"]
    parts.extend(f'<col style="width:{c.width * 100:.1f}%">' for c in block.columns)
    parts.append("</colgroup><thead><tr>")
    parts.extend(f'<th class="{c.align}">{text(c.title)}</th>' for c in block.columns)
    parts.append("</tr></thead><tbody>")
    for row in block.rows:
        parts.append("<tr>")
        parts.extend(
            f'<td class="{c.align}">{text(value)}</td>'
            for c, value in zip(block.columns, row, strict=True)
        )
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h3>{text(block.text)}</h3>"
    if isinstance(block, Text):
        return _paragraphs(block.text, "note" if block.style == "note" else None)
    if isinstance(block, Table):
        return _table(block)
    assert isinstance(block, Chart)
    caption = f"<figcaption>{text(block.caption)}</figcaption>" if block.caption else ""
    return f'<figure class="chart">{drawing_to_svg(block.drawing)}{caption}</figure>'


def _footer(document: ReportDocument, css_class: str) -> str:
    return (
        f'<footer class="{css_class}"><p>{text(document.confidentiality_notice)}</p>'
        f"<p>{text(document.generated)}</p></footer>"
    )


def render_html(contents: ReportContents) -> str:
    """The report as a standalone HTML document (UTF-8, inline CSS and SVG, no external files)."""
    document = build_document(contents)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{text(document.title)}: {text(contents.couple_label)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<div class="running-header">{text(document.running_header)}</div>',
        _footer(document, "running-footer"),
        '<main><header class="masthead">',
        f"<h1>{text(document.clinic_name)}</h1>",
        f'<p class="title">{text(document.title)}</p><dl>',
    ]
    for label, value in document.masthead:
        parts.append(f"<dt>{text(label)}</dt><dd>{text(value)}</dd>")
    parts.append("</dl></header>")
    for section in document.sections:
        parts.append(f'<section id="section-{section.key}"><h2>{text(section.title)}</h2>')
        parts.extend(_block(block) for block in section.blocks)
        parts.append("</section>")
    parts.append(_footer(document, "screen-only"))
    parts.append("</main></body></html>")
    return "".join(parts)
