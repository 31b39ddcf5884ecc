from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _harden_database(sender, using, **kwargs):
    from clinic.db_roles import harden

    harden(connections[using])


class ClinicConfig(AppConfig):
    name = "clinic"
    label = "clinic"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Clinics and people"

    def ready(self):
        # After every migrate (and flush), once: grants for the app role, trigger hardening.
        post_migrate.connect(_harden_database, sender=self, dispatch_uid="clinic.harden_database")
        from clinic import (
            accounts,  # noqa: F401 (connects the account event receivers)
            strict_input,
        )
        from clinic.task_metrics import register_queue_length

        register_queue_length()  # the broker's queue length on /metrics
        from clinic.queries import register_lookups

        register_lookups()
        strict_input.install()
