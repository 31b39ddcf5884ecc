"""Session notes through the API: drafts with optimistic concurrency, signing locks every field
on every route, co-signature by the supervisor only, append-only addenda, audited reads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AuditEvent, Role
from sessions.models import NoteAddendum, NoteState, SessionNote
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory, open_by_break_glass
from tests.sessions.world import make_held_session, make_note, make_session, make_signed_note

pytestmark = pytest.mark.django_db


def url(clinic, path=""):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


COMPLETE = {
    "sections": {
        "subjective": "Both describe a weekend rupture.",
        "objective": "A flooded early; B withdrew.",
        "assessment": "Pursue-withdraw cycle.",
        "plan": "Practise time-outs.",
    },
    "partner_a_zone": "hyper",
    "partner_a_intensity": 7,
    "partner_b_zone": "hypo",
    "partner_b_intensity": 4,
    "interventions": ["time_out_practice", "co_regulation_breathing", "other"],
    "interventions_other": "Sculpting",
    "risk_level": "concerns",
    "risk_concerns": "Shouting, no violence reported.",
    "risk_plan": "Time-out agreement; crisis numbers given.",
}


def patch(api, clinic, note, **body):
    return api.patch(url(clinic, f"notes/{note.pk}/"), body)


def test_therapist_starts_a_note_for_a_held_session(therapist, clinic, couple):
    session = make_held_session(couple)
    response = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/note/"), {"template": "birp"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["version"] == 1
    assert body["sections"] == {"behaviour": "", "intervention": "", "response": "", "plan": ""}
    again = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/note/"), {"template": "soap"}
    )
    assert again.status_code == 400
    assert again.json()["errors"]["session"] == ["This session already has a note."]


def test_no_note_for_a_session_that_was_not_held(therapist, clinic, couple):
    session = make_session(couple)
    response = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/note/"), {"template": "soap"}
    )
    assert response.status_code == 400
    assert "held" in str(response.json()["errors"])


def test_draft_patch_bumps_the_version(therapist, clinic, couple):
    note = make_note(couple=couple)
    response = patch(api_client_for(therapist), clinic, note, version=1, **COMPLETE)
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    note.refresh_from_db()
    assert note.sections["plan"] == "Practise time-outs."
    assert note.interventions == ["time_out_practice", "co_regulation_breathing", "other"]


def test_patch_without_version_is_refused(therapist, clinic, couple):
    note = make_note(couple=couple)
    response = patch(api_client_for(therapist), clinic, note, risk_plan="x")
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_stale_version_is_409_with_current_content_and_nothing_overwritten(
    therapist, clinic, couple
):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    first = patch(api, clinic, note, version=1, sections={"plan": "Tab one's plan"})
    assert first.status_code == 200
    stale = patch(api, clinic, note, version=1, sections={"plan": "Tab two's plan"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2
    assert body["current"]["sections"]["plan"] == "Tab one's plan"
    assert "changed elsewhere" in body["detail"]
    note.refresh_from_db()
    assert note.sections["plan"] == "Tab one's plan" and note.version == 2


def test_put_replaces_the_whole_draft_and_requires_every_field(therapist, clinic, couple):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    partial = api.put(url(clinic, f"notes/{note.pk}/"), {"version": 1, "risk_level": "none"})
    assert partial.status_code == 400
    assert "sections" in partial.json()["errors"]
    full = api.put(url(clinic, f"notes/{note.pk}/"), {"version": 1, "template": "soap", **COMPLETE})
    assert full.status_code == 200, full.json()


def test_only_the_author_edits_the_draft(therapist, admin, clinic, couple):
    note = make_note(couple=couple)
    open_by_break_glass(couple, admin)
    response = patch(api_client_for(admin), clinic, note, version=1, risk_plan="x")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the note's author can edit this draft."
    note.refresh_from_db()
    assert note.version == 1


def test_observation_of_an_absent_partner_is_refused(therapist, clinic, couple):
    session = make_held_session(couple, partner_b_attended=False)
    note = make_note(session)
    response = patch(api_client_for(therapist), clinic, note, version=1, partner_b_zone="within")
    assert response.status_code == 400
    assert "partner_b_zone" in response.json()["errors"]


def test_changing_template_with_written_sections_needs_the_new_sections(therapist, clinic, couple):
    note = make_note(couple=couple, sections={"subjective": "written", "plan": ""})
    api = api_client_for(therapist)
    refused = patch(api, clinic, note, version=1, template="dap")
    assert refused.status_code == 400
    assert "drop written sections" in refused.json()["errors"]["template"][0]
    ok = patch(api, clinic, note, version=1, template="dap", sections={"data": "written"})
    assert ok.status_code == 200
    assert ok.json()["sections"] == {"data": "written", "assessment": "", "plan": ""}


def test_signing_needs_a_risk_plan_when_there_are_concerns(therapist, clinic, couple):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    body = {**COMPLETE, "risk_plan": ""}
    assert patch(api, clinic, note, version=1, **body).status_code == 200
    response = api.post(url(clinic, f"notes/{note.pk}/sign/"), {"version": 2})
    assert response.status_code == 400
    assert "risk_plan" in response.json()["errors"]
    assert SessionNote.objects.get(pk=note.pk).state == NoteState.DRAFT


def test_signing_a_stale_version_is_409(therapist, clinic, couple):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    patch(api, clinic, note, version=1, **COMPLETE)
    response = api.post(url(clinic, f"notes/{note.pk}/sign/"), {"version": 1})
    assert response.status_code == 409
    assert "changed elsewhere" in response.json()["detail"]
    assert response.json()["current_version"] == 2


def _signed_via_api(therapist, clinic, couple):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    assert patch(api, clinic, note, version=1, **COMPLETE).status_code == 200
    signed = api.post(url(clinic, f"notes/{note.pk}/sign/"), {"version": 2})
    assert signed.status_code == 200, signed.json()
    return SessionNote.objects.get(pk=note.pk)


def test_unsupervised_signature_locks_the_note_as_signed(therapist, clinic, couple):
    note = _signed_via_api(therapist, clinic, couple)
    assert note.state == NoteState.SIGNED
    assert note.signed_by == therapist and note.signed_at is not None
    assert note.cosigner_required is None
    assert AuditEvent.objects.filter(object_id=str(note.pk), action="sign").exists()


LOCKED_FIELDS = [
    ("template", "dap"),
    ("sections", {"subjective": "rewritten"}),
    ("partner_a_zone", "within"),
    ("partner_a_intensity", 1),
    ("partner_b_zone", "hyper"),
    ("partner_b_intensity", 9),
    ("interventions", ["grounding"]),
    ("interventions_other", "Changed"),
    ("risk_level", "none"),
    ("risk_concerns", "changed"),
    ("risk_plan", "changed"),
]


@pytest.mark.parametrize(("field", "value"), LOCKED_FIELDS, ids=[f for f, _ in LOCKED_FIELDS])
def test_signed_note_refuses_patch_of_every_field(therapist, clinic, couple, field, value):
    note = _signed_via_api(therapist, clinic, couple)
    before = SessionNote.objects.filter(pk=note.pk).values().get()
    response = patch(
        api_client_for(therapist), clinic, note, version=note.version, **{field: value}
    )
    assert response.status_code == 409
    assert "signed" in response.json()["detail"]
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before


def test_signed_note_refuses_put_delete_and_signing_again(therapist, clinic, couple):
    note = _signed_via_api(therapist, clinic, couple)
    api = api_client_for(therapist)
    before = SessionNote.objects.filter(pk=note.pk).values().get()
    put = api.put(
        url(clinic, f"notes/{note.pk}/"), {"version": note.version, "template": "soap", **COMPLETE}
    )
    assert put.status_code == 409
    assert "signed" in put.json()["detail"]
    delete = api.delete(url(clinic, f"notes/{note.pk}/"))
    assert delete.status_code == 409
    assert "signed" in delete.json()["detail"]
    again = api.post(url(clinic, f"notes/{note.pk}/sign/"), {"version": note.version})
    assert again.status_code == 409
    assert again.json()["detail"] == "This note is already signed."
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before


def test_signed_note_refuses_even_an_empty_or_invalid_body(therapist, clinic, couple):
    note = _signed_via_api(therapist, clinic, couple)
    api = api_client_for(therapist)
    for body in ({}, {"risk_level": 12}):
        response = api.patch(url(clinic, f"notes/{note.pk}/"), body)
        assert response.status_code == 409, body
        assert "signed" in response.json()["detail"], body


def test_draft_note_cannot_be_deleted_either(therapist, clinic, couple):
    note = make_note(couple=couple)
    response = api_client_for(therapist).delete(url(clinic, f"notes/{note.pk}/"))
    assert response.status_code == 409
    assert "never deleted" in response.json()["detail"]
    assert SessionNote.objects.filter(pk=note.pk).exists()


@pytest.fixture
def supervisor(clinic):
    return MembershipFactory(clinic=clinic, role=Role.THERAPIST).user


@pytest.fixture
def supervised(clinic, therapist, supervisor):
    membership = therapist.memberships.get(clinic=clinic)
    membership.is_supervised, membership.supervisor = True, supervisor
    membership.save()
    return therapist


def test_supervised_signature_awaits_the_supervisors_cosignature(
    supervised, supervisor, clinic, couple
):
    note = _signed_via_api(supervised, clinic, couple)
    assert note.state == NoteState.AWAITING_COSIGNATURE
    assert note.cosigner_required == supervisor
    awaiting = api_client_for(supervisor).get(url(clinic, "notes/?awaiting_my_cosignature=true"))
    assert [n["id"] for n in awaiting.json()["results"]] == [str(note.pk)]
    response = api_client_for(supervisor).post(url(clinic, f"notes/{note.pk}/cosign/"))
    assert response.status_code == 200, response.json()
    note.refresh_from_db()
    assert note.state == NoteState.SIGNED
    assert note.cosigned_by == supervisor and note.cosigned_at is not None
    assert AuditEvent.objects.filter(object_id=str(note.pk), action="cosign").exists()


def test_content_is_locked_while_awaiting_cosignature(supervised, clinic, couple):
    note = _signed_via_api(supervised, clinic, couple)
    response = patch(api_client_for(supervised), clinic, note, version=note.version, risk_plan="x")
    assert response.status_code == 409
    assert "signed" in response.json()["detail"]


def test_only_the_supervisor_cosigns(supervised, supervisor, admin, clinic, couple):
    note = _signed_via_api(supervised, clinic, couple)
    couple.therapists.add(
        MembershipFactory(clinic=clinic).user, through_defaults=couple.assignment_defaults
    )
    colleague = couple.therapists.exclude(pk=supervised.pk).first()
    open_by_break_glass(couple, admin)
    for user, expected in ((supervised, 403), (admin, 403), (colleague, 403)):
        response = api_client_for(user).post(url(clinic, f"notes/{note.pk}/cosign/"))
        assert response.status_code == expected, user
        assert response.json()["detail"] == "Only the author's supervisor can co-sign this note."
    note.refresh_from_db()
    assert note.state == NoteState.AWAITING_COSIGNATURE


def test_cosigning_twice_is_refused(supervised, supervisor, clinic, couple):
    note = _signed_via_api(supervised, clinic, couple)
    api = api_client_for(supervisor)
    assert api.post(url(clinic, f"notes/{note.pk}/cosign/")).status_code == 200
    again = api.post(url(clinic, f"notes/{note.pk}/cosign/"))
    assert again.status_code == 409
    assert again.json()["detail"] == "This note does not await a co-signature."


def test_unsupervised_note_does_not_accept_a_cosignature(therapist, supervisor, clinic, couple):
    note = _signed_via_api(therapist, clinic, couple)
    # On the caseload the note is visible to them, so the refusal is about the note, not access.
    couple.therapists.add(supervisor, through_defaults=couple.assignment_defaults)
    response = api_client_for(supervisor).post(url(clinic, f"notes/{note.pk}/cosign/"))
    assert response.status_code == 409
    assert response.json()["detail"] == "This note does not await a co-signature."
    note.refresh_from_db()
    assert note.state == NoteState.SIGNED and note.cosigned_by is None


def test_supervised_therapist_without_supervisor_cannot_sign(therapist, clinic, couple):
    membership = therapist.memberships.get(clinic=clinic)
    membership.is_supervised = True
    membership.save()
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    patch(api, clinic, note, version=1, **COMPLETE)
    response = api.post(url(clinic, f"notes/{note.pk}/sign/"), {"version": 2})
    assert response.status_code == 400
    assert "supervisor" in str(response.json()["errors"])


def test_addenda_are_appended_to_signed_notes_only(therapist, clinic, couple):
    api = api_client_for(therapist)
    draft = make_note(couple=couple)
    refused = api.post(url(clinic, f"notes/{draft.pk}/addenda/"), {"text": "x"})
    assert refused.status_code == 400
    assert "signed notes" in refused.json()["errors"]["text"][0]
    note = _signed_via_api(therapist, clinic, couple)
    first = api.post(url(clinic, f"notes/{note.pk}/addenda/"), {"text": "Session was 45 min."})
    assert first.status_code == 201, first.json()
    api.post(url(clinic, f"notes/{note.pk}/addenda/"), {"text": "B phoned after."})
    listed = api.get(url(clinic, f"notes/{note.pk}/addenda/")).json()
    assert [a["text"] for a in listed] == ["Session was 45 min.", "B phoned after."]
    assert listed[0]["author"]["id"] == str(therapist.pk)
    detail = api.get(url(clinic, f"notes/{note.pk}/")).json()
    assert len(detail["addenda"]) == 2


def test_addenda_have_no_edit_or_delete_route(therapist, clinic, couple):
    note = _signed_via_api(therapist, clinic, couple)
    api = api_client_for(therapist)
    api.post(url(clinic, f"notes/{note.pk}/addenda/"), {"text": "Once"})
    addenda_url = url(clinic, f"notes/{note.pk}/addenda/")
    assert api.put(addenda_url, {"text": "x"}).status_code == 405
    assert api.patch(addenda_url, {"text": "x"}).status_code == 405
    assert api.delete(addenda_url).status_code == 405
    assert list(NoteAddendum.objects.values_list("text", flat=True)) == ["Once"]


def test_empty_addendum_is_refused(therapist, clinic, couple):
    note = make_signed_note(couple=couple)
    response = api_client_for(therapist).post(
        url(clinic, f"notes/{note.pk}/addenda/"), {"text": " "}
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_every_read_of_a_note_is_audited(therapist, clinic, couple):
    note = make_signed_note(couple=couple)
    api = api_client_for(therapist)
    api.get(url(clinic, f"notes/{note.pk}/"))
    api.get(url(clinic, f"sessions/{note.session_id}/note/"))
    api.get(url(clinic, f"notes/{note.pk}/addenda/"))
    api.get(url(clinic, "notes/"))
    reads = AuditEvent.objects.filter(object_id=str(note.pk), action="read", actor=therapist)
    assert reads.count() == 4


def test_every_change_of_a_note_is_audited(therapist, clinic, couple):
    session = make_held_session(couple)
    api = api_client_for(therapist)
    note_id = api.post(url(clinic, f"sessions/{session.pk}/note/"), {"template": "soap"}).json()[
        "id"
    ]
    api.patch(url(clinic, f"notes/{note_id}/"), {"version": 1, **COMPLETE})
    api.post(url(clinic, f"notes/{note_id}/sign/"), {"version": 2})
    api.post(url(clinic, f"notes/{note_id}/addenda/"), {"text": "More"})
    actions = list(
        AuditEvent.objects.filter(object_id=note_id)
        .exclude(action="read")
        .values_list("action", flat=True)
    )
    assert sorted(actions) == ["addendum", "create", "sign", "update"]


def test_stale_conflict_reply_is_audited_as_a_read(therapist, clinic, couple):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    patch(api, clinic, note, version=1, risk_plan="")
    patch(api, clinic, note, version=1, risk_plan="")
    assert AuditEvent.objects.filter(
        object_id=str(note.pk), action="read", detail__view="conflict"
    ).exists()


def test_unassigned_therapist_cannot_read_a_note(other_therapist, clinic, couple):
    note = make_signed_note(couple=couple)
    api = api_client_for(other_therapist)
    assert api.get(url(clinic, f"notes/{note.pk}/")).status_code == 404
    assert api.get(url(clinic, "notes/")).json()["count"] == 0


def test_individual_session_note_is_staff_material_never_shared():
    from clinic.confidentiality import Sharing, Viewer, ViewerKind, may_view
    from sessions.models import SessionKind, TherapySession
    from sessions.therapy.selectors import note_material

    individual = TherapySession(kind=SessionKind.INDIVIDUAL)
    joint = TherapySession(kind=SessionKind.JOINT)
    assert note_material(individual).value == "individual_session_note"
    assert note_material(joint).value == "session_note"
    for material in (note_material(individual), note_material(joint)):
        for owner in ("me", "other", None):
            for policy in ("shared", "private"):
                assert not may_view(
                    viewer=Viewer(ViewerKind.PARTNER, "me"),
                    material=material,
                    owner_id=owner,
                    sharing=Sharing(policy),
                    item_at=None,
                )


def test_note_list_query_count_is_the_same_for_3_and_40_notes(admin, clinic, therapist):
    api = api_client_for(admin)

    def fetch():
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url(clinic, "notes/?page_size=200"))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    def add(n):
        for i in range(n):
            couple = CoupleFactory(clinic=clinic, therapists=[therapist, admin])
            (make_signed_note if i % 2 else make_note)(couple=couple)

    add(3)
    small, count = fetch()
    assert count == 3
    add(37)
    large, count = fetch()
    assert count == 40
    assert small == large


def test_patch_with_only_the_version_changes_nothing(therapist, clinic, couple):
    note = make_note(couple=couple)
    api = api_client_for(therapist)
    assert patch(api, clinic, note, version=1).json()["version"] == 1
    stale = patch(api, clinic, note, version=3)
    assert stale.status_code == 409
    assert "changed elsewhere" in stale.json()["detail"]
