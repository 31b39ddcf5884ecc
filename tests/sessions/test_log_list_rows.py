"""The couple page's lists of logs are written by one template tag per list; it gives the rows
the template loops gave: values escaped, taken-back entries muted with their reason and no
form, each standing entry with its take-back form and the request's CSRF token; and the
regulation strip's cells, by another tag, as its loop wrote them."""

# ruff: noqa: RUF001 - the en dash the lists show for a missing rating
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from sessions.homework.extensions import log_rows
from tests.sessions.world import make_check_in, make_practice_log, make_time_out_log

pytestmark = pytest.mark.django_db

# The loops the tag replaces, as the Homework panel wrote them (with `row` and `log` the same).
TAKE_BACK = (
    '<td>{% if row.void_url %}<details class="small"><summary>Take back</summary>\n'
    '          <form method="post" action="{{ row.void_url }}">{% csrf_token %}\n'
    '            <label for="void-reason-{{ log.pk }}">Why is this entry taken back?</label>\n'
    '            <input type="text" id="void-reason-{{ log.pk }}" name="reason" maxlength="500"'
    " required>\n"
    '            <button type="submit" class="secondary">Take back entry</button>\n'
    "          </form></details>{% endif %}</td></tr>\n    {% endwith %}{% endfor %}"
)
START = (
    "{% for row in rows %}{% with log=row.log %}\n"
    '      <tr{% if log.voided_at %} class="muted"{% endif %}><td>{{ row.when }}</td>'
)
TAKEN_BACK = (
    '{% if log.voided_at %} <span class="badge">Taken back: {{ log.void_reason }}</span>{% endif %}'
)
LOOPS = {
    "practice": START
    + "<td>{{ log.partner.display_name }}</td><td>{{ log.homework.title }} · {{ log.minutes }}"
    " min</td>\n        <td>{% if log.before_zone %}{{ log.get_before_zone_display }} {% endif %}"
    '{{ log.before_intensity|default_if_none:"–" }} → {% if log.after_zone %}'
    '{{ log.get_after_zone_display }} {% endif %}{{ log.after_intensity|default_if_none:"–" }}'
    "</td>\n        <td>{{ log.note }}" + TAKEN_BACK + "</td>\n        " + TAKE_BACK,
    "time-out": START
    + "<td>{{ log.partner.display_name }}</td><td>{{ log.called_by.display_name }}</td>"
    "<td>{{ log.minutes_apart }} min</td>\n        <td>{% if log.reconvened %}Yes{% else %}No"
    '{% endif %}{% if log.reconvene_note %}<div class="small">{{ log.reconvene_note }}</div>'
    '{% endif %}</td><td>{{ log.intensity|default_if_none:"–" }}'
    + TAKEN_BACK
    + "</td>\n        "
    + TAKE_BACK,
    "check-in": START
    + '<td>{{ log.partner.display_name }}</td><td><span class="badge zone-{{ log.zone }}">'
    "{{ log.get_zone_display }}</span></td><td>{{ log.intensity }}</td>\n        "
    "<td>{{ log.note }}" + TAKEN_BACK + "</td>\n        " + TAKE_BACK,
}
MOMENTS = {"practice": "practiced_at", "time-out": "started_at", "check-in": "checked_at"}


def _logs(couple, kind):
    a, b = couple.partner_a, couple.partner_b
    if kind == "practice":
        return [
            make_practice_log(
                couple,
                a,
                note="Calm & <slow>",
                before_zone="hyper",
                before_intensity=7,
                after_zone="within",
                after_intensity=3,
            ),
            make_practice_log(couple, b),
        ]
    if kind == "time-out":
        return [
            make_time_out_log(couple, a, reconvene_note="Talked <it> over", intensity=6),
            make_time_out_log(couple, b, called_by=a, reconvened=False),
        ]
    return [make_check_in(couple, a, note="Tired & <b>"), make_check_in(couple, b, zone="hypo")]


@pytest.mark.parametrize("kind", sorted(LOOPS))
def test_log_list_rows_write_what_the_template_loops_wrote(couple, therapist, kind):
    standing, taken_back = _logs(couple, kind)
    taken_back.voided_at, taken_back.void_reason = timezone.now(), "Wrong <day> & time"
    rows = log_rows([standing, taken_back], couple=couple, kind=kind, moment=MOMENTS[kind])
    context = {"rows": rows, "kind": kind, "csrf_token": "the-request-token"}
    loop = Template(LOOPS[kind]).render(Context(context))
    tag = Template("{% load log_lists %}{% log_list_rows rows kind %}").render(Context(context))
    assert tag == loop
    assert tag.count('value="the-request-token"') == 1  # one form: the standing entry's
    assert "Taken back: Wrong &lt;day&gt; &amp; time" in tag
    assert re.search(r'<tr class="muted"><td>[^<]+</td>', tag)


STRIP_LOOP = (
    "{% for cell in cells %}<td class=\"day zone-{{ cell.zone|default:'none' }}"
    '{% if cell.day.both_out %} both-out{% endif %}" title="{{ cell.day.day }}: {{ cell.label }}'
    '{% if cell.intensity is not None %} ({{ cell.intensity }}/10){% endif %}">'
    '<span class="visually-hidden">{{ cell.day.day }}: {{ cell.label }}'
    "{% if cell.intensity is not None %}, {{ cell.intensity }} of 10{% endif %}"
    "{% if cell.day.both_out %}, both partners out of their window{% endif %}</span>"
    '<span aria-hidden="true">{% if cell.zone == "hyper" %}↑{% elif cell.zone == "hypo" %}↓'
    '{% elif cell.zone == "within" %}·{% endif %}</span></td>{% endfor %}'
)


def test_strip_cells_write_what_the_template_loop_wrote():
    from sessions.templatetags.log_lists import strip_cells

    calm = {"day": "Mon 2 Mar", "both_out": False}
    stormy = {"day": "Tue 3 Mar", "both_out": True}
    cells = [
        {"day": calm, "zone": "", "label": "No rating", "intensity": None},
        {"day": stormy, "zone": "hyper", "label": "Hyper <up> & away", "intensity": 8},
        {"day": calm, "zone": "within", "label": "Within", "intensity": 0},
        {"day": stormy, "zone": "hypo", "label": "Hypo", "intensity": None},
    ]
    cells_html = strip_cells(cells)
    assert cells_html == Template(STRIP_LOOP).render(Context({"cells": cells}))
    assert (
        'class="day zone-hyper both-out" title="Tue 3 Mar: Hyper &lt;up&gt; &amp; away (8/10)"'
        in (cells_html)
    )
