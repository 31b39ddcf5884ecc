from django import template

from clinic.date_style import format_when

register = template.Library()


@register.filter
def overdue_on(response, today) -> bool:
    """Whether a questionnaire response is overdue on `today` (Response.is_overdue)."""
    return response.is_overdue(today)


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template (the caseload enrichers' values)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def when(value, style: str = "date") -> str:
    """A date or time in the active clinic's zone and locale (clinic.date_style):
    `{{ session.starts_at|when:"datetime" }}`."""
    return format_when(value, style)
