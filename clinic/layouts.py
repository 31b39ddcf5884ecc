"""Which page layout dresses the pages staff and clients share (allauth's account, password and
second-factor pages, Attune's own account page)."""

from functools import partial

from clinic.page_access import portal_client_for

STAFF_LAYOUT = "clinic/base.html"
PORTAL_LAYOUT = "clinic/portal_base.html"


def layout_for(user) -> str:
    """A client's login gets the portal's layout (its navigation and "Leave quickly"), whoever
    else it may be; everyone else the staff layout."""
    return PORTAL_LAYOUT if portal_client_for(user) is not None else STAFF_LAYOUT


def base_layout(request):
    """Context processor: `attune_layout` names the layout for the current person. A callable,
    so the look-up runs only on the pages that extend it, not on every page."""
    return {"attune_layout": partial(layout_for, request.user)}
