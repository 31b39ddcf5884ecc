"""The caseload card's latest scores, written in Python rather than as a template loop.

A page of 50 couples shows some 400 scores; the template engine's work for each variable (look
up, localise, escape) made them the costliest part of the page (8 ms of about 20 for the whole
template). The markup is the same the loop wrote: `<li>Name: PHQ-9 <strong>12</strong>
<span class="muted">(Moderate)</span></li>`, every value escaped.
"""

from functools import lru_cache

from django import template
from django.utils import formats, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

NO_VALUE = "—"


def localized(value, language: str | None) -> str:
    """A score or a date as `{{ value }}` writes it in the active language (the clinic's),
    memoised: a page writes hundreds. Escaped where it is placed, by format_html."""
    return _localized(value, type(value), language)


@lru_cache(maxsize=1024)
def _localized(value, kind: type, language: str | None) -> str:
    # `kind` keeps 1 and 1.0 apart (equal keys, different text).
    return str(formats.localize(value))


@register.filter
def headline_items(headlines) -> SafeString:
    """`<li>` items of a couple's headline scores (caseload enricher "assessments"): the
    partner, the scale's label, the value as the clinic's locale writes it (a dash when there is
    none) and its band when it has one."""
    language = translation.get_language()

    def item(h):
        value = h["value"]
        shown = NO_VALUE if value is None else localized(value, language)
        band = format_html(' <span class="muted">({})</span>', h["band"]) if h["band"] else ""
        return h["partner_name"], h["label"], shown, band

    # format_html escapes every value; `band` is already markup it made.
    return format_html_join("", "<li>{}: {} <strong>{}</strong>{}</li>", map(item, headlines))
