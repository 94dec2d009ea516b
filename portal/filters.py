"""The base of the list filters shared by an API endpoint and its page (django-filter)."""

import django_filters


class TenantFilterSet(django_filters.FilterSet):
    """A FilterSet for one tenant's rows whose invalid parameters are reported, not raised:
    the API answers 400 naming them (`problems`), the page shows them and filters by the rest."""

    def __init__(self, data, *, tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.tenant = tenant

    @property
    def problems(self) -> dict[str, list[str]]:
        """The invalid parameters: {name: [message]} (empty when all are fine)."""
        return {name: list(messages) for name, messages in self.errors.items()}
