"""Report fonts: vendored DejaVu registration, the fallback fonts per script, right-to-left
shaping and the placeholder for what no font covers (pure)."""

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


def test_text_dejavu_covers_is_left_as_it_is():
    assert fonts.with_fallback_fonts("Zoë &amp; Дмитрий") == "Zoë &amp; Дмитрий"
    assert fonts.font_runs("Ελένη", bold=True) == [("Ελένη", fonts.BOLD)]


def test_cjk_runs_get_the_fallback_font_and_other_runs_keep_dejavu():
    name = fonts.cjk_font()
    runs = fonts.font_runs("Wang 王小明 Li")
    if name is None:
        # no CJK font on this machine: one DejaVu run, nothing else to choose
        assert runs == [("Wang 王小明 Li", fonts.REGULAR)]
        assert fonts.with_fallback_fonts("王") == fonts.PLACEHOLDER
    else:
        assert runs == [("Wang ", fonts.REGULAR), ("王小明", name), (" Li", fonts.REGULAR)]
        assert fonts.with_fallback_fonts("a 王 b") == f'a <font name="{name}">王</font> b'


def test_hangul_takes_nanum_which_droid_fallback_lacks():
    assert fonts.font_runs("Kim 김민준") == [("Kim ", fonts.REGULAR), ("김민준", "AttuneHangul")]


def test_arabic_is_joined_and_put_in_visual_order_in_noto_arabic():
    # أحمد: alef-hamza, hah, meem, dal joined into their contextual forms, drawn right to left
    runs = fonts.font_runs("أحمد")
    assert runs == [("\ufeaa\ufee4\ufea3\ufe83", "AttuneArabic")]


def test_hebrew_is_put_in_visual_order_in_noto_hebrew():
    assert fonts.font_runs("Sara שרה") == [("Sara ", fonts.REGULAR), ("הרש", "AttuneHebrew")]


def test_emoji_dejavu_lacks_take_symbola():
    assert fonts.font_runs("Zoë 🌸") == [("Zoë ", fonts.REGULAR), ("🌸", "AttuneSymbols")]


def test_a_character_no_font_covers_becomes_a_visible_placeholder():
    # a private-use character: no installed font has a glyph for it
    assert fonts.font_runs("a\U000f0001b") == [(f"a{fonts.PLACEHOLDER}b", fonts.REGULAR)]
    assert fonts.PLACEHOLDER in fonts.with_fallback_fonts("a\U000f0001b")


def test_markup_is_never_split_or_reordered():
    assert fonts.with_fallback_fonts("Kim &amp; 김<br/>x") == (
        'Kim &amp; <font name="AttuneHangul">김</font><br/>x'
    )


def test_a_right_to_left_name_is_reordered_in_place_inside_a_line():
    # the date after the name stays after it; only the Hebrew run is turned around
    assert fonts.visual_order("Couple: שרה כהן · 6 Jan 2025") == "Couple: ןהכ הרש · 6 Jan 2025"
