import uuid

import pytest

from clinic.models import AuditEvent, Client, Couple, CoupleStatus, CoupleStatusChange
from clinic.permissions import ADMIN_ONLY
from tests.conftest import api_client_for
from tests.factories import (
    ClientFactory,
    CoupleFactory,
    MembershipFactory,
    open_by_break_glass,
    totp_code,
)

pytestmark = pytest.mark.django_db


def url(clinic, path=""):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


def test_login_returns_expiring_token_stored_hashed(therapist):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/v1/auth/login/",
        {"email": therapist.email, "password": "correct-horse-battery", "code": totp_code()},
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expiry"]
    stored = AuthToken.objects.get(user=therapist)
    assert token not in (stored.digest, stored.token_key)
    assert stored.expiry is not None


def test_login_with_wrong_password_is_400_with_message(therapist):
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/v1/auth/login/", {"email": therapist.email, "password": "nope"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "Unable to log in with these credentials."
    ]


def test_my_clinics_lists_only_memberships(therapist, clinic, other_clinic):
    response = api_client_for(therapist).get("/api/v1/clinics/")
    slugs = [c["slug"] for c in response.json()["results"]]
    assert slugs == [clinic.slug]
    assert response.json()["results"][0]["role"] == "therapist"


def test_create_client_and_read_it_back_is_audited(therapist, clinic):
    api = api_client_for(therapist)
    response = api.post(url(clinic, "clients/"), {"legal_name": "Ana Souza", "pronouns": "she/her"})
    assert response.status_code == 201, response.json()
    client_id = response.json()["id"]
    uuid.UUID(client_id)
    assert api.get(url(clinic, f"clients/{client_id}/")).json()["legal_name"] == "Ana Souza"
    actions = list(AuditEvent.objects.filter(object_id=client_id).values_list("action", flat=True))
    assert sorted(actions) == ["create", "read"]


