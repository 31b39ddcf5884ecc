"""Regulation, homework adherence, time-outs and physiology sections of a report.

One query per kind of record (check-ins, practice logs, time-outs, homework, measurements),
whatever the length of the period; the arithmetic is the pure modules' (sessions.regulation,
sessions.adherence), so the report and the couple page agree.
"""

from collections import defaultdict
from datetime import date

from django.db.models.functions import TruncDate
from django.utils import timezone

from clinic.confidentiality import Figure, item_time
from reports.contents import (
    AdherenceRow,
    MeasurementPoint,
    PhysiologySeries,
    PracticeEntry,
    RegulationSummary,
    TimeOutSummary,
    ZoneDay,
)
from sessions.homework.adherence import adherence_summary, weekly_adherence
from sessions.logs.regulation import (
    PracticeArousal,
    Zone,
    ZoneReading,
    arousal_shift,
    both_out_of_window_days,
    daily_zones,
    practice_readings,
    zone_counts,
)
from sessions.measurements.physiology import KIND_BY_CODE
from sessions.models import CheckIn, Homework, HomeworkKind, Measurement, PracticeLog, TimeOutLog


def _day(value, tz) -> date:
    return timezone.localtime(value, tz).date()


def practice_rows(scope) -> list[tuple]:
    """(partner_id, local date, homework_id, before zone, before 0-10, after zone, after 0-10,
    sharing time) of the period's practice logs; read once per report, by regulation and
    adherence alike."""
    if "practice" not in scope.memo:
        scope.memo["practice"] = [
            (*row[:7], item_time(row[7], row[8]))
            for row in PracticeLog.objects.for_clinic(scope.couple.clinic)
            .current()
            .filter(couple=scope.couple, practiced_at__gte=scope.start, practiced_at__lte=scope.end)
            .annotate(on=TruncDate("practiced_at", tzinfo=scope.couple.clinic.tz))
            .values_list(
                "partner_id",
                "on",
                "homework_id",
                "before_zone",
                "before_intensity",
                "after_zone",
                "after_intensity",
                "practiced_at",
                "created_at",
            )
        ]
    return scope.memo["practice"]


def _days_counted(scope, figure: Figure, index: int) -> int:
    """Days of the period a partner's figure counts: all of them, or those from a "from now
    on" boundary inside the period."""
    first = scope.shown_from(figure, index) or scope.report.period_start
    return (scope.report.period_end - first).days + 1


def gather_regulation(scope) -> dict:
    """`regulation` (per partner) and `both_out_of_window` sections.

    A partner's day zone is reduced from their check-ins and their practice logs' before and
    after ratings, as on the couple page (`practice_readings`), so both count the same days.
    """
    clinic, tz = scope.couple.clinic, scope.couple.clinic.tz
    readings: dict[int, list[ZoneReading]] = defaultdict(list)
    for partner_id, on, checked_at, zone, intensity, created_at in (
        CheckIn.objects.for_clinic(clinic)
        .current()
        .filter(couple=scope.couple, checked_at__gte=scope.start, checked_at__lte=scope.end)
        .annotate(on=TruncDate("checked_at", tzinfo=tz))
        .values_list("partner_id", "on", "checked_at", "zone", "intensity", "created_at")
    ):
        if scope.sees(Figure.REGULATION, partner_id, item_time(checked_at, created_at)):
            readings[scope.partner_index(partner_id)].append(
                ZoneReading(on=on, zone=Zone(zone), intensity=intensity, at=checked_at)
            )
    practices: dict[int, list[tuple[date, PracticeArousal]]] = defaultdict(list)
    for partner_id, on, _homework, before_zone, before, after_zone, after, at in practice_rows(
        scope
    ):
        if scope.sees(Figure.REGULATION, partner_id, at):
            readings[scope.partner_index(partner_id)].extend(
                practice_readings(on, before_zone, before, after_zone, after)
            )
            practices[scope.partner_index(partner_id)].append(
                (
                    on,
                    PracticeArousal(
                        before_intensity=before,
                        after_intensity=after,
                        before_zone=Zone(before_zone) if before_zone else None,
                        after_zone=Zone(after_zone) if after_zone else None,
                    ),
                )
            )
    hidden = scope.withhold("regulation", Figure.REGULATION)
    visible = [i for i in range(len(scope.partners)) if i not in hidden]
    days_by_partner = {i: daily_zones(readings.get(i, [])) for i in visible}
    summaries = []
    for i in visible:
        days = days_by_partner[i]
        counts = zone_counts(days)
        shift = arousal_shift(p for _, p in practices.get(i, []))
        summaries.append(
            RegulationSummary(
                partner=i,
                days_hyper=counts.get(Zone.HYPER, 0),
                days_within=counts.get(Zone.WITHIN, 0),
                days_hypo=counts.get(Zone.HYPO, 0),
                days_without_checkin=_days_counted(scope, Figure.REGULATION, i) - len(days),
                practices_logged=len(practices.get(i, [])),
                arousal_before_mean=shift.mean_before,
                arousal_after_mean=shift.mean_after,
                days=tuple(
                    ZoneDay(on=d.on, zone=d.zone.value, distress=d.intensity)
                    for d in sorted(days.values(), key=lambda d: d.on)
                ),
                practices=tuple(
                    PracticeEntry(on=on, before=p.before_intensity, after=p.after_intensity)
                    for on, p in sorted(practices.get(i, []), key=lambda x: x[0])
                ),
            )
        )
    both = None  # the document states it as not shared
    if not scope.hidden_partners(Figure.BOTH_OUT_OF_WINDOW):
        both = tuple(both_out_of_window_days(days_by_partner[0], days_by_partner[1]))
    return {"regulation": tuple(summaries), "both_out_of_window": both}


