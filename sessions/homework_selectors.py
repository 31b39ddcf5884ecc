"""Reads that need care for homework, logs and regulation: a fixed number of queries whatever the
amount of data, clinic-local dates, and the confidentiality module asked for what a partner sees.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from clinic.confidentiality import Material, partner_may_view
from clinic.models import Client, Clinic, Couple
from sessions.adherence import AdherenceSummary, WeekAdherence, adherence_summary, weekly_adherence
from sessions.agreements import AgreementStatus, Answer, agreement_status
from sessions.models import (
    AgreementResponse,
    AgreementVersion,
    CheckIn,
    Homework,
    HomeworkKind,
    PracticeLog,
    TimeOutLog,
)
from sessions.regulation import (
    StripDay,
    ZoneReading,
    both_out_of_window_days,
    daily_zones,
    regulation_strip,
)

STRIP_DAYS = 14


def clinic_today(clinic: Clinic) -> date:
    """Today's date in the clinic's time zone."""
    return timezone.localtime(timezone.now(), clinic.tz).date()


def local_date(moment: datetime, clinic: Clinic) -> date:
    """The clinic-local calendar date of an aware datetime."""
    return timezone.localtime(moment, clinic.tz).date()


def day_bounds(first: date, last: date, clinic: Clinic) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) as aware datetimes in clinic time."""
    tz = clinic.tz
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )


# --- homework and agreements -------------------------------------------------------------


def homework_of_couple(*, couple: Couple, include_archived: bool = False) -> QuerySet[Homework]:
    """The couple's homework with versions and answers loaded (a fixed number of queries)."""
    qs = Homework.objects.for_clinic(couple.clinic).filter(couple=couple)
    if not include_archived:
        qs = qs.live()
    return with_agreements(qs)


def with_agreements(qs: QuerySet[Homework]) -> QuerySet[Homework]:
    """Homework with partner, versions (oldest first) and their answers prefetched."""
    responses = Prefetch(
        "responses", queryset=AgreementResponse.objects.order_by("at").select_related("partner")
    )
    versions = Prefetch(
        "versions",
        queryset=AgreementVersion.objects.order_by("number")
        .select_related("created_by")
        .prefetch_related(responses),
    )
    return qs.select_related("partner", "created_by").prefetch_related(versions)


def agreement_status_of(homework: Homework, couple: Couple) -> AgreementStatus | None:
    """In force or not, and each partner's standing; None for homework that is not a time-out
    agreement. Uses prefetched versions (see with_agreements)."""
    if not homework.is_time_out:
        return None
    versions = list(homework.versions.all())
    answers = [
        Answer(version=v.number, partner=r.partner_id, decision=r.decision, at=r.at, note=r.note)
        for v in versions
        for r in v.responses.all()
    ]
    return agreement_status(
        partners=(couple.partner_a_id, couple.partner_b_id),
        versions=[v.number for v in versions],
        answers=answers,
        ended=homework.ended_at is not None or homework.archived_at is not None,
    )


def current_version(homework: Homework) -> AgreementVersion | None:
    """The latest version from the prefetched versions."""
    versions = list(homework.versions.all())
    return versions[-1] if versions else None


# --- adherence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerAdherence:
    partner_id: object
    weeks: list[WeekAdherence]
    summary: AdherenceSummary


def adherence_of(
    *, homework_list: Iterable[Homework], couple: Couple, today: date | None = None
) -> dict[object, list[PartnerAdherence]]:
    """Each homework's weekly adherence per partner it is for (both partners for couple
    homework: each is expected to practise), in one query. Homework without a weekly target
    (e.g. a time-out agreement) is left out. Weeks are Monday-Sunday in clinic time."""
    clinic = couple.clinic
    today = today or clinic_today(clinic)
    targeted = [h for h in homework_list if h.target_per_week and h.kind != HomeworkKind.TIME_OUT]
    if not targeted:
        return {}
    logs = (
        PracticeLog.objects.for_clinic(clinic)
        .current()
        .filter(homework__in=[h.pk for h in targeted])
        .values_list("homework_id", "partner_id", "practiced_at")
    )
    dates: dict[tuple, list[date]] = {}
    for homework_id, partner_id, practiced_at in logs:
        dates.setdefault((homework_id, partner_id), []).append(local_date(practiced_at, clinic))
    result: dict[object, list[PartnerAdherence]] = {}
    for homework in targeted:
        partners = (
            [homework.partner_id]
            if homework.partner_id
            else [couple.partner_a_id, couple.partner_b_id]
        )
        rows = []
        for partner_id in partners:
            weeks = weekly_adherence(
                start=homework.start_date,
                end=homework.end_date,
                target_per_week=homework.target_per_week,
                log_dates=dates.get((homework.pk, partner_id), []),
                today=today,
            )
            rows.append(PartnerAdherence(partner_id, weeks, adherence_summary(weeks)))
        result[homework.pk] = rows
    return result


