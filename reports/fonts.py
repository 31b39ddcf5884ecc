"""Fonts for reports: the vendored DejaVu Sans, and a CJK fallback when one is installed.

ReportLab's built-in Helvetica only covers Latin-1, so a Cyrillic or Greek name would print
as boxes. DejaVu Sans (shipped in `reports/fonts/`) covers Latin, Cyrillic and Greek; it has
no CJK glyphs, and no CJK font is small enough to vendor. So a CJK font is looked up on the
machine and used only for the runs of CJK characters inside a text
(`with_cjk_fallback` wraps them in `<font name=...>`; chart labels take the fallback font
for the whole label). ReportLab embeds TrueType outlines only: Debian's `fonts-droid-fallback`
(a .ttf) and `fonts-wqy-microhei` / `fonts-wqy-zenhei` (TrueType collections) work;
`fonts-noto-cjk` ships CFF-outline .ttc files, which ReportLab refuses, and is skipped.
`ATTUNE_CJK_FONT` may name another TrueType file (`path` or `path#index` for a collection).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from reportlab.graphics.shapes import STATE_DEFAULTS
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CJK = "AttuneCJK"

# Tried in order; the first that ReportLab can load wins.
CJK_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
)

# Han, kana, Hangul, CJK punctuation and full-width forms: the scripts DejaVu lacks and a
# CJK font covers.
_CJK_RUN = re.compile(
    "["
    "\u1100-\u11ff"
    "\u2e80-\u2fdf"
    "\u3000-\u303f"
    "\u3040-\u30ff"
    "\u3100-\u31ff"
    "\u3200-\u9fff"
    "\ua960-\ua97f"
    "\uac00-\ud7ff"
    "\uf900-\ufaff"
    "\ufe30-\ufe4f"
    "\uff00-\uffef"
    "\U00020000-\U0003134f"
    "]+"
)

_lock = threading.Lock()
_registered = False
_cjk_state: dict[str, str | None] = {}


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with ReportLab; safe to call any number of times."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        # No italic face is shipped: <i> falls back to upright rather than to Helvetica.
        pdfmetrics.registerFontFamily(
            REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
        )
        # Every drawing starts in ReportLab's default state font (Times-Roman), which then
        # lands in the PDF as a non-embedded font that no text uses; archival checks
        # (PDF/A) reject that, so drawings start in DejaVu instead.
        STATE_DEFAULTS["fontName"] = REGULAR
        _registered = True


def _cjk_candidates() -> list[tuple[str, int]]:
    configured = os.environ.get("ATTUNE_CJK_FONT", "").strip()
    found: list[tuple[str, int]] = []
    if configured:
        path, _, index = configured.partition("#")
        found.append((path, int(index or 0)))
    found.extend(CJK_CANDIDATES)
    return found


def cjk_font() -> str | None:
    """The registered CJK fallback font's name, or None when no usable CJK font is installed.

    The font is loaded on first need (a CJK font file is several megabytes).
    """
    if "name" in _cjk_state:
        return _cjk_state["name"]
    with _lock:
        if "name" in _cjk_state:
            return _cjk_state["name"]
        name: str | None = None
        for path, index in _cjk_candidates():
            if not os.path.isfile(path):
                continue
            try:
                pdfmetrics.registerFont(TTFont(CJK, path, subfontIndex=index))
            except (TTFError, OSError, ValueError):
                # e.g. CFF outlines (Noto CJK), which ReportLab cannot embed
                continue
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(CJK, bold, italic, CJK)
            name = CJK
            _cjk_state["path"] = path
            break
        _cjk_state["name"] = name
        return name


def has_cjk(text: str) -> bool:
    """True when text contains a character DejaVu lacks and a CJK font provides."""
    return _CJK_RUN.search(text) is not None


def with_cjk_fallback(markup: str) -> str:
    """Wrap CJK runs of already-escaped Paragraph markup in the CJK font, when one is installed.

    The input must already be escaped: only the tags added here are markup.
    """
    if not has_cjk(markup):
        return markup
    name = cjk_font()
    if name is None:
        return markup
    return _CJK_RUN.sub(lambda m: f'<font name="{name}">{m.group(0)}</font>', markup)


def font_runs(text: str, *, bold: bool = False) -> list[tuple[str, str]]:
    """Text cut into (run, font name) pieces for drawing outside a Paragraph (chart labels).

    CJK fallback fonts often lack Latin letters, so a mixed label is drawn run by run.
    """
    base = BOLD if bold else REGULAR
    if not has_cjk(text):
        return [(text, base)]
    name = cjk_font()
    if name is None:
        return [(text, base)]
    runs: list[tuple[str, str]] = []
    position = 0
    for match in _CJK_RUN.finditer(text):
        if match.start() > position:
            runs.append((text[position : match.start()], base))
        runs.append((match.group(0), name))
        position = match.end()
    if position < len(text):
        runs.append((text[position:], base))
    return runs
