"""Reads of guided practice: which practices a partner can be guided through, and a joint
practice their partner started that they can still join."""

from datetime import datetime, timedelta

from django.db.models import QuerySet

from clinic.models import Client, Couple
from sessions.homework.selectors import practices_loggable_by
from sessions.models import Homework, HomeworkKind, JointPractice
from sessions.practice.pacing import Pace, pace_for

# No joint practice lasts longer than an hour, so older ones are never joinable.
LONGEST_JOINT_PRACTICE = timedelta(minutes=60)


def guided_practices_for(*, couple: Couple, client: Client) -> QuerySet[Homework]:
    """Practices this partner may log that could be paced (filtered further by `pace_of`)."""
    return practices_loggable_by(couple=couple, client=client).filter(
        kind=HomeworkKind.PRACTICE, ended_at__isnull=True
    )


def pace_of(homework: Homework) -> Pace | None:
    return pace_for(homework.technique, homework.breaths_per_minute)


def joint_practice_for(*, couple: Couple, joint_id) -> JointPractice | None:
    """One of this couple's joint practices (another couple's answers like a missing one)."""
    return (
        JointPractice.objects.for_clinic(couple.clinic)
        .select_related("homework", "started_by")
        .filter(couple=couple, pk=joint_id)
        .first()
    )


def joinable_practice(*, couple: Couple, client: Client, now: datetime) -> JointPractice | None:
    """The latest joint practice the other partner started that is still running and that
    `client` has not logged yet."""
    joint = (
        JointPractice.objects.for_clinic(couple.clinic)
        .select_related("homework", "started_by")
        .filter(couple=couple, homework__archived_at__isnull=True)
        .filter(starts_at__gte=now - LONGEST_JOINT_PRACTICE)
        .exclude(started_by=client)
        .exclude(logs__partner=client)
        .order_by("-starts_at")
        .first()
    )
    return joint if joint is not None and joint.ends_at > now else None
