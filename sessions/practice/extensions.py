"""The portal home's invitation to join a practice the other partner started."""

from django.utils import timezone

from clinic.extensions import PortalSection
from sessions.practice.selectors import joinable_practice


def together_section_context(*, request) -> dict:
    if request.couple is None:
        return {"joint": None}
    joint = joinable_practice(couple=request.couple, client=request.client, now=timezone.now())
    return {"joint": joint, "time_zone": request.clinic.time_zone}


PORTAL_SECTION = PortalSection(
    key="breathe-together",
    order=5,
    template="sessions/portal_together_section.html",
    context=together_section_context,
)
