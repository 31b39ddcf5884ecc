"""Therapist pages for the partners' logs: take back a practice log, time-out log or check-in
with a reason (the entry stays, marked).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.form_errors import run_service
from sessions.homework.forms import ReasonForm
from sessions.logs import services as log_services
from sessions.logs.selectors import check_ins_of, practice_logs_of, time_out_logs_of
from sessions.staff_pages import couple_page

# Staff take back a partner's entry by the kind named in its URL (as on the portal).
STAFF_LOG_KINDS = {
    "practice": (practice_logs_of, "practice"),
    "time-out": (time_out_logs_of, "time-out"),
    "check-in": (check_ins_of, "check-in"),
}


@couple_page
@require_POST
def log_void(request, couple, kind, log_id):
    """Take back (void) a partner's practice log, time-out log or check-in with a reason; the
    entry stays on record, marked, and the change is audited."""
    if kind not in STAFF_LOG_KINDS:
        raise Http404("No such kind of entry.")
    selector, noun = STAFF_LOG_KINDS[kind]
    log = selector(couple=couple).filter(pk=log_id).first()
    if log is None:
        raise Http404("No such entry.")
    form = ReasonForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: log_services.log_void(
            log=log,
            by=request.user,
            reason=form.cleaned_data["reason"],
            staff=True,
            request=request,
        ),
    ):
        messages.success(request, f"The {noun} entry was taken back; it stays on record, marked.")
    else:
        problems = " ".join(m for errors in form.errors.values() for m in errors)
        messages.error(request, f"The {noun} entry was not taken back. {problems}")
    return redirect(
        reverse("couple-detail", args=[couple.clinic.slug, couple.pk]) + "#homework-logs"
    )
