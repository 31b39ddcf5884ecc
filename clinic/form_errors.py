"""Running a service from a page form: its domain errors go back onto the form, so the person
sees a message next to the field and loses nothing they typed."""

from django.core.exceptions import PermissionDenied, ValidationError


def add_service_errors(form, exc: ValidationError | PermissionDenied) -> None:
    """Put a service's refusal on the form: field errors next to their field, the rest on top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or "You may not do this.")
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def run_service(form, action):
    """Return `action()`, or None after adding its ValidationError/PermissionDenied to `form`."""
    try:
        return action()
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc)
    return None
