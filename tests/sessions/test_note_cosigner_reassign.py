"""A supervisor who leaves: an admin hands the pending co-signature of a signed note to another
active member (service, API, page), audited; the database allows only that change."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, Role
from sessions.models import NoteState, SessionNote
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, open_by_break_glass
from tests.sessions.world import make_note

pytestmark = pytest.mark.django_db

NOTE_TABLE = SessionNote._meta.db_table


def url(clinic, note):
    return f"/api/v1/clinics/{clinic.slug}/notes/{note.pk}/reassign-cosigner/"


def awaiting(couple, supervisor):
    note = make_note(couple=couple, risk_plan="as signed")
    SessionNote.objects.filter(pk=note.pk).update(
        state=NoteState.AWAITING_COSIGNATURE,
        signed_at=timezone.now(),
        signed_by=note.author,
        cosigner_required=supervisor,
    )
    note.refresh_from_db()
    return note


def leave(clinic, user):
    user.memberships.filter(clinic=clinic).update(is_active=False)


@pytest.fixture
def admin(admin, couple):
    """The admin is not on the couple's caseload: they open it with a reason (break-glass)."""
    open_by_break_glass(couple, admin)
    return admin


@pytest.fixture
def supervisor(clinic):
    return MembershipFactory(clinic=clinic, role=Role.THERAPIST).user


@pytest.fixture
def successor(clinic):
    return MembershipFactory(clinic=clinic, role=Role.THERAPIST).user


def test_admin_reassigns_the_cosigner_of_a_departed_supervisor_audited(
    admin, clinic, couple, supervisor, successor
):
    note = awaiting(couple, supervisor)
    leave(clinic, supervisor)
    response = api_client_for(admin).post(url(clinic, note), {"cosigner": str(successor.pk)})
    assert response.status_code == 200, response.json()
    note.refresh_from_db()
    assert note.cosigner_required == successor
    assert note.state == NoteState.AWAITING_COSIGNATURE and note.risk_plan == "as signed"
    event = AuditEvent.objects.get(object_id=str(note.pk), action="reassign_cosigner")
    assert event.detail == {"from": str(supervisor.pk), "to": str(successor.pk)}


