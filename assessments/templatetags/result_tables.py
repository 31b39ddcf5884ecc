"""The couple page's questionnaire tables (due and completed; results over time: each scale's
scores and the partners' differences), written in Python rather than as template loops.

A couple with a year of questionnaires has some 120 scores and 60 same-occasion differences on
the couple page; the template engine's work for each (look up, localise, escape) made these
loops most of the page's template time. The markup is the same the loops wrote, every value
escaped, dates and numbers as the clinic's locale writes them.
"""

import uuid
from functools import lru_cache
from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.caseload_scores import NO_VALUE, localized_score
from clinic.date_style import format_when

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


#: stands for a response's id in its page's address, made once per table (see response_rows)
_ANY_RESPONSE = uuid.UUID(int=0)


def _score_cell(scores, language: str | None) -> str:
    if not scores:
        return ""
    total = scores.get("total")
    if total is not None:
        band = f" · {escape(str(scores['band']))}" if scores.get("band") else ""
        return f'<span class="score">{localized_score(total, type(total), language)}</span>{band}'
    return "; ".join(
        f"{escape(str(s.get('name', '')))} "
        + (
            NO_VALUE
            if s.get("value") is None
            else localized_score(s["value"], type(s["value"]), language)
        )
        for s in scores.get("scales") or []
    )


@register.simple_tag
def response_rows(responses, *, names, partner_a_id, today, clinic_slug) -> SafeString:
    """The rows of the couple page's "Due and completed" table: the questionnaire (a link to
    the answers once submitted), whose it is (`names`: partner A's, partner B's), when it is
    due, its standing on `today` and its scores."""
    language = translation.get_language()
    before, _, after = reverse(
        "assessment-response",
        kwargs={"clinic_slug": clinic_slug, "response_id": _ANY_RESPONSE},
    ).rpartition(str(_ANY_RESPONSE))
    rows = []
    for r in responses:
        name = escape(str(r.instrument_name))
        if r.is_submitted:
            instrument = f'<a href="{escape(f"{before}{r.pk}{after}")}">{name}</a>'
            status = f"Submitted {escape(format_when(r.submitted_at, 'date'))}"
        else:
            instrument = name
            status = (
                '<span class="badge alert">Overdue</span>'
                if r.is_overdue(today)
                else escape(str(r.get_status_display()))
            )
        partner = escape(str(names[0] if r.partner_id == partner_a_id else names[1]))
        rows.append(
            f"\n      <tr><td>{instrument}</td>\n        <td>{partner}</td>\n"
            f"        <td>{escape(format_when(r.due_on, 'date'))}</td>\n"
            f"        <td>{status}</td>\n"
            f"        <td>{_score_cell(r.scores, language)}</td></tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