# --- logs --------------------------------------------------------------------------------


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


def visible_owner_ids(*, couple: Couple, client: Client, material: Material) -> list:
    """Partners of the couple whose `material` this partner may see: always themself, the
    other partner only when clinic/confidentiality.py says so."""
    return [
        partner.pk
        for partner in couple.partners
        if partner_may_view(couple=couple, client=client, material=material, owner_id=partner.pk)
    ]


def homework_for_portal(*, couple: Couple, client: Client) -> QuerySet[Homework]:
    """Homework a partner sees: the couple's, their own, and the other partner's only when the
    confidentiality policy lets them. Archived homework is never shown to partners."""
    owners = visible_owner_ids(couple=couple, client=client, material=Material.HOMEWORK)
    qs = (
        Homework.objects.for_clinic(couple.clinic)
        .live()
        .filter(couple=couple)
        .filter(Q(partner__isnull=True) | Q(partner__in=owners))
    )
    return with_agreements(qs)


def upcoming_sessions_for(*, couple: Couple | None, client: Client) -> list:
    """The couple's scheduled future sessions this partner may see: joint ones, their own
    individual ones, and the other partner's only when the policy allows. Never notes."""
    from sessions.models import TherapySession

    if couple is None:
        return []
    sessions = (
        TherapySession.objects.for_clinic(couple.clinic)
        .filter(couple=couple)
        .upcoming()
        .order_by("starts_at")
    )
    return [
        session
        for session in sessions
        if partner_may_view(
            couple=couple, client=client, material=Material.SESSION, owner_id=session.partner_id
        )
    ]


# --- regulation --------------------------------------------------------------------------


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


def regulation_of(
    *, couple: Couple, end: date | None = None, days: int = STRIP_DAYS
) -> CoupleRegulation:
    """Each partner's day-by-day window-of-tolerance zone over `days` days ending `end`
    (default today, clinic time), and the days both were out of their window (two queries).

    A day's zone is its most dysregulated rating (sessions.regulation.daily_zone) among the
    partner's check-ins and the before/after ratings of their practice logs.
    """
    clinic = couple.clinic
    end = end or clinic_today(clinic)
    start = end - timedelta(days=days - 1)
    since, until = day_bounds(start, end, clinic)
    readings: dict[object, list[ZoneReading]] = {couple.partner_a_id: [], couple.partner_b_id: []}
    check_ins = (
        CheckIn.objects.for_clinic(clinic)
        .current()
        .filter(couple=couple, checked_at__gte=since, checked_at__lt=until)
        .values_list("id", "partner_id", "checked_at", "zone", "intensity")
    )
    sources: list = []
    for pk, partner_id, at, zone, intensity in check_ins:
        sources.append(CheckIn(pk=pk))
        if partner_id in readings:
            readings[partner_id].append(ZoneReading(local_date(at, clinic), zone, intensity, at))
    practices = (
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
    for pk, partner_id, at, b_zone, b_intensity, a_zone, a_intensity in practices:
        sources.append(PracticeLog(pk=pk))
        if partner_id not in readings:
            continue
        for zone, intensity in ((b_zone, b_intensity), (a_zone, a_intensity)):
            if zone and intensity is not None:
                readings[partner_id].append(
                    ZoneReading(local_date(at, clinic), zone, intensity, at)
                )
    zones = {partner_id: daily_zones(r) for partner_id, r in readings.items()}
    return CoupleRegulation(
        start=start,
        end=end,
        strips=[
            PartnerStrip(partner, regulation_strip(zones[partner.pk], start, days))
            for partner in couple.partners
        ],
        both_out=both_out_of_window_days(zones[couple.partner_a_id], zones[couple.partner_b_id]),
        sources=sources,
    )
