"""Therapist pages for sessions and notes: the couple page's Sessions and Confidentiality
panels, a session page (reschedule, mark held, cancel / no-show, start the note) and a note page
(write the draft, sign, co-sign, addenda).

Times are shown and entered in the clinic's time zone. Refusals re-render the page with the
message: 400 for input errors, 409 for a signed note or a stale draft.
"""

from datetime import date, datetime, time
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic import services as clinic_services
from clinic.audit import record_read
from clinic.confidentiality import couple_sharing
from clinic.form_errors import run_service
from clinic.models import Membership
from clinic.page_access import clinic_member_required
from clinic.selectors import confidentiality_agreements_of, get_couple_for_member
from sessions.models import NoteState, SessionStatus
from sessions.therapy import services as note_services
from sessions.therapy import services as session_services
from sessions.therapy.forms import (
    SIGN_NOT_CONFIRMED,
    AddendumForm,
    CancelForm,
    ConfidentialityForm,
    CosignerReassignForm,
    HeldForm,
    NoteDraftForm,
    NoteStartForm,
    RescheduleForm,
    ScheduleForm,
    SignForm,
    draft_data,
    show_errors,
)
from sessions.therapy.note_content import section_labels
from sessions.therapy.selectors import (
    PANEL_RECENT,
    addenda_of,
    get_note_for_member,
    get_session_for_member,
    sessions_for_couple,
    sessions_for_couple_panel,
)
from sessions.therapy.serializers import note_or_none
from sessions.therapy.services import NoteLockedError, NoteVersionConflict
from sessions.therapy.wording import intervention_labels


def in_clinic_time(view):
    """Parse and show date-times in the clinic's time zone."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(request.clinic.tz):
            return view(request, *args, **kwargs)

    return wrapper


# --- couple page panels ---------------------------------------------------------------------


def sessions_panel_context(*, request, couple) -> dict:
    """The Sessions panel: the next sessions booked and the last ones with note state (the
    whole history a link away), and the booking form."""
    sessions, total = sessions_for_couple_panel(clinic=request.clinic, couple=couple)
    record_read(request, sessions)
    return {
        "couple": couple,
        "rows": [(session, note_or_none(session)) for session in sessions],
        "total": total,
        "recent": PANEL_RECENT,
        "schedule_form": ScheduleForm(couple=couple, user=request.user, prefix="schedule"),
        "time_zone": request.clinic.time_zone,
    }


#: sessions a page on a couple's list of all their sessions
SESSIONS_PAGE_SIZE = 25


@clinic_member_required
def couple_sessions_page(request, couple_id):
    """All of a couple's sessions, newest first, 25 a page, with note state."""
    couple = get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )
    page = Paginator(
        sessions_for_couple(clinic=request.clinic, couple=couple), SESSIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    sessions = list(page.object_list)
    record_read(request, sessions)
    return render(
        request,
        "sessions/couple_sessions.html",
        {
            "couple": couple,
            "page": page,
            "rows": [(session, note_or_none(session)) for session in sessions],
        },
    )


def confidentiality_panel_context(*, request, couple) -> dict:
    """The Confidentiality panel: the couple's policy, what it means today, and the history of
    its changes with each partner's consent."""
    sharing = couple_sharing(couple)
    return {
        "couple": couple,
        "effective": sharing.policy,
        "shared_since": sharing.since,
        "history": confidentiality_agreements_of(couple=couple),
    }


# --- couple-level actions -------------------------------------------------------------------


def _booking_initial(request) -> dict:
    """A day chosen in the calendar (?date=) starts the form at 09:00 that day, clinic time."""
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return {}
    return {"starts_at": datetime.combine(day, time(9, 0), tzinfo=request.clinic.tz)}


@clinic_member_required
@in_clinic_time
@require_http_methods(["GET", "POST"])
def session_new(request, couple_id):
    couple = get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )
    form = ScheduleForm(
        request.POST or None,
        couple=couple,
        user=request.user,
        prefix="schedule",
        initial=_booking_initial(request),
    )
    if request.method == "POST" and form.is_valid():
        session = run_service(
            form,
            lambda: session_services.session_schedule(
                couple=couple, by=request.user, request=request, **form.cleaned_data
            ),
        )
        if session:
            messages.success(request, "The session was booked.")
            _warn_if_past(request, session)
            return redirect("session-page", clinic_slug=request.clinic.slug, session_id=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sessions/session_form_page.html",
        {"form": form, "couple": couple, "title": "Book a session", "submit": "Book session"},
        status=status,
    )


