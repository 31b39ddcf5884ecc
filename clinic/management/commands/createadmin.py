from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from clinic.invitations import first_admin_invite
from clinic.models import Clinic
from clinic.tenancy import clinic_scope


class Command(BaseCommand):
    help = (
        "Invite a clinic's first admin (creating the clinic if needed): the invitation is "
        "emailed and its link printed. The admin sets a password and an authenticator app."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--clinic", required=True, help="the clinic's slug, e.g. harbour")
        parser.add_argument("--clinic-name", help="the clinic's name, when it is created")
        parser.add_argument("--name", default="", help="the admin's name")

    def handle(self, *args, email, clinic, clinic_name, name, **options):
        try:
            validate_email(email)
        except Exception as exc:
            raise CommandError(f"'{email}' is not an email address.") from exc
        with transaction.atomic():
            target, created = Clinic.objects.get_or_create(
                slug=clinic, defaults={"name": clinic_name or clinic.replace("-", " ").title()}
            )
            with clinic_scope(target):
                try:
                    invitation, link = first_admin_invite(
                        clinic=target, email=email, full_name=name
                    )
                except Exception as exc:
                    raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        if created:
            self.stdout.write(f"Created the clinic {target.name} ({target.slug}).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Invitation for {invitation.email} sent; it works once within 72 hours:"
            )
        )
        self.stdout.write(f"    {link}")
