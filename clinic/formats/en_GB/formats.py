"""UK English (en-gb): the formats of clinic.date_style's UK style."""

from clinic.date_style import UK, django_formats

globals().update(django_formats(UK))
