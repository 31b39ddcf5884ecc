"""Reads that need care for logs and regulation: a fixed number of queries whatever the amount
of data, clinic-local dates, and the confidentiality module asked for what a partner sees.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from clinic.confidentiality import Material
from clinic.models import Client, Couple
from clinic.sharing_filters import partner_material_q
from sessions.local_dates import clinic_today, day_bounds, local_date
from sessions.logs.regulation import (
    StripDay,
    ZoneReading,
    both_out_of_window_days,
    daily_zones,
    practice_readings,
    regulation_strip,
)
from sessions.models import (
    CheckIn,
    PracticeLog,
    TimeOutLog,
)

STRIP_DAYS = 14


def practice_logs_of(*, couple: Couple) -> QuerySet[PracticeLog]:
    return (
        PracticeLog.objects.for_clinic(couple.clinic)
        .filter(couple=couple)
        .select_related("homework", "partner", "voided_by")
    )


def time_out_logs_of(*, couple: Couple) -> QuerySet[TimeOutLog]:
    return (
        TimeOutLog.objects.for_clinic(couple.clinic)
        .filter(couple=couple)
        .select_related("partner", "called_by", "voided_by")
    )


def check_ins_of(*, couple: Couple) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.for_clinic(couple.clinic)
        .filter(couple=couple)
        .select_related("partner", "voided_by")
    )


def logs_visible_to_partner(*, model, material: Material, couple: Couple, client: Client):
    """One kind of log as a partner sees it (portal API and pages alike): their own entries,
    taken-back ones included (marked), and the other partner's live entries only where the
    confidentiality policy shares that material, from its "from now on" boundary if it has
    one. A taken-back entry of the other partner is no longer theirs to show."""
    return (
        model.objects.for_clinic(couple.clinic)
        .filter(couple=couple)
        .filter(partner_material_q(couple=couple, client=client, material=material, model=model))
        .filter(Q(voided_at__isnull=True) | Q(partner=client))
    )


@dataclass(frozen=True)
class PartnerStrip:
    partner: Client
    days: list[StripDay]


@dataclass(frozen=True)
class CoupleRegulation:
    start: date
    end: date
    strips: list[PartnerStrip]
    both_out: list[date]
    # The check-ins and practice logs the strip was drawn from (unsaved stubs carrying only
    # their ids), so a view can audit every record it reveals.
    sources: list = field(default_factory=list)


def regulation_window(*, couple: Couple, end: date | None = None, days: int = STRIP_DAYS):
    """The first and last clinic-local day of a strip of `days` days ending `end` (default
    today, clinic time)."""
    end = end or clinic_today(couple.clinic)
    return end - timedelta(days=days - 1), end


def regulation_of(
    *, couple: Couple, end: date | None = None, days: int = STRIP_DAYS
) -> CoupleRegulation:
    """Each partner's day-by-day window-of-tolerance zone over `days` days ending `end`
    (default today, clinic time), and the days both were out of their window (two queries).

    A day's zone is its most dysregulated rating (sessions.regulation.daily_zone) among the
    partner's check-ins and the before/after ratings of their practice logs.
    """
    clinic = couple.clinic
    start, end = regulation_window(couple=couple, end=end, days=days)
    since, until = day_bounds(start, end, clinic)
    check_ins = list(
        CheckIn.objects.for_clinic(clinic)
        .current()
        .filter(couple=couple, checked_at__gte=since, checked_at__lt=until)
        .values_list("id", "partner_id", "checked_at", "zone", "intensity")
    )
    practices = list(
        PracticeLog.objects.for_clinic(clinic)
        .current()
        .filter(couple=couple, practiced_at__gte=since, practiced_at__lt=until)
        .values_list(
            "id",
            "partner_id",
            "practiced_at",
            "before_zone",
            "before_intensity",
            "after_zone",
            "after_intensity",
        )
    )
    regulation = regulation_from(
        couple=couple,
        start=start,
        end=end,
        check_ins=[row[1:] for row in check_ins],
        practices=[row[1:] for row in practices],
    )
    sources: list = [CheckIn(pk=row[0]) for row in check_ins]
    sources += [PracticeLog(pk=row[0]) for row in practices]
    return replace(regulation, sources=sources)


def regulation_from(
    *, couple: Couple, start: date, end: date, check_ins: Iterable, practices: Iterable
) -> CoupleRegulation:
    """The strip of `regulation_of` drawn from ratings already loaded, for a page that lists
    the same check-ins and practice logs and so need not read them twice.

    `check_ins` are (partner id, checked_at, zone, intensity) and `practices` (partner id,
    practiced_at, before zone, before intensity, after zone, after intensity) of live (not
    taken back) entries; those outside start..end (clinic-local days) are left out.
    """
    clinic = couple.clinic
    readings: dict[object, list[ZoneReading]] = {couple.partner_a_id: [], couple.partner_b_id: []}
    for partner_id, at, zone, intensity in check_ins:
        on = local_date(at, clinic)
        if partner_id in readings and start <= on <= end:
            readings[partner_id].append(ZoneReading(on, zone, intensity, at))
    for partner_id, at, b_zone, b_intensity, a_zone, a_intensity in practices:
        on = local_date(at, clinic)
        if partner_id in readings and start <= on <= end:
            readings[partner_id].extend(
                practice_readings(on, b_zone, b_intensity, a_zone, a_intensity, at)
            )
    days = (end - start).days + 1
    zones = {partner_id: daily_zones(r) for partner_id, r in readings.items()}
    return CoupleRegulation(
        start=start,
        end=end,
        strips=[
            PartnerStrip(partner, regulation_strip(zones[partner.pk], start, days))
            for partner in couple.partners
        ],
        both_out=both_out_of_window_days(zones[couple.partner_a_id], zones[couple.partner_b_id]),
    )
