"""The results table's score series and partner differences, written in Python rather than as
template loops.

A couple with a year of questionnaires has some 120 scores and 60 same-occasion differences on
the couple page; the template engine's work for each (look up, localise, escape) made these
loops most of the page's template time. The markup is the same the loops wrote, every value
escaped, dates and numbers as the clinic's locale writes them.
"""

from functools import lru_cache
from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.caseload_scores import NO_VALUE, localized_score

register = template.Library()


@lru_cache(maxsize=1024)
def _day(value, language: str | None) -> str:
    # A bare `{{ date }}` in a template: the locale's DATE_FORMAT (the language is the clinic's).
    return escape(str(formats.localize(value)))


@lru_cache(maxsize=1024)
def _difference(value, kind: type, language: str | None) -> str:
    # `kind` keeps 1 and 1.0 apart, as in localized_score; floatformat's own text is safe.
    return str(floatformat(value, "-1"))


@register.simple_tag
def score_points(points, *, staff: bool, show_bands: bool) -> SafeString:
    """One scale's scores, oldest first, joined by arrows: each value (a dash when withheld)
    titled with the day it was given, with its band when `show_bands`, a star when estimated
    from the items answered, and, for `staff`, a note when the clinical cut-off is met."""
    language = translation.get_language()
    items = []
    for pt in points:
        value = pt.value
        shown = NO_VALUE if value is None else localized_score(value, type(value), language)
        band = f" ({escape(str(pt.band))})" if pt.band and show_bands else ""
        star = "*" if pt.prorated else ""
        cutoff = (
            ' <span class="cutoff">(cut-off met)</span>' if staff and pt.cutoff_met is True else ""
        )
        items.append(f'<span title="{_day(pt.on, language)}">{shown}{band}{star}{cutoff}</span>')
    return mark_safe(" → ".join(items))  # noqa: S308 - every value above is escaped


@register.simple_tag
def partner_differences(rows) -> SafeString:
    """The partners' difference on each shared occasion (`results.Discrepancy` rows), with
    whether it lies beyond the measurement error, joined by semicolons."""
    language = translation.get_language()
    items = []
    for d in rows:
        difference = d.result.difference
        beyond = d.result.beyond_measurement_error
        if beyond is True:
            verdict = " — beyond measurement error"
        elif beyond is False:
            verdict = " — within measurement error"
        else:
            verdict = " — raw difference"
        items.append(
            f"{_day(d.occasion, language)}: difference "
            f"{_difference(difference, type(difference), language)}{verdict}"
        )
    return mark_safe("; ".join(items))  # noqa: S308 - dates escaped, numbers from floatformat