def gather_adherence(scope) -> dict:
    """`adherence`: one row per partner per homework with a weekly target active in the
    period (couple homework has a row for each partner: each is expected to practise), counted
    as the couple page counts it (`weekly_adherence`, `adherence_summary`)."""
    clinic, tz = scope.couple.clinic, scope.couple.clinic.tz
    homework = [
        h
        for h in Homework.objects.for_clinic(clinic)
        .filter(couple=scope.couple, target_per_week__isnull=False)
        .exclude(kind=HomeworkKind.TIME_OUT)
        .filter(start_date__lte=scope.report.period_end)
        .order_by("start_date", "title")
        if (h.end_date is None or h.end_date >= scope.report.period_start)
        and (h.partner_id is None or scope.sees(Figure.HOMEWORK_PLAN, h.partner_id, h.created_at))
    ]
    hidden = scope.withhold("adherence", Figure.ADHERENCE)
    logs: dict = defaultdict(list)
    for partner_id, on, homework_id, *_, at in practice_rows(scope):
        if scope.sees(Figure.ADHERENCE, partner_id, at):
            logs[(homework_id, partner_id)].append(on)
    today = min(timezone.localdate(timezone=tz), scope.report.period_end)
    rows = []
    for h in homework:
        start = max(h.start_date, scope.report.period_start)
        end = min(h.end_date or scope.report.period_end, scope.report.period_end)
        owners = [h.partner_id] if h.partner_id else [p.pk for p in scope.partners]
        for owner in owners:
            index = scope.partner_index(owner)
            # Shared "from now on" within the period: expected and logged both count from then.
            shown_from = scope.shown_from(Figure.ADHERENCE, index)
            # ... and a homework that ended before then has nothing to show: withheld.
            withheld = index in hidden or (shown_from is not None and shown_from > end)
            weeks = weekly_adherence(
                start=max(start, shown_from) if shown_from and not withheld else start,
                end=end,
                target_per_week=h.target_per_week,
                log_dates=logs.get((h.pk, owner), []),
                today=today,
            )
            summary = adherence_summary(weeks)
            rows.append(
                AdherenceRow(
                    title=h.title,
                    target_per_week=h.target_per_week,
                    logged=None if withheld else summary.logged,
                    expected=summary.target,
                    percent=None if withheld else summary.percentage,
                    partner=index,
                    couple_homework=h.partner_id is None,
                    extra=None if withheld else summary.beyond_target,
                )
            )
    return {"adherence": tuple(rows)}


def gather_time_outs(scope) -> dict:
    """`time_outs`: how often each partner called a time-out and how often the couple
    reconvened, counted from the logs the audience may see; the rest is stated as withheld."""
    hidden = scope.withhold("time_outs", Figure.TIME_OUTS)
    counted_from = tuple(i for i in range(len(scope.partners)) if i not in hidden)
    called = [0, 0]
    reconvened = 0
    for row in (
        TimeOutLog.objects.for_clinic(scope.couple.clinic)
        .current()
        .filter(couple=scope.couple, started_at__gte=scope.start, started_at__lte=scope.end)
        .values("partner_id", "called_by_id", "reconvened", "started_at", "created_at")
        .order_by("started_at")
    ):
        if scope.partner_index(row["partner_id"]) not in counted_from or not scope.sees(
            Figure.TIME_OUTS, row["partner_id"], item_time(row["started_at"], row["created_at"])
        ):
            continue
        index = scope.partner_index(row["called_by_id"])
        if index is not None:
            called[index] += 1
        reconvened += bool(row["reconvened"])
    return {
        "time_outs": TimeOutSummary(
            called_by=(called[0], called[1]), reconvened=reconvened, counted_from=counted_from
        )
    }


def gather_physiology(scope) -> dict:
    """`physiology`: each partner's readings per kind over the period."""
    tz = scope.couple.clinic.tz
    scope.withhold("physiology", Figure.PHYSIOLOGY)
    series: dict[tuple[int, str], list[MeasurementPoint]] = defaultdict(list)
    units: dict[str, str] = {}
    for row in (
        Measurement.objects.for_clinic(scope.couple.clinic)
        .current()
        .filter(couple=scope.couple, measured_at__gte=scope.start, measured_at__lte=scope.end)
        .order_by("measured_at")
        .values("partner_id", "kind", "value", "unit", "measured_at", "created_at")
    ):
        at = item_time(row["measured_at"], row["created_at"])
        if not scope.sees(Figure.PHYSIOLOGY, row["partner_id"], at):
            continue
        key = (scope.partner_index(row["partner_id"]), row["kind"])
        series[key].append(MeasurementPoint(on=_day(row["measured_at"], tz), value=row["value"]))
        units[row["kind"]] = row["unit"]
    return {
        "physiology": tuple(
            PhysiologySeries(
                partner=partner,
                kind=kind,
                label=KIND_BY_CODE[kind].label if kind in KIND_BY_CODE else kind,
                unit=units[kind],
                points=tuple(points),
            )
            for (partner, kind), points in sorted(series.items())
        )
    }
