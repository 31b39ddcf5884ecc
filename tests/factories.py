"""factory_boy factories. Children derive their clinic from their parent, so a test cannot
build a couple whose partners belong to another clinic by accident."""

import factory
from factory.django import DjangoModelFactory

from clinic.models import Client, Clinic, Couple, CoupleStatus, Membership, Role, User

PASSWORD = "correct-horse-battery"


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
    class Meta:
        model = Membership

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.THERAPIST


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
