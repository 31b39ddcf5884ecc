import django_filters

from clinic.tenancy import scopes_disabled


class TenantFilterSet(django_filters.FilterSet):
    """FilterSet for tenant models: django-filter inspects the default manager while the class is
    built (at import, outside any clinic scope), so that inspection runs with scopes disabled.
    Filtering itself still happens inside the request's scope."""

    @classmethod
    def get_filters(cls):
        with scopes_disabled():
            return super().get_filters()
