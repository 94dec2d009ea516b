"""The contacts list filters (a django-filter FilterSet), shared by `GET /api/v1/contacts/`
(connector, type, email, q, phone) and the contacts page (q, connector, type).

Values are taken as sent; each filter cleans its own (the search box in ContactQuerySet.search).
An invalid connector or type is in `problems`: the API answers 400, the page shows them all.
"""

import django_filters
from django import forms

from contacts.models import Contact, RecordType, search_words
from contacts.search import NameSearch
from portal.filters import TenantFilterSet
from portal.paging import Keyset

# The lists' order, paged by keyset (portal/paging.py): indexes contact_name,
# contact_type_name and contact_connector_name serve it with each filter.
CONTACTS_KEYSET = Keyset(("last_name", "first_name", "id"))
# The same order for a search (`q`): sorted on expressions no index serves, so PostgreSQL reads
# the matches by the trigram index and sorts those. Walking the name index instead (its guess
# for a common name) read most of the table when the matches sort late ("Novak3" after every
# "Dvorak"). The cursors are the same.
# A one-word name search reads its candidates itself (contacts.search.NameSearch).
CONTACTS_SEARCH_KEYSET = Keyset(CONTACTS_KEYSET.fields, unindexed=True)


def keyset_for(params) -> Keyset:
    q = params.get("q") or ""
    words = search_words(q)
    if words is not None and len(words) == 1:
        return NameSearch(CONTACTS_KEYSET.fields, unindexed=True, word=words[0])
    return CONTACTS_SEARCH_KEYSET if q.strip() else CONTACTS_KEYSET


class RawParam(forms.Field):
    """A query parameter as sent (the filter method cleans it); absent or empty: no filter."""

    def to_python(self, value) -> str:
        return value or ""


class ConnectorParam(RawParam):
    def validate(self, value):
        if value and (not value.isdigit() or len(value) > 18):
            raise forms.ValidationError("connector must be an id.")


class TypeParam(RawParam):
    def validate(self, value):
        if value and value not in RecordType.values:
            raise forms.ValidationError(f"type must be one of {', '.join(RecordType.values)}.")


class RawFilter(django_filters.Filter):
    field_class = RawParam


class ConnectorFilter(django_filters.Filter):
    field_class = ConnectorParam


class TypeFilter(django_filters.Filter):
    field_class = TypeParam


class ContactFilter(TenantFilterSet):
    connector = ConnectorFilter(method="by_connector")
    type = TypeFilter(method="by_type")
    email = RawFilter(method="by_email")
    phone = RawFilter(method="by_phone")
    q = RawFilter(method="by_search")  # last: contacts.search reads the queryset before it

    class Meta:
        model = Contact
        fields: list[str] = []

    def by_connector(self, qs, name, value):
        return qs.filter(connector_id=int(value))

    def by_type(self, qs, name, value):
        return qs.filter(type=value)

    def by_email(self, qs, name, value):
        return qs.filter(email__iexact=value.replace("\x00", "").strip()[:254])

    def by_search(self, qs, name, value):
        return qs.search(value, self.tenant.default_region)

    def by_phone(self, qs, name, value):
        return qs.by_phone(value, self.tenant.default_region)
