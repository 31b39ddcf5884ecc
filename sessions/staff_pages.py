"""The shape every therapist page under a couple shares: membership checked, the couple found
(404 if hidden from this member), and the clinic's time zone active while the view runs.
"""

from functools import wraps

from django.shortcuts import redirect
from django.utils import timezone

from clinic.page_access import clinic_member_required
from clinic.selectors import get_couple_for_member


def couple_page(view):
    """A staff page under a couple: membership, the couple (404 if hidden), clinic time."""

    @clinic_member_required
    @wraps(view)
    def wrapper(request, couple_id, *args, **kwargs):
        couple = get_couple_for_member(
            clinic=request.clinic, membership=request.membership, couple_id=couple_id
        )
        request.couple = couple
        with timezone.override(request.clinic.tz):
            return view(request, couple, *args, **kwargs)

    return wrapper


def _back_to_couple(couple):
    return redirect("couple-detail", clinic_slug=couple.clinic.slug, couple_id=couple.pk)