@clinic_member_required
@in_clinic_time
@require_http_methods(["GET", "POST"])
def couple_confidentiality(request, couple_id):
    """Change what partners see of each other's material: both partners' consent (when, how),
    whether it covers past material, and an explicit confirmation."""
    couple = get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )
    form = ConfidentialityForm(
        request.POST or None,
        couple=couple,
        today=timezone.localdate(),
        initial={"policy": couple.individual_material_policy},
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: clinic_services.couple_set_material_policy(
                couple=couple,
                by=request.user,
                request=request,
                **form.service_kwargs(),
            ),
        )
        if done:
            messages.success(
                request, "The confidentiality policy was changed and the consent recorded."
            )
            return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    history = confidentiality_agreements_of(couple=couple)
    record_read(request, couple, detail={"view": "confidentiality"})
    sharing = couple_sharing(couple)
    return render(
        request,
        "sessions/confidentiality_page.html",
        {
            "form": form,
            "couple": couple,
            "effective": sharing.policy,
            "shared_since": sharing.since,
            "history": history,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- session page ---------------------------------------------------------------------------


def _session_page(request, session, *, forms=None, status=200):
    forms = forms or {}
    note = note_or_none(session)
    context = {"session": session, "couple": session.couple, "note": note}
    if session.status == SessionStatus.SCHEDULED:
        context["reschedule_form"] = forms.get("reschedule") or RescheduleForm(
            session=session, prefix="reschedule"
        )
        context["held_form"] = forms.get("held") or HeldForm(session=session, prefix="held")
        context["cancel_form"] = forms.get("cancel") or CancelForm(prefix="cancel")
    if session.status == SessionStatus.HELD and note is None:
        context["note_form"] = forms.get("note") or NoteStartForm(prefix="note")
    return render(request, "sessions/session_detail.html", context, status=status)


def _session(request, session_id):
    return get_session_for_member(
        clinic=request.clinic, membership=request.membership, session_id=session_id
    )


@clinic_member_required
@in_clinic_time
def session_page(request, session_id):
    session = _session(request, session_id)
    record_read(request, session)
    return _session_page(request, session)


def _warn_if_past(request, session) -> None:
    """A past session may be booked on purpose (to record one that took place), but it must not
    sit in the diary as "Scheduled" unnoticed."""
    if session.awaiting_outcome:
        messages.warning(
            request,
            "This session's time has passed: mark it held, a no-show or cancelled, "
            "or it stays \u201cScheduled\u201d.",
        )


def _session_action(request, session_id, *, key, form_class, run, done_message):
    session = _session(request, session_id)
    kwargs = {"session": session} if form_class in (RescheduleForm, HeldForm) else {}
    form = form_class(request.POST, prefix=key, **kwargs)
    if form.is_valid():
        result = run_service(form, lambda: run(session, form.cleaned_data))
        if result is not None:
            messages.success(request, done_message)
            if key == "reschedule":
                _warn_if_past(request, result)
            if key == "note":
                return redirect("note-page", clinic_slug=request.clinic.slug, note_id=result.pk)
            return redirect("session-page", clinic_slug=request.clinic.slug, session_id=session.pk)
    session.refresh_from_db()
    return _session_page(request, session, forms={key: form}, status=400)


@clinic_member_required
@in_clinic_time
@require_POST
def session_reschedule(request, session_id):
    return _session_action(
        request,
        session_id,
        key="reschedule",
        form_class=RescheduleForm,
        run=lambda session, data: session_services.session_reschedule(
            session=session, by=request.user, request=request, **data
        ),
        done_message="The session was rescheduled.",
    )


@clinic_member_required
@in_clinic_time
@require_POST
def session_held(request, session_id):
    return _session_action(
        request,
        session_id,
        key="held",
        form_class=HeldForm,
        run=lambda session, data: session_services.session_mark_held(
            session=session, by=request.user, request=request, **data
        ),
        done_message="The session was marked held.",
    )


@clinic_member_required
@in_clinic_time
@require_POST
def session_cancel(request, session_id):
    return _session_action(
        request,
        session_id,
        key="cancel",
        form_class=CancelForm,
        run=lambda session, data: session_services.session_cancel(
            session=session,
            by=request.user,
            reason=data["reason"],
            no_show=data["outcome"] == "no_show",
            request=request,
        ),
        done_message="The session's outcome was recorded.",
    )


@clinic_member_required
@in_clinic_time
@require_POST
def session_note_start(request, session_id):
    return _session_action(
        request,
        session_id,
        key="note",
        form_class=NoteStartForm,
        run=lambda session, data: note_services.note_start(
            session=session, by=request.user, request=request, **data
        ),
        done_message="The note's draft is open.",
    )


# --- note page ------------------------------------------------------------------------------


def _note(request, note_id):
    return get_note_for_member(
        clinic=request.clinic, membership=request.membership, note_id=note_id
    )


def _cosigner_has_left(note) -> bool:
    return not (
        Membership.objects.for_clinic(note.clinic)
        .filter(user_id=note.cosigner_required_id, is_active=True)
        .exists()
    )


def _note_page(
    request,
    note,
    *,
    draft_form=None,
    addendum_form=None,
    reassign_form=None,
    error="",
    status=200,
):
    session = note.session
    is_author = note.author_id == request.user.pk
    context = {
        "note": note,
        "session": session,
        "couple": session.couple,
        "sections": [
            (label, note.sections.get(key, "")) for key, label in section_labels(note.template)
        ],
        "addenda": list(addenda_of(note)),
        "interventions": intervention_labels(note.interventions, note.interventions_other),
        "error": error,
        "can_cosign": note.state == "awaiting_cosignature"
        and note.cosigner_required_id == request.user.pk,
    }
    if not note.is_locked and is_author:
        context["draft_form"] = draft_form or NoteDraftForm(note=note)
    if note.is_locked:
        context["addendum_form"] = addendum_form or AddendumForm()
    if (
        note.state == NoteState.AWAITING_COSIGNATURE
        and request.membership.is_admin
        and _cosigner_has_left(note)
    ):
        context["cosigner_left"] = True
        context["reassign_form"] = reassign_form or CosignerReassignForm(note=note)
    return render(request, "sessions/note_detail.html", context, status=status)


@clinic_member_required
@in_clinic_time
@require_http_methods(["GET", "POST"])
def note_page(request, note_id):
    """GET shows the note (audited); POST saves the draft at the version the form was read."""
    note = _note(request, note_id)
    if request.method == "GET":
        record_read(request, note)
        return _note_page(request, note)
    if note.is_locked:
        record_read(request, note)
        return _note_page(request, note, error=note_services.LOCKED_MESSAGE, status=409)
    if note.author_id != request.user.pk:
        record_read(request, note)
        return _note_page(
            request, note, error="Only the note's author can edit this draft.", status=403
        )
    form = NoteDraftForm(request.POST, note=note)
    signing = request.POST.get("action") == "sign"
    if form.is_valid() and signing and not form.cleaned_data.get("confirm_sign"):
        # Signing locks the note for good: it needs an explicit yes, or nothing happens.
        show_errors(form, {"confirm_sign": [SIGN_NOT_CONFIRMED]})
    if form.errors:
        record_read(request, note)
        show_errors(form, {})
        return _note_page(request, note, draft_form=form, status=400)
    try:
        saved = run_service(
            form,
            lambda: note_services.note_update_draft(
                note=note,
                by=request.user,
                version=form.cleaned_data["version"],
                changes=form.changes(),
                request=request,
            ),
        )
    except NoteLockedError as exc:
        return _refused(request, note, exc.message)
    except NoteVersionConflict as exc:
        # Keep the therapist's text on screen; the message tells them the note moved on.
        record_read(request, exc.note, detail={"view": "conflict"})
        form.data = form.data.copy()
        form.data["version"] = str(exc.note.version)
        return _note_page(request, exc.note, draft_form=form, error=exc.message, status=409)
    if saved is None:
        record_read(request, note)
        show_errors(form, {})
        return _note_page(request, note, draft_form=form, status=400)
    if signing:
        return _sign(request, saved, version=saved.version, saved_first=True)
    messages.success(request, "Draft saved.")
    return redirect("note-page", clinic_slug=request.clinic.slug, note_id=note.pk)


def _refused(request, note, message):
    note = _note(request, note.pk)
    record_read(request, note)
    return _note_page(request, note, error=message, status=409)


@clinic_member_required
@in_clinic_time
@require_POST
def note_sign(request, note_id):
    """Sign the note at the version the page showed (the draft form's "Save and sign" saves
    first, then comes through the same path)."""
    note = _note(request, note_id)
    if note.is_locked:
        return _refused(request, note, "This note is already signed.")
    form = SignForm(request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            return _refused(request, note, "Reload the note before signing.")
        return _sign_refused(request, note, {"confirm_sign": [SIGN_NOT_CONFIRMED]})
    return _sign(request, note, version=form.cleaned_data["version"])


def _sign(request, note, *, version: int, saved_first: bool = False):
    try:
        note_services.note_sign(note=note, by=request.user, version=version, request=request)
    except (NoteLockedError, NoteVersionConflict) as exc:
        return _refused(request, note, exc.message)
    except PermissionDenied as exc:
        return _refused(request, note, _message(exc))
    except ValidationError as exc:
        # Something to complete (e.g. the risk section): 400 with each message at its field.
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        prefix = "The draft was saved but not signed. " if saved_first else ""
        return _sign_refused(request, note, errors, message=prefix + "Complete the fields marked.")
    messages.success(request, "The note is signed.")
    return redirect("note-page", clinic_slug=request.clinic.slug, note_id=note.pk)


def _sign_refused(request, note, errors: dict, *, message: str = ""):
    """The draft form as saved, with `errors` at their fields and the focus on the first."""
    note = _note(request, note.pk)
    record_read(request, note)
    form = NoteDraftForm(draft_data(note), note=note)
    form.is_valid()
    show_errors(form, {k if k != "__all__" else "non_field": v for k, v in errors.items()})
    return _note_page(request, note, draft_form=form, error=message, status=400)


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You may not do this."


@clinic_member_required
@in_clinic_time
@require_POST
def note_cosign(request, note_id):
    note = _note(request, note_id)
    try:
        note_services.note_cosign(note=note, by=request.user, request=request)
    except NoteLockedError as exc:
        return _refused(request, note, exc.message)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, note, _message(exc))
    messages.success(request, "The note is co-signed.")
    return redirect("note-page", clinic_slug=request.clinic.slug, note_id=note.pk)


@clinic_member_required
@in_clinic_time
@require_POST
def note_reassign_cosigner(request, note_id):
    """Admins: hand a pending co-signature to another active member (the old one has left)."""
    note = _note(request, note_id)
    form = CosignerReassignForm(request.POST, note=note)
    if form.is_valid():
        done = run_service(
            form,
            lambda: note_services.note_cosigner_reassign(
                note=note,
                by=request.user,
                cosigner=form.cleaned_data["cosigner"],
                request=request,
            ),
        )
        if done:
            messages.success(
                request, f"The note now awaits {done.cosigner_required}'s co-signature."
            )
            return redirect("note-page", clinic_slug=request.clinic.slug, note_id=note.pk)
    record_read(request, note)
    if not request.membership.is_admin:
        return _note_page(request, note, error=_form_error(form), status=403)
    return _note_page(request, note, reassign_form=form, status=400)


def _form_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@clinic_member_required
@in_clinic_time
@require_POST
def note_addendum(request, note_id):
    note = _note(request, note_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        added = run_service(
            form,
            lambda: note_services.addendum_add(
                note=note,
                by=request.user,
                text=form.cleaned_data["text"],
                request=request,
            ),
        )
        if added:
            messages.success(request, "The addendum was added.")
            return redirect("note-page", clinic_slug=request.clinic.slug, note_id=note.pk)
    record_read(request, note)
    return _note_page(request, note, addendum_form=form, status=400)
