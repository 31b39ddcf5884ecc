"""Sending report tasks to the queue, by task name.

Services decide *when* work is queued (after their transaction commits); the tasks call the
services. Naming the task here instead of importing `reports.tasks` keeps that one-way:
tasks -> services -> dispatch.
"""

from celery import group
from django.db import transaction

from clinic.celery import app

GENERATE_REPORT = "reports.tasks.generate_report"
START_EXPORT = "reports.tasks.start_export"
ASSEMBLE_EXPORT = "reports.tasks.assemble_export"


def enqueue(task_name: str, *args: str) -> None:
    """Queue `task_name(*args)` now (in-process when no broker is configured)."""
    app.tasks[task_name].delay(*args)


def enqueue_each(task_name: str, args: list[str]) -> None:
    """Queue `task_name(arg)` for every arg, sent together."""
    task = app.tasks[task_name]
    group(task.s(arg) for arg in args).apply_async()


def enqueue_on_commit(task_name: str, *args: str) -> None:
    """Queue the task once the current transaction commits, so a worker never sees a row
    that is not there yet (or never will be, after a rollback)."""
    transaction.on_commit(lambda: enqueue(task_name, *args))