def test_client_missing_and_oversize_fields_are_field_errors(therapist, clinic):
    api = api_client_for(therapist)
    response = api.post(
        url(clinic, "clients/"), {"legal_name": "x" * 201, "date_of_birth": "yesterday"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "legal_name" in errors and "date_of_birth" in errors
    missing = api.post(url(clinic, "clients/"), {})
    assert "legal_name" in missing.json()["errors"]


def test_future_date_of_birth_is_refused(therapist, clinic):
    response = api_client_for(therapist).post(
        url(clinic, "clients/"), {"legal_name": "A", "date_of_birth": "2999-01-01"}
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["errors"]


def test_wrong_types_are_400_not_500(therapist, clinic):
    api = api_client_for(therapist)
    response = api.post(
        url(clinic, "couples/"), {"partner_a": 12, "partner_b": ["x"], "therapists": "nope"}
    )
    assert response.status_code == 400
    assert {"partner_a", "partner_b", "therapists"} <= set(response.json()["errors"])
    response = api.post(
        url(clinic, "couples/"), {"partner_a": "not-a-uuid", "partner_b": str(uuid.uuid4())}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["partner_a"] == ["Must be a valid UUID."]
    assert "does not exist" in response.json()["errors"]["partner_b"][0]


def test_archive_is_soft_and_hides_from_list(admin, clinic):
    client = ClientFactory(clinic=clinic)
    api = api_client_for(admin)
    assert api.delete(url(clinic, f"clients/{client.pk}/")).status_code == 200
    client.refresh_from_db()
    assert client.archived_at is not None
    assert Client.objects.filter(pk=client.pk).exists()
    ids = [c["id"] for c in api.get(url(clinic, "clients/")).json()["results"]]
    assert str(client.pk) not in ids
    archived = api.get(url(clinic, "clients/?archived=true")).json()["results"]
    assert str(client.pk) in [c["id"] for c in archived]


def test_create_couple_assigns_the_creating_therapist(therapist, clinic):
    api = api_client_for(therapist)
    a = api.post(url(clinic, "clients/"), {"legal_name": "Partner A"}).json()["id"]
    b = api.post(url(clinic, "clients/"), {"legal_name": "Partner B"}).json()["id"]
    response = api.post(url(clinic, "couples/"), {"partner_a": a, "partner_b": b})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [t["id"] for t in body["therapists"]] == [str(therapist.pk)]
    assert body["partner_a"]["display_name"] == "Partner A"
    assert CoupleStatusChange.objects.filter(couple_id=body["id"], to_status="intake").exists()


def test_couple_partners_must_differ(admin, clinic):
    client = ClientFactory(clinic=clinic)
    response = api_client_for(admin).post(
        url(clinic, "couples/"), {"partner_a": str(client.pk), "partner_b": str(client.pk)}
    )
    assert response.status_code == 400
    assert "partner_b" in response.json()["errors"]


def test_couple_partner_from_another_clinic_reads_as_missing(admin, clinic, other_clinic):
    mine, theirs = ClientFactory(clinic=clinic), ClientFactory(clinic=other_clinic)
    response = api_client_for(admin).post(
        url(clinic, "couples/"), {"partner_a": str(mine.pk), "partner_b": str(theirs.pk)}
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["errors"]["partner_b"])


def test_client_in_at_most_one_open_couple(admin, clinic, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    newcomer = ClientFactory(clinic=clinic)
    response = api_client_for(admin).post(
        url(clinic, "couples/"),
        {"partner_a": str(couple.partner_a.pk), "partner_b": str(newcomer.pk)},
    )
    assert response.status_code == 400
    assert "already in an open couple" in str(response.json()["errors"]["partner_a"])


def test_discharged_couple_frees_its_partners(admin, clinic, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    api = api_client_for(admin)
    response = api.post(
        url(clinic, f"couples/{couple.pk}/status/"),
        {"status": "discharged", "note": "Goals met"},
    )
    assert response.status_code == 200
    newcomer = ClientFactory(clinic=clinic)
    response = api.post(
        url(clinic, "couples/"),
        {"partner_a": str(couple.partner_a.pk), "partner_b": str(newcomer.pk)},
    )
    assert response.status_code == 201


def test_closing_a_case_without_a_reason_is_400(therapist, clinic, couple):
    response = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/status/"), {"status": "discharged", "note": "  "}
    )
    assert response.status_code == 400
    assert "reason for closing" in str(response.json()["errors"]["note"])
    couple.refresh_from_db()
    assert couple.status != "discharged"


def test_status_changes_are_recorded_with_who_and_when(therapist, clinic, couple):
    api = api_client_for(therapist)
    response = api.post(
        url(clinic, f"couples/{couple.pk}/status/"), {"status": "paused", "note": "travel"}
    )
    assert response.status_code == 200
    change = CoupleStatusChange.objects.get(couple=couple, to_status="paused")
    assert (
        change.changed_by == therapist
        and change.from_status == "active"
        and change.note == "travel"
    )
    history = api.get(url(clinic, f"couples/{couple.pk}/status-history/")).json()
    assert history[-1]["to_status"] == "paused"


def test_invalid_status_transition_is_400(therapist, clinic, couple):
    couple.status = CoupleStatus.ACTIVE
    couple.save()
    response = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/status/"), {"status": "intake"}
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_members_see_assigned_couples_and_an_admin_also_those_opened_by_break_glass(
    therapist, other_therapist, admin, clinic, couple
):
    theirs = CoupleFactory(clinic=clinic, therapists=[other_therapist])
    mine_ids = {
        c["id"] for c in api_client_for(therapist).get(url(clinic, "couples/")).json()["results"]
    }
    assert mine_ids == {str(couple.pk)}
    admin_api = api_client_for(admin)
    assert admin_api.get(url(clinic, "couples/")).json()["results"] == []
    open_by_break_glass(theirs, admin)
    opened = {c["id"] for c in admin_api.get(url(clinic, "couples/")).json()["results"]}
    assert opened == {str(theirs.pk)}
    assert api_client_for(therapist).get(url(clinic, f"couples/{theirs.pk}/")).status_code == 404


def test_caseload_filter_search_ordering(admin, clinic, therapist, other_therapist):
    c1 = CoupleFactory(
        clinic=clinic,
        therapists=[therapist, admin],
        partner_a__legal_name="Zed Quill",
        status="active",
    )
    c2 = CoupleFactory(clinic=clinic, therapists=[other_therapist, admin], status="paused")
    api = api_client_for(admin)
    assert [c["id"] for c in api.get(url(clinic, "couples/?status=paused")).json()["results"]] == [
        str(c2.pk)
    ]
    assert [
        c["id"]
        for c in api.get(url(clinic, f"couples/?therapist={therapist.pk}")).json()["results"]
    ] == [str(c1.pk)]
    assert [c["id"] for c in api.get(url(clinic, "couples/?search=quill")).json()["results"]] == [
        str(c1.pk)
    ]
    bogus = api.get(url(clinic, "couples/?status=bogus"))
    assert bogus.status_code == 400
    assert "status" in bogus.json()["errors"]
    ordered = api.get(url(clinic, "couples/?ordering=created_at")).json()["results"]
    assert [c["id"] for c in ordered] == [str(c1.pk), str(c2.pk)]


def test_list_reads_are_audited_per_record(therapist, clinic, couple):
    api_client_for(therapist).get(url(clinic, "couples/"))
    assert (
        AuditEvent.objects.filter(action="read", object_id=str(couple.pk), actor=therapist).count()
        == 1
    )


def count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def test_caseload_query_count_is_the_same_for_5_and_500_couples(admin, clinic, therapist):
    api = api_client_for(admin)

    def fetch():
        return api.get(url(clinic, "couples/?page_size=200"))

    for _ in range(5):
        CoupleFactory(clinic=clinic, therapists=[therapist, admin])
    small, response = count_queries(fetch)
    assert len(response.json()["results"]) == 5
    for _ in range(495):
        CoupleFactory(clinic=clinic, therapists=[therapist, admin])
    large, response = count_queries(fetch)
    assert response.json()["count"] == 500
    assert len(response.json()["results"]) == 200
    assert small == large


def test_admin_invites_member_and_therapist_cannot(admin, therapist, clinic):
    response = api_client_for(admin).post(
        url(clinic, "members/"), {"email": "new@x.test", "full_name": "New"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "new@x.test"
    assert response.json()["role"] == "therapist"  # never admin unless chosen
    assert response.json()["status"] == "pending"
    refused = api_client_for(therapist).post(
        url(clinic, "members/"), {"email": "b@x.test", "role": "admin"}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == ADMIN_ONLY


def test_last_admin_cannot_be_demoted(admin, clinic):
    membership = admin.memberships.get(clinic=clinic)
    response = api_client_for(admin).patch(
        url(clinic, f"members/{membership.pk}/"), {"role": "therapist"}
    )
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_admin_lists_audit_events_of_own_clinic_only(admin, clinic, other_clinic, couple):
    AuditEvent.objects.create(
        clinic=other_clinic, action="read", object_type="secret", object_id="x"
    )
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    api = api_client_for(admin)
    api.get(url(clinic, f"couples/{couple.pk}/"))
    events = api.get(url(clinic, "audit-events/")).json()["results"]
    assert any(e["object_id"] == str(couple.pk) for e in events)
    assert all(e["object_type"] != "secret" for e in events)


def test_audit_events_cannot_be_changed_at_database(clinic):
    from django.db import IntegrityError, InternalError, ProgrammingError, transaction
    from django.db.utils import DatabaseError

    event = AuditEvent.objects.create(clinic=clinic, action="read", object_type="t", object_id="1")
    with (
        pytest.raises((DatabaseError, IntegrityError, InternalError, ProgrammingError)),
        transaction.atomic(),
    ):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_couple_update_rejects_other_clinics_therapist(admin, clinic, other_clinic, couple):
    stranger = MembershipFactory(clinic=other_clinic).user
    open_by_break_glass(couple, admin)
    response = api_client_for(admin).patch(
        url(clinic, f"couples/{couple.pk}/"), {"therapists": [str(stranger.pk)]}
    )
    assert response.status_code == 400
    assert "therapists" in response.json()["errors"]
    assert Couple.objects.get(pk=couple.pk).therapists.count() == 1
