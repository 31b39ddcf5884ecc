"""Celery tasks of assessments: thin wrappers that take ids, enter the clinic's scope and call
a service. Safe to run twice (a reminder is claimed before it is sent)."""

from celery import shared_task

from assessments.reminders import reminders_send
from clinic.models import Clinic
from clinic.tenancy import clinic_scope


@shared_task(acks_late=True, ignore_result=True)
def send_questionnaire_reminders() -> int:
    """Remind partners of questionnaires due soon, clinic by clinic (beat: hourly)."""
    sent = 0
    for clinic in Clinic.objects.order_by("slug"):
        with clinic_scope(clinic):
            sent += reminders_send(clinic=clinic)
    return sent
