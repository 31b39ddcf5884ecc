"""`migrate` connects as the owner of the tables (DATABASE_OWNER_URL) when one is configured:
the app role may not change the schema."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from clinic.db_roles import as_owner


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
