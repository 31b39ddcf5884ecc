"""Who may do what in a clinic: one predicate per rule, used alike by the API views, the page
decorator, the templates (through `Membership.is_admin`) and the services.

A member whose role does not allow an action is told so (403 with a reason), on the API and on
pages alike; someone who is not a member of the clinic learns nothing (404, elsewhere)."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from clinic.models import Clinic, Membership

ADMIN_ONLY = "Only a clinic admin can do this."


def is_clinic_admin(membership: Membership | None) -> bool:
    """The rule for everything admin-only: an active membership with the admin role."""
    return membership is not None and membership.is_admin


def require_clinic_admin(membership: Membership | None, message: str = ADMIN_ONLY) -> None:
    """Raise PermissionDenied (403 on the API and on pages) unless `membership` is an admin's."""
    if not is_clinic_admin(membership):
        raise PermissionDenied(message)


def require_admin_of(*, clinic: Clinic, user, message: str = ADMIN_ONLY) -> None:
    """For services: the acting user must be an active admin of `clinic`."""
    from clinic.selectors import membership_for

    require_clinic_admin(membership_for(clinic=clinic, user=user), message)


def admin_page(view):
    """A page only clinic admins may open; wrap it in `clinic_member_required` (outermost)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_clinic_admin(getattr(request, "membership", None))
        return view(request, *args, **kwargs)

    wrapper.admin_only = True  # type: ignore[attr-defined]
    return wrapper
