"""Route-walk builders for report objects."""

from django.utils import timezone

from reports import storage
from reports.models import Audience, ClinicExport, ProgressReport, Status
from tests.world import builder


def done_report(couple, *, audience=Audience.COUPLE, partner=None, data=b"%PDF-1.4 test"):
    report = ProgressReport.objects.create(
        clinic=couple.clinic,
        couple=couple,
        audience=audience,
        partner=partner,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        request_id=couple.pk,
        status=Status.DONE,
    )
    stored = storage.store_bytes(storage.report_key(report), data)
    ProgressReport.objects.filter(pk=report.pk).update(file_key=stored.key, sha256=stored.sha256)
    report.refresh_from_db()
    return report


@builder(ProgressReport, individual=True)
def _report(couple, partner):
    # A partner-audience report belongs to one partner: the other partner must never reach it,
    # even once it is shared (the walk would prove nothing with an unshared report).
    report = done_report(couple, audience=Audience.PARTNER, partner=partner)
    ProgressReport.objects.filter(pk=report.pk).update(shared_at=timezone.now())
    report.refresh_from_db()
    return report


@builder(ClinicExport, couple_bound=False)
def _export(couple, partner):
    return ClinicExport.objects.create(
        clinic=couple.clinic,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        audiences=["clinical"],
        status=Status.DONE,
    )