def test_the_new_cosigner_can_then_cosign(admin, clinic, couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    leave(clinic, supervisor)
    api_client_for(admin).post(url(clinic, note), {"cosigner": str(successor.pk)})
    couple.therapists.add(successor, through_defaults=couple.assignment_defaults)
    cosigned = api_client_for(successor).post(
        f"/api/v1/clinics/{clinic.slug}/notes/{note.pk}/cosign/"
    )
    assert cosigned.status_code == 200, cosigned.json()
    note.refresh_from_db()
    assert note.state == NoteState.SIGNED and note.cosigned_by == successor


def test_a_therapist_cannot_reassign_the_cosigner(therapist, clinic, couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    leave(clinic, supervisor)
    response = api_client_for(therapist).post(url(clinic, note), {"cosigner": str(successor.pk)})
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a clinic admin can reassign a note's co-signer."
    note.refresh_from_db()
    assert note.cosigner_required == supervisor


def test_a_supervisor_still_active_keeps_the_cosignature(
    admin, clinic, couple, supervisor, successor
):
    note = awaiting(couple, supervisor)
    response = api_client_for(admin).post(url(clinic, note), {"cosigner": str(successor.pk)})
    assert response.status_code == 400
    assert "still an active member" in str(response.json()["errors"]["cosigner"])


@pytest.mark.parametrize("who", ["author", "departed", "other_clinic"])
def test_the_new_cosigner_must_be_another_active_member(
    admin, clinic, other_clinic, couple, supervisor, who
):
    note = awaiting(couple, supervisor)
    leave(clinic, supervisor)
    departed = MembershipFactory(clinic=clinic).user
    leave(clinic, departed)
    candidate = {
        "author": note.author,
        "departed": departed,
        "other_clinic": MembershipFactory(clinic=other_clinic).user,
    }[who]
    response = api_client_for(admin).post(url(clinic, note), {"cosigner": str(candidate.pk)})
    assert response.status_code == 400
    assert "cosigner" in response.json()["errors"]
    note.refresh_from_db()
    assert note.cosigner_required == supervisor


@pytest.mark.parametrize("state", [NoteState.DRAFT, NoteState.SIGNED])
def test_only_a_note_awaiting_cosignature_is_reassigned(
    admin, clinic, couple, supervisor, successor, state
):
    note = make_note(couple=couple)
    if state == NoteState.SIGNED:
        SessionNote.objects.filter(pk=note.pk).update(
            state=state, signed_at=timezone.now(), signed_by=note.author
        )
    response = api_client_for(admin).post(url(clinic, note), {"cosigner": str(successor.pk)})
    assert response.status_code == 400
    assert "does not await" in str(response.json()["errors"]["cosigner"])


def test_admin_of_another_clinic_gets_404(outsider, clinic, couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    leave(clinic, supervisor)
    response = api_client_for(outsider).post(url(clinic, note), {"cosigner": str(successor.pk)})
    assert response.status_code == 404


def test_note_page_offers_admins_the_reassign_control(
    client, admin, clinic, couple, supervisor, successor
):
    note = awaiting(couple, supervisor)
    page = reverse("note-page", args=[clinic.slug, note.pk])
    client.force_login(admin)
    assert "Reassign co-signer" not in client.get(page).content.decode()
    leave(clinic, supervisor)
    html = client.get(page).content.decode()
    assert "Reassign co-signer" in html and 'for="reassign_cosigner"' in html
    response = client.post(
        reverse("note-reassign-cosigner", args=[clinic.slug, note.pk]),
        {"cosigner": str(successor.pk)},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.cosigner_required == successor
    assert AuditEvent.objects.filter(
        object_id=str(note.pk), action="reassign_cosigner", channel="page"
    ).exists()


def test_note_page_hides_the_control_from_therapists_and_refuses_their_post(
    client, therapist, clinic, couple, supervisor, successor
):
    note = awaiting(couple, supervisor)
    leave(clinic, supervisor)
    client.force_login(therapist)
    html = client.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert "Reassign co-signer" not in html
    response = client.post(
        reverse("note-reassign-cosigner", args=[clinic.slug, note.pk]),
        {"cosigner": str(successor.pk)},
    )
    assert response.status_code == 403
    assert "Only a clinic admin can reassign a note&#x27;s co-signer." in response.content.decode()
    note.refresh_from_db()
    assert note.cosigner_required == supervisor


# --- the database trigger (migration 0006) ----------------------------------------------------


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_allows_changing_only_the_cosigner_while_awaiting(couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    _raw(
        f"UPDATE {NOTE_TABLE} SET cosigner_required_id = %s WHERE id = %s",  # noqa: S608
        [successor.pk, note.pk],
    )
    note.refresh_from_db()
    assert note.cosigner_required == successor


def test_database_refuses_content_smuggled_with_a_new_cosigner(couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    with pytest.raises(DatabaseError, match="signed"):
        _raw(
            f"UPDATE {NOTE_TABLE} SET cosigner_required_id = %s, risk_plan = 'x' "  # noqa: S608
            "WHERE id = %s",
            [successor.pk, note.pk],
        )
    note.refresh_from_db()
    assert note.cosigner_required == supervisor and note.risk_plan == "as signed"


def test_database_refuses_clearing_the_cosigner(couple, supervisor):
    note = awaiting(couple, supervisor)
    with pytest.raises(DatabaseError, match="signed"):
        _raw(
            f"UPDATE {NOTE_TABLE} SET cosigner_required_id = NULL WHERE id = %s",  # noqa: S608
            [note.pk],
        )


def test_database_refuses_a_new_cosigner_on_a_fully_signed_note(couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    SessionNote.objects.filter(pk=note.pk).update(
        state=NoteState.SIGNED, cosigned_at=timezone.now(), cosigned_by=supervisor
    )
    with pytest.raises(DatabaseError, match="signed"):
        _raw(
            f"UPDATE {NOTE_TABLE} SET cosigner_required_id = %s WHERE id = %s",  # noqa: S608
            [successor.pk, note.pk],
        )


def test_database_refuses_moving_a_note_back_to_awaiting(couple, supervisor, successor):
    note = awaiting(couple, supervisor)
    SessionNote.objects.filter(pk=note.pk).update(
        state=NoteState.SIGNED, cosigned_at=timezone.now(), cosigned_by=supervisor
    )
    with pytest.raises(DatabaseError, match="signed"):
        _raw(
            f"UPDATE {NOTE_TABLE} SET state = 'awaiting_cosignature', cosigned_at = NULL, "  # noqa: S608
            "cosigned_by_id = NULL, cosigner_required_id = %s WHERE id = %s",
            [successor.pk, note.pk],
        )
