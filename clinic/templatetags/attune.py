from django import template
from django.utils.html import format_html_join

from clinic.date_style import format_when

register = template.Library()


@register.filter
def overdue_on(response, today) -> bool:
    """Whether a questionnaire response is overdue on `today` (Response.is_overdue)."""
    return response.is_overdue(today)


@register.filter
def when(value, style: str = "date") -> str:
    """A date or time in the active clinic's zone and locale (clinic.date_style):
    `{{ session.starts_at|when:"datetime" }}`."""
    return format_when(value, style)


@register.simple_tag(takes_context=True)
def caseload_entries(context, couple, enrichers):
    """Each enricher's partial for one caseload card, with the couple's entry as `value`:
    `{% caseload_entries couple enrichers %}`.

    What `{% for %}{% with %}{% include %}` did, without the loop, the look-ups and the
    template-name resolution for each of a page's 250 partials (50 cards, 5 enrichers); each
    template is found once a page."""
    parts = []
    cache = context.render_context.setdefault("caseload_entries", {})
    for enricher in enrichers:
        template = cache.get(enricher.template)
        if template is None:
            template = cache[enricher.template] = context.template.engine.get_template(
                enricher.template
            )
        with context.push(value=couple.caseload.get(enricher.key)):
            parts.append(template.render(context))
    # Each part is a rendered template (safe markup); anything else would be escaped.
    return format_html_join("", "{}", ((part,) for part in parts))
