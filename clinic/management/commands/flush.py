"""`flush` (the test suite's reset between transactional tests) empties every table as the
owner: the app role has no TRUNCATE privilege, and the clinical tables refuse TRUNCATE through
their triggers. Only here, inside the flush's own transaction, are those TRUNCATE guards lifted
(pgtrigger's ignore setting, which counts for the owner alone)."""

import pgtrigger
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections, transaction

from clinic.db_roles import as_owner


def truncate_guards() -> list[str]:
    return [
        trigger.get_pgid(model)
        for model, trigger in pgtrigger.registered()
        if str(trigger.operation) == "TRUNCATE"
    ]


class Command(DjangoFlush):
    def handle(self, **options):
        alias = options["database"]
        connection = connections[alias]
        with as_owner(alias):
            if connection.vendor != "postgresql":
                return super().handle(**options)
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pgtrigger.ignore', %s, true)",
                    ["{" + ",".join(truncate_guards()) + "}"],
                )
                return super().handle(**options)
