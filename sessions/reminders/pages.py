"""The partner's reminder settings page in the portal."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.page_access import portal_client_required
from sessions.reminders.forms import ReminderPreferencesForm
from sessions.reminders.services import reminder_preferences_set


@portal_client_required
@require_http_methods(["GET", "POST"])
def reminders_page(request):
    client, clinic = request.client, request.clinic
    form = ReminderPreferencesForm(
        request.POST or None,
        initial={
            "session_reminders": client.session_reminders,
            "homework_nudges": client.homework_nudges,
        },
    )
    if request.method == "POST" and form.is_valid():
        changed = reminder_preferences_set(
            client=client, by=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, "Your choices were saved." if changed else "Nothing changed.")
        return redirect("portal-reminders")
    return render(
        request,
        "sessions/portal_reminders.html",
        {
            "form": form,
            "clinic_sends_sessions": clinic.session_reminders,
            "clinic_sends_nudges": clinic.homework_nudges,
        },
    )
