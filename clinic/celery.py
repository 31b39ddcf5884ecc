"""The Celery application; broker and behaviour come from Django settings (CELERY_*)."""

import os
from contextlib import ExitStack

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun

from clinic import task_metrics  # noqa: F401 (task counts and durations for Prometheus)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")


class AttuneTask(Task):
    """Every task's base: what a task records came in by the task (the audit channel), also
    when it runs eagerly inside a request or is called directly."""

    def __call__(self, *args, **kwargs):
        from clinic.audit_channel import Channel, channel_as

        with channel_as(Channel.TASK):
            return super().__call__(*args, **kwargs)


app = Celery("attune", task_cls=AttuneTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Every task starts outside any clinic, as a request does (clinic.tenancy): it enters the scope
# of the row it loads, so in-process (eager) runs inherit nothing from their caller either.
_scope_exits: dict[str, ExitStack] = {}


@task_prerun.connect
def _enter_outside_any_clinic(task_id=None, **kwargs):
    from clinic.tenancy import outside_any_clinic

    stack = ExitStack()
    stack.enter_context(outside_any_clinic())
    _scope_exits[task_id] = stack


@task_postrun.connect
def _leave_outside_any_clinic(task_id=None, **kwargs):
    stack = _scope_exits.pop(task_id, None)
    if stack is not None:
        stack.close()
