"""factory_boy factories. Children derive their clinic from their parent, so a test cannot
build a couple whose partners belong to another clinic by accident."""

from datetime import timedelta

import factory
import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.utils import timezone
from factory.django import DjangoModelFactory

from clinic.models import BreakGlass, Client, Clinic, Couple, CoupleStatus, Membership, Role, User

PASSWORD = "correct-horse-battery"
# Every staff member built here has this authenticator-app secret enrolled (see
# MembershipFactory); pyotp.TOTP(TOTP_SECRET).now() is their current code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user, secret: str = TOTP_SECRET) -> Authenticator:
    """Give the user an authenticator app with `secret`, as enrolling on the website would."""
    authenticator, _ = Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(secret)}}
    )
    return authenticator


def totp_code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    time_zone = "Europe/London"


class MembershipFactory(DjangoModelFactory):
    """A member of staff, with a second factor enrolled unless `second_factor=False`
    (staff reach no clinical data without one)."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.THERAPIST

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            enrol_totp(obj.user)


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = Client

    clinic = factory.SubFactory(ClinicFactory)
    legal_name = factory.Faker("name")
    pronouns = "they/them"
    email = factory.Sequence(lambda n: f"client{n}@example.test")


class PortalClientFactory(ClientFactory):
    portal_user = factory.SubFactory(UserFactory)


class CoupleFactory(DjangoModelFactory):
    class Meta:
        model = Couple
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    partner_a = factory.SubFactory(PortalClientFactory, clinic=factory.SelfAttribute("..clinic"))
    partner_b = factory.SubFactory(PortalClientFactory, clinic=factory.SelfAttribute("..clinic"))
    status = CoupleStatus.ACTIVE

    @factory.post_generation
    def therapists(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.therapists.set(extracted, through_defaults=obj.assignment_defaults)


def open_by_break_glass(couple: Couple, admin: User, minutes: int = 60) -> BreakGlass:
    """`admin` has opened `couple` (not on their caseload) with a reason, from now."""
    now = timezone.now()
    return BreakGlass.objects.create(
        clinic=couple.clinic,
        couple=couple,
        user=admin,
        reason="Covering for the couple's therapist",
        opened_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
