"""Reminder emails to partners, sent by beat at most once each.

- The day before a session: its day, time and whether in person or telehealth. Nothing else:
  email is not a private channel, and neither the therapist's notes nor the kind of therapy
  belong in it.
- A gentle weekly nudge when a partner has practice homework running and logged no practice
  in the last seven days.

Both follow the clinic's switch and the partner's own. A reminder is claimed by inserting its
`ReminderSent` row (unique per partner, kind and key) in the transaction that sends the mail: a
second worker waits on the unique index and then skips; a refused mail undoes the claim, so the
next run tries again. Emails go out only in the clinic's daytime.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.audit import record_event
from clinic.date_style import format_for_clinic
from clinic.models import OPEN_COUPLE_STATUSES, Client, Clinic
from sessions.local_dates import day_bounds
from sessions.models import (
    Homework,
    HomeworkKind,
    PracticeLog,
    ReminderKind,
    ReminderSent,
    SessionKind,
    SessionModality,
    SessionStatus,
    TherapySession,
)

#: Emails leave only between these clinic-local hours (nobody wants a 3 a.m. nudge).
SEND_FROM, SEND_UNTIL = time(9, 0), time(20, 0)
#: A practice homework must have run this long before its first nudge.
NUDGE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Reminder:
    client: Client
    address: str
    kind: str
    key: str
    subject: str
    body: str
    detail: dict


def in_sending_hours(moment: datetime, clinic: Clinic) -> bool:
    """Whether `moment` falls in the clinic's daytime sending window."""
    local = timezone.localtime(moment, clinic.tz).time()
    return SEND_FROM <= local < SEND_UNTIL


def _portal_link() -> str:
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    return f"{base}/portal/" if base else "your Attune portal"


def _address(client: Client) -> str:
    """Where a partner's reminders go: their portal login's email, if they may still log in."""
    user = client.portal_user
    if client.archived_at is not None or user is None or not user.is_active:
        return ""
    return user.email


def session_reminder_text(*, clinic: Clinic, client: Client, session: TherapySession) -> str:
    """The email body for the day before a session: when and where, nothing clinical."""
    where = (
        "by video (telehealth); the link comes from your therapist as usual"
        if session.modality == SessionModality.TELEHEALTH
        else "in person"
    )
    return (
        f"Hello {client.display_name},\n\n"
        f"A reminder of your appointment with {clinic.name} tomorrow, "
        f"{format_for_clinic(session.starts_at, 'weekday', clinic)} at "
        f"{format_for_clinic(session.starts_at, 'time', clinic)}, {where}.\n\n"
        "If you cannot come, please let the clinic know.\n\n"
        f"You can turn these reminders off in {_portal_link()} under Reminders.\n"
    )


def homework_nudge_text(*, clinic: Clinic, client: Client) -> str:
    """The weekly nudge: gentle, and no word of what the practice is for."""
    return (
        f"Hello {client.display_name},\n\n"
        "A gentle nudge: no practice was logged this past week. Even a few minutes count, and "
        f"you can log it in {_portal_link()} whenever suits you.\n\n"
        "You receive this at most once a week, and you can turn it off in the portal under "
        "Reminders.\n"
    )


