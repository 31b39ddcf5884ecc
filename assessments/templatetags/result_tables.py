"""The couple page's questionnaire tables (due and completed; results over time: each scale's
scores and the partners' differences), written in Python rather than as template loops.

A couple with a year of questionnaires has some 120 scores and 60 same-occasion differences on
the couple page; the template engine's work for each (look up, localise, escape) made these
loops most of the page's template time. The markup is the same the loops wrote, every value
escaped, dates and numbers as the clinic's locale writes them.
"""

from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from assessments.templatetags.caseload_scores import NO_VALUE, localized
from clinic.addresses import address_of_each
from clinic.date_style import format_when

register = template.Library()

CUTOFF_MET = SafeString(' <span class="cutoff">(cut-off met)</span>')
OVERDUE = SafeString('<span class="badge alert">Overdue</span>')


@lru_cache(maxsize=1024)
def _difference(value, kind: type, language: str | None) -> str:
    # `kind` keeps 1 and 1.0 apart, as in caseload_scores.localized.
    return str(floatformat(value, "-1"))


@register.simple_tag
def score_points(points, *, staff: bool, show_bands: bool) -> SafeString:
    """One scale's scores, oldest first, joined by arrows: each value (a dash when withheld)
    titled with the day it was given, with its band when `show_bands`, a star when estimated
    from the items answered, and, for `staff`, a note when the clinical cut-off is met."""
    language = translation.get_language()
    cutoff = CUTOFF_MET if staff else ""

    def item(pt):
        value = pt.value
        shown = NO_VALUE if value is None else localized(value, language)
        band = f" ({pt.band})" if pt.band and show_bands else ""
        star = "*" if pt.prorated else ""
        return (
            localized(pt.on, language),
            shown,
            band,
            star,
            cutoff if pt.cutoff_met is True else "",
        )

    # format_html escapes every value; CUTOFF_MET is a constant of this module.
    return format_html_join(" → ", '<span title="{}">{}{}{}{}</span>', map(item, points))


@register.simple_tag
def partner_differences(rows) -> SafeString:
    """The partners' difference on each shared occasion (`results.Discrepancy` rows), with
    whether it lies beyond the measurement error, joined by semicolons."""
    language = translation.get_language()

    def item(d):
        difference = d.result.difference
        beyond = d.result.beyond_measurement_error
        if beyond is True:
            verdict = " — beyond measurement error"
        elif beyond is False:
            verdict = " — within measurement error"
        else:
            verdict = " — raw difference"
        return (
            localized(d.occasion, language),
            _difference(difference, type(difference), language),
            verdict,
        )

    return format_html_join("; ", "{}: difference {}{}", map(item, rows))


def _score_cell(scores, language: str | None):
    if not scores:
        return ""
    total = scores.get("total")
    if total is not None:
        band = format_html(" · {}", scores["band"]) if scores.get("band") else ""
        shown = localized(total, language)
        return format_html('<span class="score">{}</span>{}', shown, band)
    return format_html_join(
        "; ",
        "{} {}",
        (
            (
                s.get("name", ""),
                NO_VALUE if s.get("value") is None else localized(s["value"], language),
            )
            for s in scores.get("scales") or []
        ),
    )


@register.simple_tag
def response_rows(responses, *, names, partner_a_id, today, clinic_slug) -> SafeString:
    """The rows of the couple page's "Due and completed" table: the questionnaire (a link to
    the answers once submitted), whose it is (`names`: partner A's, partner B's), when it is
    due, its standing on `today` and its scores."""
    language = translation.get_language()
    answers = address_of_each("assessment-response", "response_id", clinic_slug=clinic_slug)

    def row(r):
        if r.is_submitted:
            instrument = format_html('<a href="{}">{}</a>', answers(r.pk), r.instrument_name)
            status = format_html("Submitted {}", format_when(r.submitted_at, "date"))
        else:
            instrument = r.instrument_name
            status = OVERDUE if r.is_overdue(today) else r.get_status_display()
        return (
            instrument,
            names[0] if r.partner_id == partner_a_id else names[1],
            format_when(r.due_on, "date"),
            status,
            _score_cell(r.scores, language),
        )

    # format_html escapes every value; the links and cells it was given it made itself.
    return format_html_join(
        "",
        "\n      <tr><td>{}</td>\n        <td>{}</td>\n        <td>{}</td>\n"
        "        <td>{}</td>\n        <td>{}</td></tr>\n    ",
        map(row, responses),
    )
