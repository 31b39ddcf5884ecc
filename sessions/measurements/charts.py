"""Server-rendered charts of each partner's physiological markers over time, with the days of
held sessions marked: reports.charts draws them (ReportLab) and turns them into inline SVG.

Readings are only drawn together when they are comparable: same kind, same stored unit and,
for kinds whose unit or range depends on context (cortisol sample type, RSA method), the same
variant.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.safestring import SafeString, mark_safe

from clinic.models import Couple
from reports.charts import WEB_WIDTH, chart_svg, physiology_chart, web_sizes
from reports.contents import MeasurementPoint, PhysiologySeries
from sessions.local_dates import clinic_today, day_bounds, local_date
from sessions.measurements.physiology import KIND_BY_CODE
from sessions.models import Measurement, SessionStatus, TherapySession

CHART_DAYS = 90


@dataclass(frozen=True)
class MarkerChart:
    title: str
    svg: SafeString
    readings: int


def _series_key(measurement) -> tuple[str, str, str]:
    spec = KIND_BY_CODE.get(measurement.kind)
    variant = ""
    if spec is not None and spec.variant_field:
        variant = str(measurement.context.get(spec.variant_field, ""))
    return measurement.kind, measurement.unit, variant


def _label(kind: str, variant: str) -> str:
    spec = KIND_BY_CODE.get(kind)
    label = spec.label if spec else kind
    return f"{label} ({variant.replace('_', ' ')})" if variant else label


def build_charts(
    *, measurements: Iterable, partners: tuple, start: date, end: date, session_days, clinic
) -> list[MarkerChart]:
    """One chart per comparable series group, partners told apart by colour and marker."""
    index = {partner.pk: i for i, partner in enumerate(partners)}
    groups: dict[tuple[str, str, str], dict[int, list[MeasurementPoint]]] = {}
    for m in measurements:
        if m.partner_id not in index:
            continue
        points = groups.setdefault(_series_key(m), {})
        points.setdefault(index[m.partner_id], []).append(
            MeasurementPoint(local_date(m.measured_at, clinic), float(m.value))
        )
    names = [p.display_name for p in partners]
    charts = []
    for (kind, unit, variant), by_partner in sorted(groups.items()):
        label = _label(kind, variant)
        series = [
            PhysiologySeries(partner=i, kind=kind, label=label, unit=unit, points=tuple(points))
            for i, points in sorted(by_partner.items())
        ]
        title = f"{label} over time"
        with web_sizes():
            drawn = chart_svg(
                physiology_chart,
                series,
                names,
                start,
                end,
                sorted(session_days),
                width=WEB_WIDTH,
                title=title,
            )
        # drawing_to_svg escapes every text node, so the markup is safe to embed.
        svg = mark_safe(drawn)  # noqa: S308  # nosec B308 B703
        charts.append(MarkerChart(title, svg, sum(len(p) for p in by_partner.values())))
    return charts


def couple_marker_charts(
    *, couple: Couple, days: int = CHART_DAYS
) -> tuple[list[MarkerChart], list[Measurement]]:
    """Charts of the couple's readings over the last `days` days, and the readings drawn (for
    the audit trail), in two queries."""
    clinic = couple.clinic
    end = clinic_today(clinic)
    start = end - timedelta(days=days - 1)
    since, until = day_bounds(start, end, clinic)
    measurements = list(
        Measurement.objects.for_clinic(clinic)
        .current()
        .filter(couple=couple, measured_at__gte=since, measured_at__lt=until)
        .order_by("measured_at")
    )
    if not measurements:
        return [], []
    session_days = {
        local_date(at, clinic)
        for at in TherapySession.objects.for_clinic(clinic)
        .filter(
            couple=couple,
            status=SessionStatus.HELD,
            starts_at__gte=since,
            starts_at__lt=until,
        )
        .values_list("starts_at", flat=True)
    }
    charts = build_charts(
        measurements=measurements,
        partners=couple.partners,
        start=start,
        end=end,
        session_days=session_days,
        clinic=clinic,
    )
    return charts, measurements
