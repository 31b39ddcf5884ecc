"""The project's form renderer: every field, on every page, through one field template."""

from django.forms.renderers import TemplatesSetting


class AttuneFormRenderer(TemplatesSetting):
    field_template_name = "clinic/partials/field.html"
