"""Report fonts: vendored DejaVu registration and the CJK fallback runs (pure)."""

from reportlab.pdfbase import pdfmetrics

from reports import fonts


def test_register_fonts_can_be_called_twice():
    fonts.register_fonts()
    fonts.register_fonts()
    assert pdfmetrics.getFont(fonts.REGULAR).fontName == fonts.REGULAR
    assert pdfmetrics.getFont(fonts.BOLD).fontName == fonts.BOLD


def test_vendored_fonts_ship_with_their_licence():
    assert (fonts.FONT_DIR / "DejaVuSans.ttf").is_file()
    assert (fonts.FONT_DIR / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream Vera Fonts Copyright" in (fonts.FONT_DIR / "LICENSE-DejaVu.txt").read_text()


def test_dejavu_has_glyphs_for_accented_latin_cyrillic_and_greek():
    fonts.register_fonts()
    face = pdfmetrics.getFont(fonts.REGULAR).face
    for character in "ëÅДмитрийΕλένη":
        assert ord(character) in face.charToGlyph, character


def test_has_cjk_tells_han_kana_and_hangul_from_other_scripts():
    assert fonts.has_cjk("王小明")
    assert fonts.has_cjk("さくら")
    assert fonts.has_cjk("김민준")
    assert not fonts.has_cjk("Zoë Дмитрий Ελένη")


def test_text_without_cjk_is_left_as_it_is():
    assert fonts.with_cjk_fallback("Zoë &amp; Дмитрий") == "Zoë &amp; Дмитрий"
    assert fonts.font_runs("Ελένη", bold=True) == [("Ελένη", fonts.BOLD)]


def test_cjk_runs_get_the_fallback_font_and_other_runs_keep_dejavu():
    name = fonts.cjk_font()
    runs = fonts.font_runs("Wang 王小明 Li")
    if name is None:
        # no CJK font on this machine: one DejaVu run, nothing else to choose
        assert runs == [("Wang 王小明 Li", fonts.REGULAR)]
        assert fonts.with_cjk_fallback("王") == "王"
    else:
        assert runs == [("Wang ", fonts.REGULAR), ("王小明", name), (" Li", fonts.REGULAR)]
        assert fonts.with_cjk_fallback("a 王 b") == f'a <font name="{name}">王</font> b'
