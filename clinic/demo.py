"""Demo data: two clinics, each with an admin, two therapists and several couples whose
partners have portal logins. Idempotent: running it again changes nothing."""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.models import (
    Client,
    Clinic,
    Couple,
    CoupleStatus,
    CoupleStatusChange,
    Membership,
    Role,
    User,
)
from clinic.tenancy import scopes_disabled

DEMO_PASSWORD = "attune-demo-2026"  # noqa: S105 (demo data only, printed for the user)
# Every demo staff login has this authenticator-app secret enrolled (staff need a second
# factor); seed_demo prints it. Demo data only: a real clinic's staff enrol their own.
DEMO_TOTP_SECRET = "ATTUNEDEMOATTUNEDEMOATTUNEDEMO23"  # noqa: S105

CLINICS = [
    {
        "slug": "harbour",
        "name": "Harbour Couples Clinic",
        "time_zone": "Europe/London",
        "locale": "en-gb",
        "couples": [
            (
                ("Zoë Ångström", "Zoë", "she/her"),
                ("Marcus Bell", "", "he/him"),
                CoupleStatus.ACTIVE,
            ),
            (
                ("Priya Nair", "", "she/her"),
                ("Daniel Okafor", "Dan", "he/him"),
                CoupleStatus.ACTIVE,
            ),
            (("Sam Rivera", "", "they/them"), ("Alex Chen", "", "he/him"), CoupleStatus.INTAKE),
            (
                ("Ελένη Παππά", "Eleni", "she/her"),
                ("Jonas Weber", "", "he/him"),
                CoupleStatus.PAUSED,
            ),
        ],
    },
    {
        "slug": "riverside",
        "name": "Riverside Relationship Therapy",
        "time_zone": "America/New_York",
        "locale": "en-us",
        "couples": [
            (
                ("Дмитрий Иванов", "Dima", "he/him"),
                ("Laura Costa", "", "she/her"),
                CoupleStatus.ACTIVE,
            ),
            (("Maya Goldberg", "", "she/her"), ("Tom Hughes", "", "he/him"), CoupleStatus.ACTIVE),
            (("Kenji Sato", "", "he/him"), ("Aisha Khan", "", "she/her"), CoupleStatus.INTAKE),
        ],
    },
]


@dataclass(frozen=True)
class DemoLogin:
    clinic: str
    role: str
    email: str


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
    return user


def _enrol_demo_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}},
    )


def demo_totp_code(at: float | None = None) -> str:
    """The demo authenticator's current code (what an app with DEMO_TOTP_SECRET shows)."""
    import time as clock

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(at if at is not None else clock.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))


def _slugify_email(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower())
    ascii_part = "".join(ch for ch in folded if ch.isascii() and ch.isalnum())
    return ascii_part or "partner"


PRESENTING_CONCERNS = (
    "Escalating arguments about money; one partner withdraws, the other pursues.",
    "Trust after an affair disclosed last spring; both want to stay together.",
    "Arguments since the birth of their first child; little time as a couple.",
    "Long-standing distance; they describe living as flatmates.",
)


def history_weeks(status: str) -> int:
    """How long a demo couple has been coming: a couple at intake has had its first weeks."""
    return 2 if status == CoupleStatus.INTAKE else 12


# Each demo couple's weekly slot: (weekday, Monday 0, hour, minute) in the clinic's time; no
# two alike, so a therapist never sees two couples at once.
WEEKLY_SLOTS = ((0, 10, 0), (2, 14, 30), (1, 17, 0), (3, 9, 30), (4, 11, 0), (1, 13, 0), (3, 16, 0))

# The staff's names, by clinic slug and login.
STAFF_NAMES = {
    "harbour": {"admin": "Sarah Nolan", "therapist1": "Dr Helen Marsh", "therapist2": "Tom Okafor"},
    "riverside": {
        "admin": "Priya Shah",
        "therapist1": "Dr Maria Alvarez",
        "therapist2": "James Whitfield",
    },
}


def weekly_slot(couple: Couple, index: int, week_of: date) -> datetime:
    """The couple's session time in the week (Monday to Sunday) holding `week_of`."""
    weekday, hour, minute = WEEKLY_SLOTS[index % len(WEEKLY_SLOTS)]
    monday = week_of - timedelta(days=week_of.weekday())
    return datetime.combine(
        monday + timedelta(days=weekday), time(hour, minute), tzinfo=couple.clinic.tz
    )


