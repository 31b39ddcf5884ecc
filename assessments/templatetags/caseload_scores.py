"""The caseload card's latest scores, written in Python rather than as a template loop.

A page of 50 couples shows some 400 scores; the template engine's work for each variable (look
up, localise, escape) made them the costliest part of the page (8 ms of about 20 for the whole
template). The markup is the same the loop wrote: `<li>Name: PHQ-9 <strong>12</strong>
<span class="muted">(Moderate)</span></li>`, every value escaped.
"""

from functools import lru_cache
from html import escape

from django import template
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NO_VALUE = "—"


@lru_cache(maxsize=512)
def localized_score(value, kind: type, language: str | None) -> str:
    """A score as the active locale writes it, escaped (memoised: a page writes hundreds)."""
    # `kind` keeps 1 and 1.0 apart (equal keys, different text); the language is the clinic's.
    return escape(str(formats.localize(value)))


@register.filter
def headline_items(headlines) -> SafeString:
    """`<li>` items of a couple's headline scores (caseload enricher "assessments"): the
    partner, the scale's label, the value as the clinic's locale writes it (a dash when there is
    none) and its band when it has one."""
    language = translation.get_language()
    items = []
    for h in headlines:
        value = h["value"]
        shown = NO_VALUE if value is None else localized_score(value, type(value), language)
        band = f' <span class="muted">({escape(str(h["band"]))})</span>' if h["band"] else ""
        items.append(
            f"<li>{escape(str(h['partner_name']))}: {escape(str(h['label']))} "
            f"<strong>{shown}</strong>{band}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every value above is escaped
