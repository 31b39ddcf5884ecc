"""Fonts for reports: the vendored DejaVu Sans, fallback fonts for the scripts it lacks, and
right-to-left shaping, so a client's name prints as letters in whatever script it is written.

ReportLab's built-in Helvetica only covers Latin-1. DejaVu Sans (shipped in `reports/fonts/`)
covers Latin, Cyrillic, Greek and the Arabic and Hebrew letters, but no Han, kana or Hangul
and only some emoji. The fallbacks come from Debian's packages (installed by
`bin/ensure-browser` and the Dockerfile):

- Arabic and Hebrew: Noto Sans Arabic and Noto Sans Hebrew (`fonts-noto-core`);
- Han and kana: Droid Sans Fallback (`fonts-droid-fallback`), or WenQuanYi;
- Hangul: Nanum Gothic (`fonts-nanum`); Droid Sans Fallback has no Hangul;
- emoji and symbols: Symbola (`fonts-symbola`; colour emoji fonts are bitmaps ReportLab
  cannot embed).

ReportLab embeds TrueType outlines only: Debian's `fonts-noto-cjk` ships CFF-outline .ttc
files, which ReportLab refuses, so it is not used. `ATTUNE_CJK_FONT` may name another TrueType
file for Han and kana (`path` or `path#index` for a collection).

Each character goes to the first font that has a glyph for it (Arabic and Hebrew letters to
the Noto fonts first); a character no installed font covers prints as a visible placeholder
(U+FFFD) rather than vanishing. Arabic is joined into its contextual forms and right-to-left
runs are put in visual order (arabic-reshaper and python-bidi) before layout, because
ReportLab lays text out left to right, one glyph per character.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.graphics.shapes import STATE_DEFAULTS
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CJK = "AttuneCJK"
PLACEHOLDER = "\ufffd"  # DejaVu draws it: a visible mark where no font has the letter

TRUETYPE = "/usr/share/fonts/truetype"

# Han, kana, Hangul, CJK punctuation and full-width forms.
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
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_HEBREW = re.compile("[\u0590-\u05ff\ufb1d-\ufb4f]")
_RTL = re.compile(f"{_ARABIC.pattern}|{_HEBREW.pattern}")


@dataclass(frozen=True)
class Fallback:
    """A fallback font: its registered name, the files tried in order, and the script it is
    preferred for even where DejaVu has the letters (Noto's Arabic and Hebrew are complete)."""

    name: str
    candidates: tuple[tuple[str, int], ...]
    preferred_for: re.Pattern | None = None


# Tried in order for a character DejaVu lacks; the first loaded font with the glyph wins.
FALLBACKS: tuple[Fallback, ...] = (
    Fallback(
        "AttuneArabic",
        ((f"{TRUETYPE}/noto/NotoSansArabic-Regular.ttf", 0),),
        preferred_for=_ARABIC,
    ),
    Fallback(
        "AttuneHebrew",
        ((f"{TRUETYPE}/noto/NotoSansHebrew-Regular.ttf", 0),),
        preferred_for=_HEBREW,
    ),
    Fallback(
        CJK,
        (
            (f"{TRUETYPE}/droid/DroidSansFallbackFull.ttf", 0),
            ("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf", 0),
            (f"{TRUETYPE}/wqy/wqy-microhei.ttc", 0),
            (f"{TRUETYPE}/wqy/wqy-zenhei.ttc", 0),
        ),
    ),
    Fallback("AttuneHangul", ((f"{TRUETYPE}/nanum/NanumGothic.ttf", 0),)),
    Fallback("AttuneSymbols", ((f"{TRUETYPE}/ancient-scripts/Symbola_hint.ttf", 0),)),
)

_lock = threading.Lock()
_loaded: dict[str, TTFont | None] = {}


@functools.cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with ReportLab; safe to call any number of times
    (the cache makes every call after the first return at once)."""
    with _lock:
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


def _candidates(fallback: Fallback) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    configured = os.environ.get("ATTUNE_CJK_FONT", "").strip()
    if fallback.name == CJK and configured:
        path, _, index = configured.partition("#")
        found.append((path, int(index or 0)))
    found.extend(fallback.candidates)
    return found


def _load(fallback: Fallback) -> TTFont | None:
    """The fallback's font, registered on first need (CJK files are several megabytes)."""
    if fallback.name in _loaded:
        return _loaded[fallback.name]
    with _lock:
        if fallback.name in _loaded:
            return _loaded[fallback.name]
        font = None
        for path, index in _candidates(fallback):
            if not os.path.isfile(path):
                continue
            try:
                font = TTFont(fallback.name, path, subfontIndex=index)
                pdfmetrics.registerFont(font)
            except (TTFError, OSError, ValueError):
                # e.g. CFF outlines (Noto CJK), which ReportLab cannot embed
                font = None
                continue
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(fallback.name, bold, italic, fallback.name)
            break
        _loaded[fallback.name] = font
        return font


def _covers(font: TTFont, character: str) -> bool:
    return ord(character) in font.face.charToGlyph


def _base_font() -> TTFont:
    register_fonts()
    return pdfmetrics.getFont(REGULAR)


def font_for(character: str, base: str = REGULAR) -> str | None:
    """The font that draws `character`: `base` (DejaVu) where it has it and no fallback is
    preferred for the script, else the first fallback with the glyph; None when no installed
    font has it (the caller prints PLACEHOLDER)."""
    if character.isascii():
        return base
    for fallback in FALLBACKS:
        if fallback.preferred_for is not None and fallback.preferred_for.match(character):
            font = _load(fallback)
            if font is not None and _covers(font, character):
                return fallback.name
    # Format and control characters (joiners, marks of direction) draw nothing either way.
    if _covers(_base_font(), character) or unicodedata.category(character) in ("Cc", "Cf"):
        return base
    for fallback in FALLBACKS:
        font = _load(fallback)
        if font is not None and _covers(font, character):
            return fallback.name
    return None


def cjk_font() -> str | None:
    """The registered Han and kana fallback font's name, or None when none is installed."""
    fallback = next(f for f in FALLBACKS if f.name == CJK)
    return CJK if _load(fallback) is not None else None


def has_cjk(text: str) -> bool:
    """True when text contains Han, kana or Hangul (which DejaVu lacks)."""
    return _CJK_RUN.search(text) is not None


# A right-to-left run: RTL letters, with the spaces and joining punctuation between them.
_RTL_RUN = re.compile(f"(?:{_RTL.pattern})(?:[\\s\u200c\u200d'.,\\-]*(?:{_RTL.pattern}))*")


def visual_order(text: str) -> str:
    """Arabic joined into its contextual letter forms and each right-to-left run (a name, a
    sentence) turned into drawing order, in place: the text around it keeps its order, so a
    Hebrew name inside an English line, or next to a date, stays where it was written."""
    if not _RTL.search(text):
        return text
    return _RTL_RUN.sub(lambda m: get_display(arabic_reshaper.reshape(m.group(0))), text)


def font_runs(text: str, *, bold: bool = False) -> list[tuple[str, str]]:
    """Text cut into (run, font name) pieces, in visual order, for drawing outside a
    Paragraph (chart labels); a character no font has becomes PLACEHOLDER in DejaVu."""
    return _runs(visual_order(text), BOLD if bold else REGULAR)


def _runs(text: str, base: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for original in text:
        font = font_for(original, base)
        character = original if font is not None else PLACEHOLDER
        font = font or base
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + character, font)
        else:
            runs.append((character, font))
    return runs or [("", base)]


def needs_fallback(text: str) -> bool:
    """True when some character of text is not drawn by DejaVu as it stands (another
    script's font, right-to-left shaping or a placeholder): such a table cell needs markup."""
    return any(font != REGULAR for _, font in font_runs(text)) or visual_order(text) != text


def with_fallback_fonts(markup: str) -> str:
    """Already-escaped Paragraph markup with each run set in the font that has its letters,
    and a placeholder for what no font covers.

    The text must be put in `visual_order` before it is escaped (reordering markup would
    move its tags), and escaped (only the tags added here are markup). Escapes and tags are
    ASCII, so they stay in DejaVu runs and are never split.
    """
    if markup.isascii():
        return markup
    out = []
    for run, font in _runs(markup, REGULAR):
        out.append(run if font in (REGULAR, BOLD) else f'<font name="{font}">{run}</font>')
    return "".join(out)
