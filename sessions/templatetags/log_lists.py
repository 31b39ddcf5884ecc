"""The rows of the couple page's lists of the last two weeks' practices, time-outs and
check-ins, and the cells of its regulation strip, written in Python rather than as template
loops.

A year-long couple lists some fifty entries, each with a take-back form; the template engine's
work for each of their dozen values (look up, localise, escape) made these lists most of the
Homework panel's template time. The markup is the same the loops wrote, every value escaped.
"""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NO_RATING = "–"  # noqa: RUF001 - the en dash the lists have always shown
MUTED = ' class="muted"'


def _text(value) -> str:
    """A value as `{{ value }}` writes it in a template: localised, then escaped."""
    return escape(str(formats.localize(value)))


def _rating(value) -> str:
    return NO_RATING if value is None else _text(value)


def _take_back(row, csrf_input: str) -> str:
    if not row.void_url:
        return ""
    pk = _text(row.log.pk)
    return (
        '<details class="small"><summary>Take back</summary>\n'
        f'          <form method="post" action="{escape(row.void_url)}">{csrf_input}\n'
        f'            <label for="void-reason-{pk}">Why is this entry taken back?</label>\n'
        f'            <input type="text" id="void-reason-{pk}" name="reason" maxlength="500" required>\n'
        '            <button type="submit" class="secondary">Take back entry</button>\n'
        "          </form></details>"
    )


def _taken_back(log) -> str:
    return (
        f' <span class="badge">Taken back: {_text(log.void_reason)}</span>' if log.voided_at else ""
    )


def _practice_cells(log) -> str:
    before = f"{_text(log.get_before_zone_display())} " if log.before_zone else ""
    after = f"{_text(log.get_after_zone_display())} " if log.after_zone else ""
    return (
        f"<td>{_text(log.partner.display_name)}</td>"
        f"<td>{_text(log.homework.title)} · {_text(log.minutes)} min</td>\n"
        f"        <td>{before}{_rating(log.before_intensity)} → "
        f"{after}{_rating(log.after_intensity)}</td>\n"
        f"        <td>{_text(log.note)}{_taken_back(log)}</td>"
    )


def _time_out_cells(log) -> str:
    note = f'<div class="small">{_text(log.reconvene_note)}</div>' if log.reconvene_note else ""
    return (
        f"<td>{_text(log.partner.display_name)}</td><td>{_text(log.called_by.display_name)}</td>"
        f"<td>{_text(log.minutes_apart)} min</td>\n"
        f"        <td>{'Yes' if log.reconvened else 'No'}{note}</td>"
        f"<td>{_rating(log.intensity)}{_taken_back(log)}</td>"
    )


def _check_in_cells(log) -> str:
    return (
        f"<td>{_text(log.partner.display_name)}</td>"
        f'<td><span class="badge zone-{_text(log.zone)}">{_text(log.get_zone_display())}</span></td>'
        f"<td>{_text(log.intensity)}</td>\n"
        f"        <td>{_text(log.note)}{_taken_back(log)}</td>"
    )


CELLS = {"practice": _practice_cells, "time-out": _time_out_cells, "check-in": _check_in_cells}


@register.simple_tag(takes_context=True)
def log_list_rows(context, rows, kind: str) -> SafeString:
    """The `<tr>` rows of one list (`homework.extensions.LogRow`s of `kind`: "practice",
    "time-out" or "check-in"): when, who and what, whether it was taken back and why, and the
    take-back form while it stands."""
    cells = CELLS[kind]
    # The request's one token, as `{% csrf_token %}` writes it in each form.
    csrf_input = CsrfTokenNode().render(context)
    return mark_safe(  # noqa: S308 - every value is escaped above
        "".join(
            f"\n      <tr{MUTED if row.log.voided_at else ''}>"
            f"<td>{_text(row.when)}</td>{cells(row.log)}\n"
            f"        <td>{_take_back(row, csrf_input)}</td></tr>\n    "
            for row in rows
        )
    )


ZONE_MARKS = {"hyper": "↑", "hypo": "↓", "within": "·"}


@register.simple_tag
def strip_cells(cells) -> SafeString:
    """One partner's row of the two-week regulation strip (`homework.extensions.strip_rows`):
    each day's zone as a class and a mark, its words (day, zone, intensity, and whether both
    partners were out of their window) for the title and for screen readers."""
    out = []
    for cell in cells:
        day, intensity = cell["day"], cell["intensity"]
        both_out = " both-out" if day["both_out"] else ""
        words = f"{_text(day['day'])}: {_text(cell['label'])}"
        title = words if intensity is None else f"{words} ({_text(intensity)}/10)"
        spoken = words if intensity is None else f"{words}, {_text(intensity)} of 10"
        if day["both_out"]:
            spoken += ", both partners out of their window"
        out.append(
            f'<td class="day zone-{_text(cell["zone"] or "none")}{both_out}" title="{title}">'
            f'<span class="visually-hidden">{spoken}</span>'
            f'<span aria-hidden="true">{ZONE_MARKS.get(cell["zone"], "")}</span></td>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
