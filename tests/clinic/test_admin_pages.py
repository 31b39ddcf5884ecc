"""Admin pages: members, the audit trail and clinic settings (admin only; others get 404)."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _members_url(clinic):
    return reverse("members", args=[clinic.slug])


def _membership(user, clinic):
    return Membership.objects.get(user=user, clinic=clinic)


def test_admin_sees_members_with_role_and_supervision(client, admin, therapist, clinic):
    supervised = MembershipFactory(clinic=clinic, is_supervised=True, supervisor=therapist)
    client.force_login(admin)
    response = client.get(_members_url(clinic))
    assert response.status_code == 200
    html = response.content.decode()
    assert therapist.email in html and admin.email in html
    assert f"supervised by {therapist}" in html
    assert supervised.user.email in html
    assert '<label for="id_add_email">Email' in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "each member's controls need their own ids for labels"


def _refused_to_a_therapist(response) -> None:
    assert response.status_code == 403
    assert "Only a clinic admin can do this." in response.content.decode()


def test_members_page_is_refused_to_a_therapist(client, therapist, clinic):
    client.force_login(therapist)
    _refused_to_a_therapist(client.get(_members_url(clinic)))
    _refused_to_a_therapist(client.post(_members_url(clinic), {"action": "invite"}))


def test_members_page_is_hidden_from_another_clinics_admin(client, outsider, clinic):
    client.force_login(outsider)
    assert client.get(_members_url(clinic)).status_code == 404


def test_admin_invites_a_member_and_it_is_audited(client, admin, therapist, clinic):
    from clinic.models import Invitation

    client.force_login(admin)
    response = client.post(
        _members_url(clinic),
        {
            "action": "invite",
            "email": "New.Person@Example.test",
            "full_name": "New Person",
            "role": Role.THERAPIST,
            "is_supervised": "on",
            "supervisor": str(therapist.pk),
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(clinic=clinic, email="new.person@example.test")
    assert invitation.is_supervised and invitation.supervisor == therapist
    assert invitation.role == Role.THERAPIST
    # Nobody is a member before accepting.
    assert not Membership.objects.filter(clinic=clinic, user__email=invitation.email).exists()
    assert AuditEvent.objects.filter(
        clinic=clinic, action="invitation_create", object_id=str(invitation.pk)
    ).exists()
    page = client.get(_members_url(clinic)).content.decode()
    assert "Invitations waiting" in page and "new.person@example.test" in page


def test_inviting_an_existing_member_shows_the_rule_on_the_page(client, admin, therapist, clinic):
    client.force_login(admin)
    response = client.post(
        _members_url(clinic), {"action": "invite", "email": therapist.email, "role": Role.ADMIN}
    )
    assert response.status_code == 200
    assert "already a member of the clinic" in response.content.decode()


def test_last_admin_cannot_step_down_and_sees_why(client, admin, clinic):
    client.force_login(admin)
    mine = _membership(admin, clinic)
    response = client.post(
        _members_url(clinic), {"action": "change", "member": str(mine.pk), "role": Role.THERAPIST}
    )
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    mine.refresh_from_db()
    assert mine.role == Role.ADMIN


def test_last_admin_cannot_deactivate_themselves(client, admin, clinic):
    client.force_login(admin)
    mine = _membership(admin, clinic)
    response = client.post(_members_url(clinic), {"action": "deactivate", "member": str(mine.pk)})
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    mine.refresh_from_db()
    assert mine.is_active


def test_admin_changes_a_therapists_role(client, admin, therapist, clinic):
    client.force_login(admin)
    theirs = _membership(therapist, clinic)
    response = client.post(
        _members_url(clinic), {"action": "change", "member": str(theirs.pk), "role": Role.ADMIN}
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.role == Role.ADMIN


def test_admin_deactivates_a_member_who_then_loses_access(client, admin, therapist, clinic):
    client.force_login(admin)
    theirs = _membership(therapist, clinic)
    response = client.post(_members_url(clinic), {"action": "deactivate", "member": str(theirs.pk)})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert not theirs.is_active
    assert AuditEvent.objects.filter(action="member_deactivate", object_id=str(theirs.pk)).exists()
    client.force_login(therapist)
    assert client.get(reverse("caseload", args=[clinic.slug])).status_code == 404


def test_another_clinics_member_cannot_be_changed_from_here(client, admin, outsider, clinic):
    client.force_login(admin)
    foreign = Membership.objects.get(user=outsider)
    response = client.post(
        _members_url(clinic), {"action": "deactivate", "member": str(foreign.pk)}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def _audit_url(clinic, **params):
    url = reverse("audit", args=[clinic.slug])
    return f"{url}?{urlencode(params)}" if params else url


def _event(clinic, actor, action="read", object_type="clinic.couple", at=None, **extra):
    return AuditEvent.objects.create(
        clinic=clinic,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=extra.pop("object_id", "x"),
        at=at or timezone.now(),
        **extra,
    )


def test_audit_page_lists_this_clinics_events_newest_first(
    client, admin, therapist, outsider, clinic, other_clinic
):
    now = timezone.now()
    _event(clinic, therapist, object_id="older-one", at=now - timedelta(hours=2))
    _event(clinic, therapist, object_id="newer-one", at=now - timedelta(hours=1))
    _event(other_clinic, outsider, object_id="foreign-one")
    client.force_login(admin)
    html = client.get(_audit_url(clinic)).content.decode()
    assert html.index("newer-one") < html.index("older-one")
    assert "foreign-one" not in html
    assert '<label for="id_actor">Done by (name or email)' in html


def test_audit_page_is_refused_to_a_therapist_and_hidden_from_an_outsider(
    client, therapist, outsider, clinic
):
    client.force_login(therapist)
    _refused_to_a_therapist(client.get(_audit_url(clinic)))
    client.force_login(outsider)
    assert client.get(_audit_url(clinic)).status_code == 404


def test_audit_filters_by_action_type_actor_and_clinic_dates(client, admin, therapist, clinic):
    # The clinic is in Europe/London: 23:30 UTC on 1 July is already 2 July there.
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    _event(
        clinic, therapist, action="update", object_type="clinic.client", object_id="hit", at=late
    )
    _event(clinic, therapist, action="read", object_type="clinic.client", object_id="wrong-action")
    _event(clinic, therapist, action="update", object_type="clinic.couple", object_id="wrong-type")
    _event(clinic, admin, action="update", object_type="clinic.client", object_id="wrong-actor")
    _event(
        clinic,
        therapist,
        action="update",
        object_type="clinic.client",
        object_id="too-early",
        at=late - timedelta(hours=1),
    )
    client.force_login(admin)
    response = client.get(
        _audit_url(
            clinic,
            action="update",
            object_type="clinic.client",
            actor=therapist.email.upper(),
            date_from="2026-07-02",
            date_to="2026-07-02",
        )
    )
    html = response.content.decode()
    assert "hit" in html
    for other in ("wrong-action", "wrong-type", "wrong-actor", "too-early"):
        assert other not in html
    assert response.context["page"].paginator.count == 1


def test_audit_date_range_backwards_is_shown_on_the_page(client, admin, clinic):
    client.force_login(admin)
    response = client.get(_audit_url(clinic, date_from="2026-07-02", date_to="2026-07-01"))
    assert response.status_code == 200
    assert "end date is before the start date" in response.content.decode()


def test_audit_page_shows_fifty_events_a_page(client, admin, therapist, clinic):
    AuditEvent.objects.bulk_create(
        AuditEvent(clinic=clinic, actor=therapist, action="read", object_type="t", object_id=str(i))
        for i in range(60)
    )
    client.force_login(admin)
    first = client.get(_audit_url(clinic, action="read"))
    assert len(first.context["page"].object_list) == 50
    assert "page=2" in first.content.decode() and "action=read" in first.content.decode()
    second = client.get(_audit_url(clinic, action="read", page=2))
    assert len(second.context["page"].object_list) == 10


def _audit_page_queries(client, clinic):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_audit_url(clinic, action="read")).status_code == 200
    return len(queries)


def test_audit_page_query_count_does_not_grow_with_rows(client, admin, clinic):
    actors = [MembershipFactory(clinic=clinic).user for _ in range(5)]
    client.force_login(admin)
    _event(clinic, actors[0])
    few = _audit_page_queries(client, clinic)
    AuditEvent.objects.bulk_create(
        AuditEvent(clinic=clinic, actor=actors[i % 5], action="read", object_type="t")
        for i in range(120)
    )
    assert _audit_page_queries(client, clinic) == few


def _settings_url(clinic):
    return reverse("clinic-settings", args=[clinic.slug])


def _settings(clinic, **changes):
    data = {
        "name": clinic.name,
        "time_zone": clinic.time_zone,
        "locale": clinic.locale,
        "crisis_text": clinic.crisis_text,
        "report_retention_days": clinic.report_retention_days,
        "staff_idle_minutes": clinic.staff_idle_minutes,
        "leave_url": clinic.leave_url,
    }
    if clinic.require_client_mfa:
        data["require_client_mfa"] = "on"
    if clinic.partners_see_individual_results:
        data["partners_see_individual_results"] = "on"
    if clinic.show_score_bands_to_clients:
        data["show_score_bands_to_clients"] = "on"
    for switch in ("session_reminders", "homework_nudges"):
        if getattr(clinic, switch):
            data[switch] = "on"
    return {**data, **changes}


def test_settings_page_has_labelled_fields_for_an_admin(client, admin, clinic):
    client.force_login(admin)
    html = client.get(_settings_url(clinic)).content.decode()
    assert '<label for="id_time_zone">Time zone' in html
    assert '<label for="id_report_retention_days">Keep finished reports for (days)' in html


def test_settings_page_is_refused_to_a_therapist_and_hidden_from_an_outsider(
    client, therapist, outsider, clinic
):
    client.force_login(therapist)
    _refused_to_a_therapist(client.get(_settings_url(clinic)))
    _refused_to_a_therapist(client.post(_settings_url(clinic), _settings(clinic, name="X")))
    client.force_login(outsider)
    assert client.get(_settings_url(clinic)).status_code == 404
    assert client.post(_settings_url(clinic), _settings(clinic, name="X")).status_code == 404
    clinic.refresh_from_db()
    assert clinic.name == "Harbour"


def test_settings_change_is_saved_and_audited_with_the_changed_fields(client, admin, clinic):
    client.force_login(admin)
    response = client.post(
        _settings_url(clinic),
        _settings(
            clinic,
            time_zone="America/New_York",
            report_retention_days="90",
            show_score_bands_to_clients="on",
        ),
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.time_zone == "America/New_York" and clinic.report_retention_days == 90
    assert clinic.show_score_bands_to_clients
    event = AuditEvent.objects.get(clinic=clinic, action="update", object_id=str(clinic.pk))
    assert event.detail == {
        "fields": ["report_retention_days", "show_score_bands_to_clients", "time_zone"]
    }
    assert event.actor == admin and event.channel == "page"


def test_reminder_emails_are_switched_off_for_the_clinic_on_the_settings_page(
    client, admin, clinic
):
    client.force_login(admin)
    html = client.get(_settings_url(clinic)).content.decode()
    assert "Email partners the day before a session" in html
    data = _settings(clinic)
    del data["homework_nudges"]
    assert client.post(_settings_url(clinic), data).status_code == 302
    clinic.refresh_from_db()
    assert clinic.session_reminders and not clinic.homework_nudges
    event = AuditEvent.objects.get(clinic=clinic, action="update", object_id=str(clinic.pk))
    assert event.detail == {"fields": ["homework_nudges"]}


def test_unchanged_settings_write_no_audit_event(client, admin, clinic):
    clinic.crisis_text = "Call 999 in an emergency.\nOr the Samaritans on 116 123."
    clinic.save()
    client.force_login(admin)
    crlf = _settings(clinic, crisis_text=clinic.crisis_text.replace("\n", "\r\n"))
    assert client.post(_settings_url(clinic), crlf).status_code == 302
    assert not AuditEvent.objects.filter(action="update", object_id=str(clinic.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "is not a known time zone"),
        ({"report_retention_days": "0"}, "greater than or equal to 1"),
        ({"report_retention_days": "3651"}, "less than or equal to 3650"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_settings_errors_are_shown_on_the_page_and_nothing_saved(
    client, admin, clinic, changes, message
):
    client.force_login(admin)
    response = client.post(_settings_url(clinic), _settings(clinic, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.time_zone == "Europe/London" and clinic.report_retention_days == 30
    assert not AuditEvent.objects.filter(action="update", object_id=str(clinic.pk)).exists()


def test_staff_navigation_links_admin_pages_for_admins_only(client, admin, therapist, clinic):
    links = [
        f'href="{reverse(name, args=[clinic.slug])}"'
        for name in ("members", "audit", "clinic-settings")
    ]
    client.force_login(admin)
    html = client.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert all(link in html for link in links)
    client.force_login(therapist)
    html = client.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert not any(link in html for link in links)


def test_admin_who_ends_their_own_access_is_sent_home(client, admin, clinic):
    MembershipFactory(clinic=clinic, role=Role.ADMIN)
    client.force_login(admin)
    mine = _membership(admin, clinic)
    response = client.post(_members_url(clinic), {"action": "deactivate", "member": str(mine.pk)})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    mine.refresh_from_db()
    assert not mine.is_active


def _members_page_queries(client, clinic):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_members_url(clinic)).status_code == 200
    return len(queries)


def test_members_page_query_count_does_not_grow_with_members(client, admin, therapist, clinic):
    client.force_login(admin)
    few = _members_page_queries(client, clinic)
    for _ in range(15):
        MembershipFactory(clinic=clinic, is_supervised=True, supervisor=therapist)
    assert _members_page_queries(client, clinic) == few


def test_member_changes_on_the_page_are_audited_as_page_events(client, admin, clinic):
    from clinic.models import AuditEvent

    client.force_login(admin)
    client.post(
        f"/c/{clinic.slug}/members/",
        {"action": "invite", "email": "page@x.test", "role": "therapist"},
    )
    event = AuditEvent.objects.filter(action="invitation_create").latest("at")
    assert event.channel == "page"
