"""Render a progress report to PDF bytes with ReportLab platypus. Knows nothing of the ORM.

Every piece of text reaches a Paragraph through `markup`, which escapes it: Paragraph
reads its input as markup, so an unescaped `<` in a note would break the report or
inject formatting. Fonts are the vendored DejaVu Sans, with a CJK fallback where installed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import (
    Table as PdfTable,
)

from reports import fonts
from reports.contents import ReportContents
from reports.document import (
    NOTHING_RECORDED,
    Block,
    Chart,
    Heading,
    ReportDocument,
    Section,
    Table,
    Text,
    build_document,
)
from reports.reportlab_settings import overridden

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 24 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#5A5A5A")
RULE = colors.HexColor("#BBBBBB")
HEADER_FILL = colors.HexColor("#EEF2F6")

# C0 controls other than tab and newline: invisible in a report, and some upset the parser.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markup(text: str) -> str:
    """Paragraph markup showing text literally: the one gate for text entering a Paragraph.

    Escapes &, < and >, drops control characters, turns newlines into line breaks, puts
    right-to-left runs in visual order (before escaping: reordering must not move tags) and
    sets each run in the font that has its letters.
    """
    text = fonts.visual_order(_CONTROL.sub("", text).replace("\r\n", "\n"))
    escaped = escape(text).replace("\n", "<br/>")
    return fonts.with_fallback_fonts(escaped)


def _styles() -> dict[str, ParagraphStyle]:
    fonts.register_fonts()
    base = ParagraphStyle(
        "body", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=5
    )
    return {
        "body": base,
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=4
        ),
        "clinic": ParagraphStyle(
            "clinic", parent=base, fontName=fonts.BOLD, fontSize=16, leading=20, spaceAfter=2
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=12.5, leading=16, textColor=MUTED, spaceAfter=8
        ),
        "section": ParagraphStyle(
            "section",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=13,
            leading=16,
            spaceBefore=12,
            spaceAfter=6,
        ),
        # A section with nothing recorded: its title and why, on one line.
        "empty_section": ParagraphStyle(
            "empty_section", parent=base, spaceBefore=10, spaceAfter=4, textColor=MUTED
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "cell_right": ParagraphStyle(
            "cell_right", parent=base, fontSize=8, leading=10, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_center": ParagraphStyle(
            "cell_center", parent=base, fontSize=8, leading=10, spaceAfter=0, alignment=TA_CENTER
        ),
        "cell_head": ParagraphStyle(
            "cell_head",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=8,
            leading=10,
            spaceAfter=0,
            alignment=TA_LEFT,
        ),
        "cell_head_right": ParagraphStyle(
            "cell_head_right",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=8,
            leading=10,
            spaceAfter=0,
            alignment=TA_RIGHT,
        ),
        "masthead_label": ParagraphStyle(
            "masthead_label", parent=base, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=0
        ),
        "masthead_value": ParagraphStyle(
            "masthead_value", parent=base, fontSize=9.5, leading=12, spaceAfter=0
        ),
        "footer": ParagraphStyle(
            "footer", parent=base, fontSize=7, leading=8.6, textColor=MUTED, spaceAfter=0
        ),
    }


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    """One Paragraph per blank-line-separated block of the text."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return [Paragraph(markup(b), style) for b in blocks if b.strip()]


_ALIGN = {"left": "LEFT", "right": "RIGHT", "center": "CENTER"}
CELL_FONT_SIZE = 8
CELL_PADDING = 3


def _needs_paragraph(value: str, wraps: bool, width: float) -> bool:
    """Whether a table cell must be a Paragraph: to wrap, or to switch font or shape letters.

    A plain string cell is drawn as it is and never parsed as markup, so it needs no
    escaping; laying out a Paragraph costs far more, and a year's report has a thousand cells.
    """
    if "\n" in value or (not value.isascii() and fonts.needs_fallback(value)):
        return True
    if not wraps:
        return False
    return stringWidth(value, fonts.REGULAR, CELL_FONT_SIZE) > width - 2 * CELL_PADDING


