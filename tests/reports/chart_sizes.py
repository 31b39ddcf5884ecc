"""How large a chart's text comes out on a phone: every inline <svg> chart in a page is drawn at
its own width or the phone's content width, whichever is smaller (CSS `max-width:100%;
height:auto`), so a label's on-screen size is its font size times that width over the viewBox's."""

import re
from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"
# 390 px phone, less the page's .75rem padding each side (measured in Chromium: 366 px)
PHONE_CHART_WIDTH = 366.0
SMALLEST_READABLE_PX = 11.0


def chart_svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def smallest_text_px(svg: str, available: float = PHONE_CHART_WIDTH) -> float:
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own renderer's output)
    view_width = float(root.attrib["viewBox"].split()[2])
    shown = min(available, float(root.attrib["width"]))
    sizes = [float(text.attrib["font-size"].removesuffix("px")) for text in root.iter(f"{SVG}text")]
    assert sizes, "a chart without text"
    return min(sizes) * shown / view_width
