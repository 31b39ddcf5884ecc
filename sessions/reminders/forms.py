"""The partner's own choice of reminder emails."""

from django import forms


class ReminderPreferencesForm(forms.Form):
    session_reminders = forms.BooleanField(
        required=False, label="Email me the day before a session (time and place only)"
    )
    homework_nudges = forms.BooleanField(
        required=False, label="Email me a gentle weekly nudge when I have not logged a practice"
    )
