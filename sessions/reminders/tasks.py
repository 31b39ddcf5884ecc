"""Beat task sending partners' reminder emails, clinic by clinic; safe to run twice."""

from celery import shared_task

from clinic.models import Clinic
from clinic.tenancy import clinic_scope
from sessions.reminders.services import reminders_send


@shared_task(acks_late=True, ignore_result=True)
def send_partner_reminders() -> int:
    """Session reminders and practice nudges for every clinic (beat: hourly)."""
    sent = 0
    for clinic in Clinic.objects.order_by("slug"):
        with clinic_scope(clinic):
            sent += reminders_send(clinic=clinic)
    return sent
