import re

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from tests.factories import PASSWORD, ClientFactory, CoupleFactory, totp_code

pytestmark = pytest.mark.django_db


def test_login_page_has_labelled_fields(client):
    html = client.get(reverse("account_login")).content.decode()
    assert '<label for="id_login">Email' in html
    assert '<label for="id_password">Password' in html
    assert 'name="viewport"' in html
    assert "clinic/attune" in html  # allauth's pages wear Attune's layout


def test_therapist_logs_in_with_code_and_lands_on_caseload(client, therapist, couple, clinic):
    response = client.post(
        reverse("account_login"), {"login": therapist.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not log in
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == f"/c/{clinic.slug}/caseload/"
    html = response.content.decode()
    assert couple.partner_a.display_name in html
    assert AuditEvent.objects.filter(object_id=str(couple.pk), channel="page").exists()
    assert AuditEvent.objects.filter(action="login", object_id=str(therapist.pk)).exists()


def test_wrong_password_shows_a_message(client, therapist):
    response = client.post(
        reverse("account_login"), {"login": therapist.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "email address and/or password you specified are not correct" in (
        response.content.decode()
    )


def test_couple_page_shows_partners_and_is_audited(client, therapist, couple, clinic):
    client.force_login(therapist)
    response = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk]))
    assert response.status_code == 200
    assert couple.partner_b.display_name in response.content.decode()
    assert (
        AuditEvent.objects.filter(object_id=str(couple.pk), action="read", channel="page").count()
        == 1
    )


def test_unassigned_and_foreign_couple_pages_are_404(
    client, other_therapist, couple, clinic, other_clinic
):
    client.force_login(other_therapist)
    assert client.get(reverse("couple-detail", args=[clinic.slug, couple.pk])).status_code == 404
    foreign = CoupleFactory(clinic=other_clinic)
    assert (
        client.get(reverse("couple-detail", args=[other_clinic.slug, foreign.pk])).status_code
        == 404
    )
    assert client.get(reverse("caseload", args=[other_clinic.slug])).status_code == 404


def test_anonymous_is_sent_to_login(client, clinic):
    response = client.get(reverse("caseload", args=[clinic.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_open_case_form_shows_rule_errors_on_the_page(client, therapist, clinic, couple):
    client.force_login(therapist)
    response = client.post(
        reverse("couple-new", args=[clinic.slug]),
        {"partner_a": str(couple.partner_a.pk), "partner_b": str(couple.partner_a.pk)},
    )
    assert response.status_code == 200
    assert "must be different people" in response.content.decode()


def test_add_client_then_open_case_through_pages(client, therapist, clinic):
    client.force_login(therapist)
    for name in ("Ines Duarte", "Karl Berg"):
        r = client.post(reverse("client-new", args=[clinic.slug]), {"legal_name": name})
        assert r.status_code == 302
    page = client.get(reverse("couple-new", args=[clinic.slug])).content.decode()
    assert "Ines Duarte" in page and "Karl Berg" in page


def _options(html: str, field: str) -> list[str]:
    select = html[html.index(f'name="{field}"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select)


def test_open_case_lists_clients_in_no_case_and_finds_the_others_by_name(client, admin, clinic):
    couple = CoupleFactory(clinic=clinic, therapists=[admin])
    waiting = ClientFactory(clinic=clinic, legal_name="Ines Duarte")
    client.force_login(admin)
    url = reverse("couple-new", args=[clinic.slug])
    html = client.get(url).content.decode()
    assert _options(html, "partner_a") == _options(html, "partner_b") == [str(waiting.pk)]
    assert "Clients not yet in a case. Find anyone else by name above." in html
    paired = couple.partner_a
    html = client.get(url, {"find_a": paired.legal_name[1:].upper()}).content.decode()
    assert _options(html, "partner_a") == [str(paired.pk)]
    assert _options(html, "partner_b") == [str(waiting.pk)]
    html = client.get(url, {"find_b": "nobody-by-this-name"}).content.decode()
    assert _options(html, "partner_b") == []
    assert "No client whose name contains “nobody-by-this-name”" in html


def test_open_case_offers_the_50_newest_and_accepts_any_client(client, admin, clinic):
    clients = [ClientFactory(clinic=clinic) for _ in range(52)]
    client.force_login(admin)
    url = reverse("couple-new", args=[clinic.slug])
    html = client.get(url).content.decode()
    assert _options(html, "partner_a") == [str(c.pk) for c in reversed(clients[2:])]
    assert "The 50 newest clients not yet in a case." in html
    # The lists are what is offered, not what is allowed: the oldest two can still be paired.
    a, b = clients[:2]
    response = client.post(url, {"partner_a": str(a.pk), "partner_b": str(b.pk)})
    assert response.status_code == 302


def test_open_case_shown_again_keeps_the_partner_picked_among_the_choices(client, admin, clinic):
    clients = [ClientFactory(clinic=clinic) for _ in range(52)]
    client.force_login(admin)
    oldest = clients[0]
    url = reverse("couple-new", args=[clinic.slug])
    html = client.post(url, {"partner_a": str(oldest.pk), "partner_b": str(oldest.pk)})
    html = html.content.decode()
    assert "must be different people" in html
    assert f'<option value="{oldest.pk}" selected>' in html
    assert len(_options(html, "partner_a")) == 51  # the 50 newest and the one picked


def test_portal_user_lands_on_portal_and_leave_quickly_logs_out(client, couple):
    client.force_login(couple.partner_a.portal_user)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"
    assert "Leave quickly" in response.content.decode()
    client.get(reverse("leave-quickly"))
    assert client.get("/portal/").status_code == 302


def test_client_cannot_open_staff_pages(client, couple, clinic):
    client.force_login(couple.partner_a.portal_user)
    assert client.get(reverse("caseload", args=[clinic.slug])).status_code == 404


def test_admin_sees_the_exports_link_and_a_therapist_does_not(client, admin, therapist, clinic):
    client.force_login(admin)
    assert (
        f"/c/{clinic.slug}/exports/"
        in client.get(reverse("caseload", args=[clinic.slug])).content.decode()
    )
    client.force_login(therapist)
    page = client.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert f"/c/{clinic.slug}/exports/" not in page and f"/c/{clinic.slug}/instruments/" in page
    refused = client.get(f"/c/{clinic.slug}/exports/")
    assert refused.status_code == 403 and "Only a clinic admin" in refused.content.decode()
