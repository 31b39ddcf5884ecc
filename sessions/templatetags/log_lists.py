"""The rows of the couple page's lists of the last two weeks' practices, time-outs and
check-ins, and the cells of its regulation strip, written in Python rather than as template
loops.

A year-long couple lists some fifty entries, each with a take-back form; the template engine's
work for each of their dozen values (look up, localise, escape) made these lists most of the
Homework panel's template time. The markup is the same the loops wrote, every value escaped.
"""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

NO_RATING = "–"  # noqa: RUF001 - the en dash the lists have always shown
MUTED = SafeString(' class="muted"')


def _text(value) -> str:
    """A value as `{{ value }}` writes it in a template: localised (format_html escapes it)."""
    return str(formats.localize(value))


def _rating(value) -> str:
    return NO_RATING if value is None else _text(value)


def _take_back(row, csrf_input: str):
    if not row.void_url:
        return ""
    pk = _text(row.log.pk)
    return format_html(
        '<details class="small"><summary>Take back</summary>\n'
        '          <form method="post" action="{}">{}\n'
        '            <label for="void-reason-{}">Why is this entry taken back?</label>\n'
        '            <input type="text" id="void-reason-{}" name="reason" maxlength="500" required>\n'
        '            <button type="submit" class="secondary">Take back entry</button>\n'
        "          </form></details>",
        row.void_url,
        csrf_input,
        pk,
        pk,
    )


def _taken_back(log):
    if not log.voided_at:
        return ""
    return format_html(' <span class="badge">Taken back: {}</span>', _text(log.void_reason))


def _practice_cells(log):
    before = f"{_text(log.get_before_zone_display())} " if log.before_zone else ""
    after = f"{_text(log.get_after_zone_display())} " if log.after_zone else ""
    return format_html(
        "<td>{}</td><td>{} · {} min</td>\n        <td>{}{} → {}{}</td>\n        <td>{}{}</td>",
        _text(log.partner.display_name),
        _text(log.homework.title),
        _text(log.minutes),
        before,
        _rating(log.before_intensity),
        after,
        _rating(log.after_intensity),
        _text(log.note),
        _taken_back(log),
    )


def _time_out_cells(log):
    note = (
        format_html('<div class="small">{}</div>', _text(log.reconvene_note))
        if log.reconvene_note
        else ""
    )
    return format_html(
        "<td>{}</td><td>{}</td><td>{} min</td>\n        <td>{}{}</td><td>{}{}</td>",
        _text(log.partner.display_name),
        _text(log.called_by.display_name),
        _text(log.minutes_apart),
        "Yes" if log.reconvened else "No",
        note,
        _rating(log.intensity),
        _taken_back(log),
    )


def _check_in_cells(log):
    return format_html(
        '<td>{}</td><td><span class="badge zone-{}">{}</span></td><td>{}</td>\n'
        "        <td>{}{}</td>",
        _text(log.partner.display_name),
        _text(log.zone),
        _text(log.get_zone_display()),
        _text(log.intensity),
        _text(log.note),
        _taken_back(log),
    )


CELLS = {"practice": _practice_cells, "time-out": _time_out_cells, "check-in": _check_in_cells}


@register.simple_tag(takes_context=True)
def log_list_rows(context, rows, kind: str) -> SafeString:
    """The `<tr>` rows of one list (`homework.extensions.LogRow`s of `kind`: "practice",
    "time-out" or "check-in"): when, who and what, whether it was taken back and why, and the
    take-back form while it stands."""
    cells = CELLS[kind]
    # The request's one token, as `{% csrf_token %}` writes it in each form (markup it made).
    csrf_input = CsrfTokenNode().render(context)
    # format_html escapes every value; the cells and forms it was given it made itself.
    return format_html_join(
        "",
        "\n      <tr{}><td>{}</td>{}\n        <td>{}</td></tr>\n    ",
        (
            (
                MUTED if row.log.voided_at else "",
                _text(row.when),
                cells(row.log),
                _take_back(row, csrf_input),
            )
            for row in rows
        ),
    )


ZONE_MARKS = {"hyper": "↑", "hypo": "↓", "within": "·"}


@register.simple_tag
def strip_cells(cells) -> SafeString:
    """One partner's row of the two-week regulation strip (`homework.extensions.strip_rows`):
    each day's zone as a class and a mark, its words (day, zone, intensity, and whether both
    partners were out of their window) for the title and for screen readers."""

    def cell_values(cell):
        day, intensity = cell["day"], cell["intensity"]
        words = f"{_text(day['day'])}: {_text(cell['label'])}"
        title = words if intensity is None else f"{words} ({_text(intensity)}/10)"
        spoken = words if intensity is None else f"{words}, {_text(intensity)} of 10"
        if day["both_out"]:
            spoken += ", both partners out of their window"
        return (
            _text(cell["zone"] or "none"),
            " both-out" if day["both_out"] else "",
            title,
            spoken,
            ZONE_MARKS.get(cell["zone"], ""),
        )

    # format_html escapes every value.
    return format_html_join(
        "",
        '<td class="day zone-{}{}" title="{}"><span class="visually-hidden">{}</span>'
        '<span aria-hidden="true">{}</span></td>',
        map(cell_values, cells),
    )
