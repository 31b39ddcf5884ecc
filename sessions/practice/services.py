"""Writes of guided practice: start breathing together, and save a guided practice's log."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.audit import record_event
from clinic.models import Client, Couple, User
from sessions.logs.services import practice_log_create
from sessions.models import Homework, JointPractice, PracticeLog
from sessions.practice.selectors import pace_of

# The first breath of a joint practice comes a little after it is started, so the other
# partner has time to open it on their phone and both begin on the same breath.
JOIN_LEAD = timedelta(seconds=30)
# A guided practice's start time comes from the partner's phone: trust it within these bounds.
LONGEST_GUIDED = timedelta(hours=3)


@transaction.atomic
def joint_practice_start(
    *, couple: Couple, partner: Client, by: User, homework: Homework, minutes: int, request=None
) -> JointPractice:
    """One partner starts breathing together on a practice of the couple (not one partner's
    own), paced breathing only; the shared start lies JOIN_LEAD ahead."""
    if homework.couple_id != couple.pk or homework.partner_id is not None:
        raise ValidationError("Breathing together is for practices you were both given.")
    if homework.archived_at or homework.ended_at or pace_of(homework) is None:
        raise ValidationError("This practice has no guided breathing.")
    if not 1 <= minutes <= 60:
        raise ValidationError({"minutes": "Choose 1 to 60 minutes."})
    joint = JointPractice.objects.create(
        clinic=couple.clinic,
        couple=couple,
        homework=homework,
        started_by=partner,
        starts_at=timezone.now() + JOIN_LEAD,
        minutes=minutes,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="create",
        obj=joint,
        request=request,
        detail={"homework": str(homework.pk), "minutes": minutes},
    )
    return joint


def practice_start_time(started_at: datetime | None, minutes: int, now: datetime) -> datetime:
    """When a guided practice began: the phone's start time if plausible (not ahead of the
    server, not longer ago than a practice lasts), else `minutes` before now."""
    if started_at is not None and now - LONGEST_GUIDED <= started_at <= now:
        return started_at
    return now - timedelta(minutes=minutes)


def guided_practice_save(
    *,
    couple: Couple,
    partner: Client,
    by: User,
    homework: Homework,
    minutes: int,
    started_at: datetime | None = None,
    together: JointPractice | None = None,
    request=None,
    **ratings,
) -> PracticeLog:
    """Log a finished guided practice (alone, or together with `together`); a second save of
    the same joint practice by the same partner is refused, not doubled."""
    now = timezone.now()
    when = (
        together.starts_at
        if together is not None
        else practice_start_time(started_at, minutes, now)
    )
    if together is not None and when > now:
        raise ValidationError("This practice has not started yet.")
    try:
        with transaction.atomic():
            return practice_log_create(
                couple=couple,
                partner=partner,
                by=by,
                homework=homework,
                practiced_at=when,
                minutes=minutes,
                together=together,
                request=request,
                **ratings,
            )
    except IntegrityError as exc:
        raise ValidationError("You have already saved this practice together.") from exc
