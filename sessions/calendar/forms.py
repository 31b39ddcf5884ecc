"""Forms of the calendar pages."""

from django import forms

from clinic.models import OPEN_COUPLE_STATUSES


class BookFromCalendarForm(forms.Form):
    """Which couple to book a session for, on a day chosen in the calendar."""

    couple = forms.ModelChoiceField(queryset=None, label="Couple", empty_label="Choose a couple")
    date = forms.DateField(widget=forms.HiddenInput)

    def __init__(self, *args, couples, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["couple"].queryset = (
            couples.live()
            .filter(status__in=OPEN_COUPLE_STATUSES)
            .select_related("partner_a", "partner_b")
            .order_by("partner_a__legal_name")
        )
        self.fields["couple"].label_from_instance = lambda c: c.label


class FeedForm(forms.Form):
    show_client_names = forms.BooleanField(
        required=False,
        label="Show the couple's names in event titles",
        help_text="Names then leave Attune for your calendar provider. Without this, events "
        "say only 'Joint session' or 'Individual session'.",
    )
