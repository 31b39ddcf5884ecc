from django.core.management.base import BaseCommand

from clinic.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_totp_code, seed_demo


class Command(BaseCommand):
    help = "Create demo clinics, staff, couples and portal logins (safe to run again)."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Every demo login uses the password:")
        )
        self.stdout.write(f"    {DEMO_PASSWORD}\n")
        for login in logins:
            if login.role != "client" or login.email.endswith((".0@harbour.example",)):
                self.stdout.write(f"  {login.clinic:<10} {login.role:<10} {login.email}")
        self.stdout.write(
            "  (every partner has a portal login; see /api/v1/clinics/<slug>/clients/)"
        )
        self.stdout.write(
            "Staff also need their authenticator app's code. Every demo staff login has this "
            "TOTP secret enrolled (add it to any authenticator app):"
        )
        self.stdout.write(f"    {DEMO_TOTP_SECRET}   (code right now: {demo_totp_code()})")
