"""Reads that need care for homework: a couple's homework with its agreements, an agreement's
status and current version, and weekly adherence, in a fixed number of queries.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate

from clinic.models import Client, Clinic, Couple
from sessions.homework.adherence import (
    AdherenceSummary,
    WeekAdherence,
    adherence_summary,
    weekly_adherence,
)
from sessions.homework.agreements import AgreementStatus, Answer, agreement_status
from sessions.local_dates import clinic_today
from sessions.models import (
    AgreementDecision,
    AgreementResponse,
    AgreementVersion,
    Homework,
    HomeworkKind,
    PracticeLog,
)


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


def discussion_requests(*, clinic: Clinic, couple_ids: Iterable) -> list[dict]:
    """Who asked to discuss the latest version of a running time-out agreement and has not
    accepted it since: rows of couple id, homework id and title, version number and partner
    id, oldest agreement first. One query that returns only those rows (most couples have
    none), where `agreement_status` would need every agreement with its versions and answers.
    Rows name any partner who answered; callers keep the couple's own partners."""
    later_version = AgreementVersion.objects.for_clinic(clinic).filter(
        homework_id=OuterRef("version__homework_id"), number__gt=OuterRef("version__number")
    )
    accepted_since = AgreementResponse.objects.for_clinic(clinic).filter(
        version_id=OuterRef("version_id"),
        partner_id=OuterRef("partner_id"),
        decision=AgreementDecision.ACCEPTED,
    )
    return list(
        AgreementResponse.objects.for_clinic(clinic)
        .filter(
            decision=AgreementDecision.DISCUSS,
            version__homework__couple_id__any_of=list(couple_ids),
            version__homework__kind=HomeworkKind.TIME_OUT,
            version__homework__ended_at__isnull=True,
            version__homework__archived_at__isnull=True,
        )
        .filter(~Exists(later_version), ~Exists(accepted_since))
        .order_by("version__homework__start_date", "version__homework__created_at", "at")
        .values(
            "partner_id",
            couple_id=F("version__homework__couple_id"),
            homework_id=F("version__homework_id"),
            title=F("version__homework__title"),
            version_number=F("version__number"),
        )
    )


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
    # The clinic-local day of each practice, worked out by the database: a year of daily
    # practice is hundreds of rows, each a timestamp to read and move into the clinic's zone.
    logs = (
        PracticeLog.objects.for_clinic(clinic)
        .current()
        .filter(homework__in=[h.pk for h in targeted])
        .values_list("homework_id", "partner_id", TruncDate("practiced_at", tzinfo=clinic.tz))
    )
    dates: dict[tuple, list[date]] = {}
    for homework_id, partner_id, practiced_on in logs:
        dates.setdefault((homework_id, partner_id), []).append(practiced_on)
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
                target_per_week=homework.target_per_week or 0,
                log_dates=dates.get((homework.pk, partner_id), []),
                today=today,
            )
            rows.append(PartnerAdherence(partner_id, weeks, adherence_summary(weeks)))
        result[homework.pk] = rows
    return result


def practices_loggable_by(*, couple: Couple, client: Client) -> QuerySet[Homework]:
    """Practices and tasks this partner may log: their own and the couple's, never a time-out
    agreement (time-outs have a log of their own). Used by the portal's API and pages alike."""
    return (
        Homework.objects.for_clinic(couple.clinic)
        .live()
        .filter(couple=couple)
        .filter(Q(partner__isnull=True) | Q(partner=client))
        .exclude(kind=HomeworkKind.TIME_OUT)
        .order_by("title")
    )


def time_out_agreements_of(*, couple: Couple) -> QuerySet[Homework]:
    """The couple's time-out agreements that are not archived, newest first."""
    return (
        Homework.objects.for_clinic(couple.clinic)
        .live()
        .filter(couple=couple, kind=HomeworkKind.TIME_OUT)
        .order_by("-created_at")
    )


def running_time_out_agreement(*, couple: Couple) -> Homework | None:
    """The time-out agreement a newly logged time-out belongs to: the newest one not ended."""
    return time_out_agreements_of(couple=couple).filter(ended_at__isnull=True).first()