def _add_history(couple: Couple, therapist: User, *, seed: int) -> None:
    """Weeks of sessions, questionnaires, logs and readings ending this week; for an open case
    the next session booked and the running questionnaires' next round due today (on the same
    recurring assignments, never a second assignment of an instrument)."""
    from assessments.models import Assignment, Response
    from reports.synthetic import HistorySize, build_history
    from sessions.therapy.services import session_schedule

    weeks = history_weeks(couple.status)
    today = timezone.localdate(timezone=couple.clinic.tz)
    this_week = weekly_slot(couple, seed, today)
    # This week's session is history once it is over (and its note signed); otherwise booked.
    held_this_week = this_week + timedelta(hours=3) <= timezone.now()
    start = today - timedelta(weeks=weeks)
    first, sessions = this_week - timedelta(weeks=weeks), weeks + int(held_this_week)
    if first.date() < start:  # no session before the couple started
        first, sessions = first + timedelta(weeks=1), sessions - 1
    build_history(
        couple=couple,
        therapist=therapist,
        start=start,
        seed=seed,
        first_session=first,
        size=HistorySize(days=weeks * 7, sessions=sessions, rounds=min(3, weeks)),
    )
    if couple.status not in (CoupleStatus.ACTIVE, CoupleStatus.INTAKE):
        return
    upcoming = [this_week] if not held_this_week else []
    upcoming.append(this_week + timedelta(weeks=1))
    for starts_at in upcoming:
        session_schedule(couple=couple, by=therapist, starts_at=starts_at)
    running = Assignment.objects.filter(couple=couple, instrument_code__in=["phq9", "gad7"])
    Response.objects.bulk_create(
        Response(
            clinic=couple.clinic,
            couple=couple,
            partner_id=assignment.partner_id,
            assignment=assignment,
            instrument_code=assignment.instrument_code,
            instrument_version=assignment.instrument_version,
            opens_on=today,
            due_on=today,
        )
        for assignment in running
    )
    running.update(repeat_until=today + timedelta(weeks=12))


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create (or find) the demo clinics, staff, clients and couples; return the logins."""
    logins: list[DemoLogin] = []
    with scopes_disabled():
        for spec in CLINICS:
            clinic, _ = Clinic.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "time_zone": spec["time_zone"],
                    "locale": spec["locale"],
                },
            )
            names = STAFF_NAMES[spec["slug"]]
            staff = [
                ("admin", Role.ADMIN, names["admin"]),
                ("therapist1", Role.THERAPIST, names["therapist1"]),
                ("therapist2", Role.THERAPIST, names["therapist2"]),
            ]
            users = {}
            for key, role, name in staff:
                email = f"{key}@{spec['slug']}.example"
                users[key] = _user(email, name)
                _enrol_demo_totp(users[key])
                Membership.objects.get_or_create(
                    clinic=clinic, user=users[key], defaults={"role": role}
                )
                logins.append(DemoLogin(clinic.slug, role, email))
            for index, (a, b, status) in enumerate(spec["couples"]):
                therapist = users["therapist1"] if index % 2 == 0 else users["therapist2"]
                partners = []
                for p_index, (legal, preferred, pronouns) in enumerate((a, b)):
                    email = f"{_slugify_email(preferred or legal)}.{index}@{spec['slug']}.example"
                    client = Client.objects.filter(clinic=clinic, legal_name=legal).first()
                    if client is None:
                        client = Client.objects.create(
                            clinic=clinic,
                            legal_name=legal,
                            preferred_name=preferred,
                            pronouns=pronouns,
                            email=email,
                            # Partners of one couple are of different ages, as couples are.
                            date_of_birth=date(
                                1978 + 3 * index + 4 * p_index,
                                1 + (5 * index + 7 * p_index) % 12,
                                1 + (11 * index + 13 * p_index) % 28,
                            ),
                            portal_user=_user(email, preferred or legal),
                            created_by=therapist,
                        )
                    partners.append(client)
                    logins.append(DemoLogin(clinic.slug, "client", client.portal_user.email))
                couple = Couple.objects.filter(
                    clinic=clinic, partner_a=partners[0], partner_b=partners[1]
                ).first()
                if couple is None:
                    today = timezone.localdate(timezone=clinic.tz)
                    began = today - timedelta(weeks=history_weeks(status))
                    couple = Couple.objects.create(
                        clinic=clinic,
                        partner_a=partners[0],
                        partner_b=partners[1],
                        status=status,
                        intake_date=began - timedelta(days=3 + index),
                        start_date=None if status == CoupleStatus.INTAKE else began,
                        presenting_concerns=PRESENTING_CONCERNS[
                            (index + len(spec["couples"])) % len(PRESENTING_CONCERNS)
                        ],
                        created_by=therapist,
                    )
                    couple.therapists.set([therapist], through_defaults=couple.assignment_defaults)
                    CoupleStatusChange.objects.create(
                        clinic=clinic, couple=couple, to_status=status, changed_by=therapist
                    )
                    _add_history(couple, therapist, seed=index)
    return logins
