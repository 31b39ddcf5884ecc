"""Email reminders of questionnaires waiting in the portal: at most one per person per day
(in the clinic's time zone), claimed with a conditional update so two workers running at the
same hour never both send.

The email names no instrument and no score: email is not a private channel, and the name of a
trauma or depression measure is itself sensitive.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments.models import ReminderState, Response
from clinic.audit import record_event
from clinic.models import Client, Clinic

#: remind from this many days before the due date ...
REMIND_BEFORE = timedelta(days=2)
#: ... and stop this long after it, so an unanswered questionnaire does not nag for ever
STOP_AFTER = timedelta(days=14)


def _recipient(client: Client) -> str:
    return client.portal_user.email if client.portal_user_id else ""


def reminders_send(*, clinic: Clinic, now: datetime | None = None) -> int:
    """Send each partner of this clinic with something due soon (or recently overdue) one
    reminder, unless they were already reminded today. Returns the number of emails sent.
    Must run inside the clinic's scope."""
    now = now or timezone.now()
    today = timezone.localdate(now, clinic.tz)
    start_of_day = datetime.combine(today, time.min, tzinfo=clinic.tz)
    due = (
        Response.objects.for_clinic(clinic)
        .available(today)
        .filter(due_on__lte=today + REMIND_BEFORE, due_on__gte=today - STOP_AFTER)
        .filter(partner__archived_at__isnull=True, partner__portal_user__is_active=True)
    )
    waiting: dict = {}
    for partner_id in due.values_list("partner_id", flat=True):
        waiting[partner_id] = waiting.get(partner_id, 0) + 1
    if not waiting:
        return 0
    clients = Client.objects.for_clinic(clinic).select_related("portal_user").in_bulk(list(waiting))
    for partner_id in waiting:
        ReminderState.objects.get_or_create(clinic=clinic, client_id=partner_id)
    sent = 0
    for partner_id, count in waiting.items():
        client = clients[partner_id]
        address = _recipient(client)
        if not address:
            continue
        with transaction.atomic():
            claimed = (
                ReminderState.objects.for_clinic(clinic)
                .filter(client_id=partner_id)
                .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=start_of_day))
                .update(last_reminded_at=now)
            )
            if not claimed:
                continue
            # Sent inside the transaction: if the mail server refuses, the claim is undone and
            # the next run tries again.
            send_mail(
                subject=f"A note from {clinic.name}",
                message=_message(clinic, client, count),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
            record_event(
                clinic=clinic,
                actor=None,
                action="remind",
                obj=client,
                detail={"waiting": count},
            )
            sent += 1
    return sent


def _message(clinic: Clinic, client: Client, count: int) -> str:
    portal = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    where = f"{portal}/portal/" if portal else "your Attune portal"
    what = "a questionnaire" if count == 1 else f"{count} questionnaires"
    return (
        f"Hello {client.display_name},\n\n"
        f"{clinic.name} has {what} waiting for you. You can find it at {where} "
        "whenever suits you. You can answer part of it and come back later, and you can skip "
        "any question you prefer not to answer.\n\n"
        "You receive at most one reminder a day. If this email was not meant for you, please "
        "ignore it.\n"
    )