def due_session_reminders(*, clinic: Clinic, now: datetime) -> list[Reminder]:
    """Reminders for sessions on the clinic's tomorrow, to each partner who attends."""
    if not clinic.session_reminders:
        return []
    tomorrow = timezone.localdate(now, clinic.tz) + timedelta(days=1)
    start, end = day_bounds(tomorrow, tomorrow, clinic)
    sessions = (
        TherapySession.objects.for_clinic(clinic)
        .filter(starts_at__gte=start, starts_at__lt=end, status=SessionStatus.SCHEDULED)
        .filter(couple__archived_at__isnull=True, couple__status__in=OPEN_COUPLE_STATUSES)
        .select_related(
            "partner__portal_user",
            "couple__partner_a__portal_user",
            "couple__partner_b__portal_user",
        )
    )
    reminders = []
    for session in sessions:
        attendees = (
            [session.partner] if session.kind == SessionKind.INDIVIDUAL else session.couple.partners
        )
        for client in attendees:
            address = _address(client)
            if not (client.session_reminders and address):
                continue
            reminders.append(
                Reminder(
                    client=client,
                    address=address,
                    kind=ReminderKind.SESSION,
                    key=f"{session.pk}@{session.starts_at.isoformat()}",
                    subject=f"Your appointment tomorrow with {clinic.name}",
                    body=session_reminder_text(clinic=clinic, client=client, session=session),
                    detail={"session": str(session.pk)},
                )
            )
    return reminders


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def due_homework_nudges(*, clinic: Clinic, now: datetime) -> list[Reminder]:
    """Nudges to partners with practice homework running for a week or more and no practice
    logged in the last seven days; one per partner per ISO week."""
    if not clinic.homework_nudges:
        return []
    today = timezone.localdate(now, clinic.tz)
    practices = (
        Homework.objects.for_clinic(clinic)
        .live()
        .filter(kind=HomeworkKind.PRACTICE, ended_at__isnull=True)
        .filter(start_date__lte=today - NUDGE_AFTER)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(couple__archived_at__isnull=True, couple__status__in=OPEN_COUPLE_STATUSES)
        .select_related(
            "partner__portal_user",
            "couple__partner_a__portal_user",
            "couple__partner_b__portal_user",
        )
    )
    candidates: dict = {}
    for homework in practices:
        for client in [homework.partner] if homework.partner_id else homework.couple.partners:
            candidates[client.pk] = client
    if not candidates:
        return []
    logged = set(
        PracticeLog.objects.for_clinic(clinic)
        .current()
        .filter(partner_id__in=list(candidates), practiced_at__gte=now - timedelta(days=7))
        .values_list("partner_id", flat=True)
    )
    week = _iso_week(today)
    return [
        Reminder(
            client=client,
            address=_address(client),
            kind=ReminderKind.HOMEWORK,
            key=week,
            subject=f"A gentle nudge from {clinic.name}",
            body=homework_nudge_text(clinic=clinic, client=client),
            detail={"week": week},
        )
        for pk, client in candidates.items()
        if pk not in logged and client.homework_nudges and _address(client)
    ]


def _send_once(clinic: Clinic, reminder: Reminder, now: datetime) -> bool:
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                clinic=clinic,
                client=reminder.client,
                kind=reminder.kind,
                key=reminder.key,
                sent_at=now,
            )
            # Sent inside the transaction: if the mail server refuses, the claim is undone.
            send_mail(
                subject=reminder.subject,
                message=reminder.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[reminder.address],
            )
            record_event(
                clinic=clinic,
                actor=None,
                action="remind",
                obj=reminder.client,
                detail={"kind": reminder.kind, **reminder.detail},
            )
    except IntegrityError:
        return False  # already sent (by an earlier run or another worker)
    return True


def reminders_send(*, clinic: Clinic, now: datetime | None = None) -> int:
    """Send this clinic's due session reminders and practice nudges, each at most once.
    Returns how many emails were sent. Must run inside the clinic's scope."""
    now = now or timezone.now()
    if not in_sending_hours(now, clinic):
        return 0
    due = due_session_reminders(clinic=clinic, now=now) + due_homework_nudges(
        clinic=clinic, now=now
    )
    already = set(
        ReminderSent.objects.for_clinic(clinic)
        .filter(client_id__in={r.client.pk for r in due}, key__in={r.key for r in due})
        .values_list("client_id", "kind", "key")
    )
    return sum(
        _send_once(clinic, r, now) for r in due if (r.client.pk, r.kind, r.key) not in already
    )


@transaction.atomic
def reminder_preferences_set(
    *, client: Client, by, session_reminders: bool, homework_nudges: bool, request=None
) -> list[str]:
    """A partner turns their reminder emails on or off; audited with the fields changed."""
    wanted = {"session_reminders": session_reminders, "homework_nudges": homework_nudges}
    changed = sorted(name for name, value in wanted.items() if getattr(client, name) != value)
    if changed:
        for name in changed:
            setattr(client, name, wanted[name])
        client.save(update_fields=[*changed, "updated_at"])
        record_event(
            clinic=client.clinic,
            actor=by,
            action="update",
            obj=client,
            request=request,
            detail={"fields": changed},
        )
    return changed
