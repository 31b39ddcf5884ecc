"""The results table's score series and partner differences are written by two template tags;
they give the markup the template loops gave, in each locale, every value escaped."""

from datetime import date

import pytest
from django.template import Context, Template
from django.utils import translation

from assessments.reliable_change import DiscrepancyResult
from assessments.results import Discrepancy, Point
from assessments.templatetags.result_tables import partner_differences, score_points

# The loops the tags replace, as the partial wrote them.
POINTS_LOOP = (
    '{% for pt in points %}<span title="{{ pt.on }}">{{ pt.value|default_if_none:"—" }}'
    "{% if pt.band and show_bands %} ({{ pt.band }}){% endif %}{% if pt.prorated %}*{% endif %}"
    '{% if staff and pt.cutoff_met is True %} <span class="cutoff">(cut-off met)</span>{% endif %}'
    "</span>{% if not forloop.last %} → {% endif %}{% endfor %}"
)
DIFFERENCES_LOOP = (
    '{% for d in rows %}{{ d.occasion }}: difference {{ d.result.difference|floatformat:"-1" }}'
    "{% if d.result.beyond_measurement_error is True %} — beyond measurement error"
    "{% elif d.result.beyond_measurement_error is False %} — within measurement error"
    "{% else %} — raw difference{% endif %}{% if not forloop.last %}; {% endif %}{% endfor %}"
)


def _point(on, value, *, band=None, prorated=False, cutoff_met=None) -> Point:
    return Point(
        response_id="r",
        on=on,
        occasion=on,
        value=value,
        band=band,
        prorated=prorated,
        withheld_reason=None,
        version=1,
        cutoff_met=cutoff_met,
    )


POINTS = [
    _point(date(2026, 1, 5), 12, band="Moderate", cutoff_met=True),
    _point(date(2026, 2, 2), 3.5, band="<Mild & low>", prorated=True, cutoff_met=False),
    _point(date(2026, 3, 2), None, band=""),
    _point(date(2026, 12, 28), 1.0, cutoff_met=True),
]


def _difference(on, difference, beyond) -> Discrepancy:
    return Discrepancy(
        on,
        DiscrepancyResult(
            instrument="csi16",
            version=1,
            scale="total",
            a=0.0,
            b=0.0,
            difference=difference,
            threshold=None,
            beyond_measurement_error=beyond,
            method="m",
            source=None,
        ),
    )


DIFFERENCES = [
    _difference(date(2026, 1, 5), 12.0, True),
    _difference(date(2026, 2, 2), -3.25, False),
    _difference(date(2026, 3, 2), 4, None),
]


@pytest.mark.parametrize("language", ["en-gb", "en-us"])
@pytest.mark.parametrize(("staff", "show_bands"), [(True, True), (False, True), (False, False)])
def test_score_points_write_what_the_template_loop_wrote(language, staff, show_bands):
    with translation.override(language):
        loop = Template(POINTS_LOOP).render(
            Context({"points": POINTS, "staff": staff, "show_bands": show_bands})
        )
        assert score_points(POINTS, staff=staff, show_bands=show_bands) == loop


def test_score_points_escape_bands_and_title_each_score_with_its_day():
    with translation.override("en-gb"):
        html = score_points(POINTS[:2], staff=True, show_bands=True)
    assert html == (
        '<span title="5 Jan 2026">12 (Moderate) <span class="cutoff">(cut-off met)</span></span>'
        ' → <span title="2 Feb 2026">3.5 (&lt;Mild &amp; low&gt;)*</span>'
    )


@pytest.mark.parametrize("language", ["en-gb", "en-us"])
def test_partner_differences_write_what_the_template_loop_wrote(language):
    with translation.override(language):
        loop = Template(DIFFERENCES_LOOP).render(Context({"rows": DIFFERENCES}))
        assert partner_differences(DIFFERENCES) == loop


def test_partner_differences_say_whether_each_is_beyond_measurement_error():
    with translation.override("en-us"):
        text = partner_differences(DIFFERENCES)
    assert text == (
        "Jan 5, 2026: difference 12 — beyond measurement error; "
        "Feb 2, 2026: difference -3.3 — within measurement error; "
        "Mar 2, 2026: difference 4 — raw difference"
    )


RESPONSES_LOOP = (
    "{% load attune %}{% for r in responses %}\n"
    "      <tr><td>{% if r.is_submitted %}<a href=\"{% url 'assessment-response' "
    'clinic_slug=slug response_id=r.pk %}">{{ r.instrument_name }}</a>'
    "{% else %}{{ r.instrument_name }}{% endif %}</td>\n"
    "        <td>{% if r.partner_id == a_id %}{{ names.0 }}{% else %}{{ names.1 }}{% endif %}</td>\n"
    '        <td>{{ r.due_on|when:"date" }}</td>\n'
    '        <td>{% if r.is_submitted %}Submitted {{ r.submitted_at|when:"date" }}'
    '{% elif r|overdue_on:today %}<span class="badge alert">Overdue</span>'
    "{% else %}{{ r.get_status_display }}{% endif %}</td>\n"
    "        <td>{% if r.scores %}{% if r.scores.total is not None %}"
    '<span class="score">{{ r.scores.total }}</span>{% if r.scores.band %} · {{ r.scores.band }}'
    "{% endif %}{% else %}{% for s in r.scores.scales %}{{ s.name }} "
    '{{ s.value|default_if_none:"—" }}{% if not forloop.last %}; {% endif %}{% endfor %}'
    "{% endif %}{% endif %}</td></tr>\n    {% endfor %}"
)


def _responses():
    import uuid
    from datetime import UTC, datetime

    from assessments.models import Response

    a, b = uuid.uuid4(), uuid.uuid4()
    submitted = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    rows = [
        Response(
            instrument_code="phq9",
            instrument_version=1,
            partner_id=a,
            due_on=date(2026, 3, 1),
            status="submitted",
            submitted_at=submitted,
            scores={"total": 12, "band": "Moderate <b>", "scales": []},
        ),
        Response(
            instrument_code="ecrr",
            instrument_version=1,
            partner_id=b,
            due_on=date(2026, 3, 2),
            status="submitted",
            submitted_at=submitted,
            scores={
                "total": None,
                "scales": [{"name": "Anxiety", "value": 3.5}, {"name": "A & B", "value": None}],
            },
        ),
        Response(
            instrument_code="gad7", instrument_version=1, partner_id=b, due_on=date(2026, 3, 3)
        ),
        Response(
            instrument_code="gone",
            instrument_version=1,
            partner_id=a,
            due_on=date(2026, 3, 20),
            status="in_progress",
        ),
    ]
    return rows, a


@pytest.mark.parametrize("language", ["en-gb", "en-us"])
def test_response_rows_write_what_the_template_loop_wrote(language):
    from django.urls import reverse

    from assessments.templatetags.result_tables import response_rows

    responses, a_id = _responses()
    names, today = ("Ana <A>", "Bo & B"), date(2026, 3, 10)
    with translation.override(language):
        loop = Template(RESPONSES_LOOP).render(
            Context(
                {"responses": responses, "names": names, "a_id": a_id, "today": today, "slug": "c1"}
            )
        )
        rows = response_rows(
            responses, names=names, partner_a_id=a_id, today=today, clinic_slug="c1"
        )
    assert rows == loop
    assert 'class="badge alert">Overdue' in rows and "Started" in rows  # both open standings
    link = reverse("assessment-response", args=["c1", responses[0].pk])
    assert f'<a href="{link}">PHQ-9</a>' in rows