def _table(block: Table, styles: dict[str, ParagraphStyle]) -> PdfTable:
    widths = [c.width * TEXT_WIDTH for c in block.columns]
    cell_style = {
        "left": styles["cell"],
        "right": styles["cell_right"],
        "center": styles["cell_center"],
    }
    header = [
        Paragraph(markup(c.title), styles["cell_head_right" if c.align == "right" else "cell_head"])
        for c in block.columns
    ]
    data: list[list[Any]] = [header]
    for row in block.rows:
        cells: list[Any] = []
        for column, width, value in zip(block.columns, widths, row, strict=True):
            cells.append(
                Paragraph(markup(value), cell_style[column.align])
                if _needs_paragraph(value, column.wraps, width)
                else value
            )
        data.append(cells)
    table = PdfTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), fonts.REGULAR, CELL_FONT_SIZE, 10),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    for index, column in enumerate(block.columns):
        commands.append(("ALIGN", (index, 1), (index, -1), _ALIGN[column.align]))
    table.setStyle(TableStyle(commands))
    return table


def _block_flowables(block: Block, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if isinstance(block, Heading):
        return [Paragraph(markup(block.text), styles["heading"])]
    if isinstance(block, Text):
        return _paragraphs(block.text, styles[block.style])
    if isinstance(block, Table):
        return [_table(block, styles), Spacer(1, 6)]
    drawing = block.drawing
    drawing.hAlign = "LEFT"
    flowables: list[Flowable] = [drawing]
    if block.caption:
        flowables.extend(_paragraphs(block.caption, styles["note"]))
    flowables.append(Spacer(1, 4))
    return flowables


def _groups(blocks: tuple[Block, ...]) -> list[list[Block]]:
    """Blocks grouped so that headings and lead-in texts travel with the table or chart after them."""
    groups: list[list[Block]] = []
    current: list[Block] = []
    for block in blocks:
        current.append(block)
        if isinstance(block, Table | Chart):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _space_needed(group: list[Block]) -> float:
    """Height to find on the page before starting a group, estimated without laying it out
    (exact measurement would lay out every table twice)."""
    need = 0.0
    for block in group:
        if isinstance(block, Heading):
            need += 24
        elif isinstance(block, Text):
            need += 12 * (block.text.count("\n") + 1 + len(block.text) // 100) + 6
        elif isinstance(block, Chart):
            need += block.drawing.height * block.drawing.renderScale + (24 if block.caption else 4)
        elif isinstance(block, Table):
            # header and a few rows; a longer table then splits, repeating its header
            need += 14 * (1 + min(len(block.rows), 4)) + 6
    return need


def _section(section: Section, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """A section's flowables, each heading kept on the page of what follows it; a section with
    nothing recorded is one line, not a heading over an apology."""
    story: list[Flowable] = []
    if _nothing_recorded(section):
        said = " ".join(" ".join(b.text.split()) for b in section.blocks if isinstance(b, Text))
        story.append(
            Paragraph(
                f'<font name="{fonts.BOLD}" color="#{INK.hexval()[2:]}">{markup(section.title)}</font>'
                f" \u2014 {markup(said)}",
                styles["empty_section"],
            )
        )
        return story
    groups = _groups(section.blocks)
    title_need = 36 + (_space_needed(groups[0]) if groups else 0)
    story.append(CondPageBreak(title_need))
    story.append(Paragraph(markup(section.title), styles["section"]))
    for index, group in enumerate(groups):
        if index > 0:
            story.append(CondPageBreak(_space_needed(group)))
        for block in group:
            story.extend(_block_flowables(block, styles))
    return story


def _nothing_recorded(section: Section) -> bool:
    """Whether a section holds only short notes, one of them that nothing was recorded."""
    texts = [b for b in section.blocks if isinstance(b, Text)]
    return (
        len(texts) == len(section.blocks)
        and any(t.text == NOTHING_RECORDED for t in texts)
        and sum(len(t.text) for t in texts) <= 300
    )


def _masthead(document: ReportDocument, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    rows = [
        [
            Paragraph(markup(label), styles["masthead_label"]),
            Paragraph(markup(value), styles["masthead_value"]),
        ]
        for label, value in document.masthead
    ]
    table = PdfTable(rows, colWidths=[32 * mm, TEXT_WIDTH - 32 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, RULE),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return [
        Paragraph(markup(document.clinic_name), styles["clinic"]),
        Paragraph(markup(document.title), styles["title"]),
        table,
        Spacer(1, 4),
    ]


def _canvas_maker(
    document: ReportDocument, styles: dict[str, ParagraphStyle]
) -> Callable[..., Canvas]:
    """A canvas class that draws header and footer once the page count is known.

    Pages are kept until save() so the footer can say "page N of M" in a single layout pass.
    """
    notice = Paragraph(markup(document.confidentiality_notice), styles["footer"])
    generated = Paragraph(markup(document.generated), styles["footer"])
    header = Paragraph(markup(document.running_header), styles["footer"])
    page_label_width = 28 * mm
    _, notice_height = notice.wrap(TEXT_WIDTH - page_label_width, MARGIN_BOTTOM)
    generated.wrap(TEXT_WIDTH - page_label_width, MARGIN_BOTTOM)
    header.wrap(TEXT_WIDTH, MARGIN_TOP)

    class ReportCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            number = self._pageNumber
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            rule_y = MARGIN_BOTTOM - 4 * mm
            self.line(MARGIN_X, rule_y, PAGE_WIDTH - MARGIN_X, rule_y)
            notice.drawOn(self, MARGIN_X, rule_y - 2 - notice_height)
            generated.drawOn(self, MARGIN_X, rule_y - 2 - notice_height - 10)
            self.setFont(fonts.REGULAR, 8)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_WIDTH - MARGIN_X, rule_y - 10, f"Page {number} of {total}")
            if number > 1:
                top = PAGE_HEIGHT - MARGIN_TOP + 5 * mm
                header.drawOn(self, MARGIN_X, top)
                self.line(MARGIN_X, top - 2, PAGE_WIDTH - MARGIN_X, top - 2)
            self.restoreState()

    return ReportCanvas


def render_pdf(contents: ReportContents) -> bytes:
    """The report as PDF bytes (A4), with the header, page N of M footer and notice on every page;
    dates written in the clinic's style."""
    with translation.override(contents.locale):
        return _render_pdf(contents)


# A last page holding a few lines (the end of the plan, say) reads as a mistake. The report is
# then laid out again with its charts a little smaller, and that layout is kept if it saves
# the page; otherwise the first stands (a short last page beats shrunken charts).
SHORT_LAST_PAGE = 0.2  # share of the page's text frame
TIGHTER_CHARTS = 0.85


def _render_pdf(contents: ReportContents) -> bytes:
    pdf, pages, last_fill = _layout(contents, chart_scale=1.0)
    if pages > 1 and last_fill < SHORT_LAST_PAGE:
        tighter, fewer, _ = _layout(contents, chart_scale=TIGHTER_CHARTS)
        if fewer < pages:
            return tighter
    return pdf


def _layout(contents: ReportContents, *, chart_scale: float) -> tuple[bytes, int, float]:
    """The PDF, its page count and how much of the last page's frame its text fills (0-1)."""
    document = build_document(contents)
    if chart_scale != 1.0:
        for section in document.sections:
            for block in section.blocks:
                if isinstance(block, Chart):
                    block.drawing.renderScale = chart_scale
    styles = _styles()
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{document.title}: {contents.couple_label}",
        author=contents.clinic_name,
        subject=document.running_header,
        creator="Attune",
        # the canvas otherwise opens every page in Helvetica, which cannot show these names
        initialFontName=fonts.REGULAR,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        TEXT_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    template.addPageTemplates([PageTemplate(id="report", frames=[frame])])
    # Where the text ends: the one frame's cursor (ReportLab keeps it private) after each
    # flowable. The frame's top is where a page's text starts.
    top = PAGE_HEIGHT - MARGIN_TOP
    reached = {"page": 0, "y": top}

    def note_position(flowable: Flowable) -> None:
        reached["page"], reached["y"] = template.page, frame._y  # noqa: SLF001

    template.afterFlowable = note_position  # type: ignore[method-assign]
    story = _masthead(document, styles)
    for section in document.sections:
        story.extend(_section(section, styles))
    # Streams are left binary: ASCII85 on top of compression only makes the file a quarter
    # larger and, without ReportLab's C accelerator, took a fifth of the render time.
    with overridden(useA85=0):
        template.build(story, canvasmaker=_canvas_maker(document, styles))
    filled = (top - reached["y"]) / (top - MARGIN_BOTTOM)
    return buffer.getvalue(), reached["page"], filled
