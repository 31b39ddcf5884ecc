"""Celery finds each app's tasks in `<app>.tasks`; the sessions app keeps them per sub-package."""

from sessions.reminders.tasks import send_partner_reminders

__all__ = ["send_partner_reminders"]
