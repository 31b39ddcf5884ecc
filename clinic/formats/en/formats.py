"""US English (en, en-us): the formats of clinic.date_style's US style."""

from clinic.date_style import US, django_formats

globals().update(django_formats(US))
