"""A couple or partner report reaches the portal only once the therapist shares it (audited,
revocable); clinical and export reports never do; the therapist's list says what is shared
with whom; a partner never sees the same report twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import AuditEvent
from reports import services
from reports.models import Audience, ClinicExport, ProgressReport, Status
from tests.conftest import api_client_for
from tests.reports.world import done_report

pytestmark = pytest.mark.django_db

PORTAL = "/api/v1/portal/reports/"


def staff_url(clinic, path):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


def portal_ids(partner):
    return [r["id"] for r in api_client_for(partner.portal_user).get(PORTAL).json()["results"]]


def test_a_couple_report_reaches_the_portal_only_once_shared(couple, therapist, clinic):
    report = done_report(couple)
    partner = api_client_for(couple.partner_a.portal_user)
    assert portal_ids(couple.partner_a) == []
    assert partner.get(f"{PORTAL}{report.pk}/download/").status_code == 404
    shared = api_client_for(therapist).post(staff_url(clinic, f"reports/{report.pk}/share/"))
    assert shared.status_code == 200
    assert shared.json()["shared_with"] == [str(couple.partner_a_id), str(couple.partner_b_id)]
    assert portal_ids(couple.partner_a) == portal_ids(couple.partner_b) == [str(report.pk)]
    assert partner.get(f"{PORTAL}{report.pk}/download/").status_code == 200
    event = AuditEvent.objects.get(action="share", object_id=str(report.pk))
    assert event.actor == therapist and len(event.detail["shared_with"]) == 2


def test_stopping_sharing_takes_the_report_out_of_the_portal_and_is_audited(
    couple, therapist, clinic
):
    report = done_report(couple, audience=Audience.PARTNER, partner=couple.partner_a)
    services.report_share(report=report, by=therapist)
    assert portal_ids(couple.partner_a) == [str(report.pk)]
    assert portal_ids(couple.partner_b) == []
    body = api_client_for(therapist).post(staff_url(clinic, f"reports/{report.pk}/unshare/"))
    assert body.json()["shared_at"] is None and body.json()["shared_with"] == []
    assert portal_ids(couple.partner_a) == []
    event = AuditEvent.objects.get(action="unshare", object_id=str(report.pk))
    assert event.detail["shared_with"] == [str(couple.partner_a_id)]


def test_clinical_and_unfinished_reports_cannot_be_shared(couple, therapist, clinic):
    api = api_client_for(therapist)
    clinical = done_report(couple, audience=Audience.CLINICAL)
    refused = api.post(staff_url(clinic, f"reports/{clinical.pk}/share/"))
    assert refused.status_code == 400
    assert "never shared" in refused.json()["errors"]["report"][0]
    queued = done_report(couple)
    ProgressReport.objects.filter(pk=queued.pk).update(status=Status.QUEUED)
    refused = api.post(staff_url(clinic, f"reports/{queued.pk}/share/"))
    assert refused.status_code == 400 and "finished" in refused.json()["errors"]["report"][0]
    assert not ProgressReport.objects.filter(shared_at__isnull=False).exists()


def test_a_clinic_export_never_publishes_to_the_portal(couple, admin, clinic):
    export = ClinicExport.objects.create(
        clinic=clinic,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        audiences=["couple"],
        status=Status.DONE,
    )
    report = done_report(couple)
    ProgressReport.objects.filter(pk=report.pk).update(export=export)
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    refused = api_client_for(admin).post(staff_url(clinic, f"reports/{report.pk}/share/"))
    assert refused.status_code == 400
    assert "clinic export" in refused.json()["errors"]["report"][0]
    assert portal_ids(couple.partner_a) == []


def test_the_database_refuses_a_shared_clinical_report(couple):
    from django.db import IntegrityError, transaction

    report = done_report(couple, audience=Audience.CLINICAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(shared_at=timezone.now())


def test_the_same_report_shared_twice_shows_once_to_a_partner(couple, therapist):
    first, second = done_report(couple), done_report(couple)
    for report in (first, second):
        services.report_share(report=report, by=therapist)
    assert portal_ids(couple.partner_a) == [str(second.pk)]
    page = _portal_home(couple.partner_a)
    assert page.count("/portal/reports/") == 1


def _portal_home(partner):
    from django.test import Client

    browser = Client()
    browser.force_login(partner.portal_user)
    return browser.get("/portal/").content.decode()


def test_therapists_list_says_what_is_shared_with_whom(client, couple, therapist, clinic):
    couple_report = done_report(couple)
    partner_report = done_report(couple, audience=Audience.PARTNER, partner=couple.partner_b)
    done_report(couple, audience=Audience.CLINICAL)
    client.force_login(therapist)
    page_url = f"/c/{clinic.slug}/couples/{couple.pk}/"
    page = client.get(page_url).content.decode()
    assert page.count("Not shared") == 2 and "Clinical record: never shared" in page
    assert "Share with the couple</button>" in page
    assert f"Share with {couple.partner_b.display_name}</button>" in page
    response = client.post(f"/c/{clinic.slug}/reports/{partner_report.pk}/share/")
    assert response.status_code == 302 and response["Location"].endswith("#reports")
    page = client.get(page_url).content.decode()
    assert f"Shared with {couple.partner_b.display_name}</span>" in page
    assert "Stop sharing</button>" in page and "Share with the couple</button>" in page
    client.post(f"/c/{clinic.slug}/reports/{partner_report.pk}/share/", {"action": "unshare"})
    partner_report.refresh_from_db()
    assert partner_report.shared_at is None
    assert couple_report.shared_at is None


def test_unassigned_therapist_cannot_share(client, couple, other_therapist, clinic):
    report = done_report(couple)
    client.force_login(other_therapist)
    assert client.post(f"/c/{clinic.slug}/reports/{report.pk}/share/").status_code == 404
    report.refresh_from_db()
    assert report.shared_at is None


@pytest.mark.parametrize("shared", [1, 6])
def test_portal_report_list_queries_stay_fixed(couple, shared, django_assert_num_queries):
    today = timezone.localdate()
    for days in range(shared):  # different periods: none is a duplicate of another
        report = done_report(couple)
        ProgressReport.objects.filter(pk=report.pk).update(
            shared_at=timezone.now(), period_start=today - timedelta(days=days)
        )
    partner = api_client_for(couple.partner_a.portal_user)
    with django_assert_num_queries(6):
        rows = partner.get(PORTAL).json()["results"]
    assert len(rows) == shared
