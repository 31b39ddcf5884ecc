"""Check every clinic's audit chain (clinic.audit_chain) and name the first broken link.

Exits with an error when any chain is broken; prints each clinic's head (number and hash) so it
can be recorded outside the database and compared on a later run."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from clinic.audit_chain import verify
from clinic.tenancy import scopes_disabled


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain of every clinic."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("The audit chain is kept by PostgreSQL; this database has none.")
        with scopes_disabled():  # every clinic's chain (row-level security: all clinics)
            reports = verify(connection)
        for report in reports:
            head = f"{report.events} events, head #{report.head_seq} {report.head_hash}"
            if report.broken:
                self.stdout.write(f"{report.clinic}: BROKEN at {report.broken} ({head})")
            else:
                self.stdout.write(f"{report.clinic}: intact, {head}")
        broken = [r for r in reports if r.broken]
        if broken:
            raise CommandError(
                "Audit chain broken in "
                + ", ".join(f"{r.clinic} (first at {r.broken})" for r in broken)
            )
