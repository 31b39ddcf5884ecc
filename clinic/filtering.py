import django_filters

from clinic.tenancy import across_clinics


class TenantFilterSet(django_filters.FilterSet):
    """FilterSet for tenant models: django-filter inspects the default manager while the class is
    built (at import, outside any clinic scope), so that inspection runs with scopes disabled.
    Filtering itself still happens inside the request's scope."""

    @classmethod
    def get_filters(cls):
        with across_clinics():
            return super().get_filters()
