"""Phone normalisation and lookup: property tests (hypothesis) plus the seed's examples."""

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Contact
from portal.phones import matches, normalize, same_number, tail
from tests.contacts.helpers import make_contact
from tests.factories import make_connector

REGIONS = ["CZ", "FI", "GB", "DE", "SK", "US", "FR"]


@st.composite
def valid_numbers(draw):
    """A valid number of one of REGIONS: an example number with its last digits varied."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    nsn = str(example.national_number)
    suffix = draw(st.integers(0, 9999))
    candidate = nsn[:-4] + f"{suffix:04d}"
    number = phonenumbers.parse(f"+{example.country_code}{candidate}")
    if not phonenumbers.is_valid_number(number):
        number = example
    return region, number


def formats(number) -> list[str]:
    """Every way people write one number: E.164, 00, international, national with spaces,
    dashes, brackets, and the national form with its trunk prefix."""
    fmt = phonenumbers.format_number
    e164 = fmt(number, phonenumbers.PhoneNumberFormat.E164)
    intl = fmt(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = fmt(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits_national = "".join(ch for ch in national if ch.isdigit())
    return [
        e164,
        "00" + e164[1:],
        intl,
        intl.replace(" ", "-"),
        national,
        national.replace(" ", "-"),
        digits_national,
        f"({digits_national[:3]}) {digits_national[3:]}",
        f"  {national}  ",
    ]


@given(st.text(max_size=80))
def test_garbage_never_crashes(text):
    result = normalize(text, "CZ")
    assert result is None or result.startswith("+")
    tail(text)
    same_number(text, "+420773794804")


@given(st.one_of(st.text(max_size=40), st.from_regex(r"\+?[0-9 ()\-.]{0,25}", fullmatch=True)))
def test_normalize_is_idempotent(text):
    first = normalize(text, "CZ")
    if first is not None:
        assert normalize(first, "CZ") == first
        assert normalize(first, "FI") == first  # E.164 does not depend on the region


@given(valid_numbers())
def test_every_format_normalises_to_the_same_e164(pair):
    region, number = pair
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    for text in formats(number):
        assert normalize(text, region) == e164, text


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pair=valid_numbers(), data=st.data())
def test_every_format_finds_the_contact(tenant, pair, data):
    region, number = pair
    tenant.default_region = region
    stored = data.draw(st.sampled_from(formats(number)), label="stored")
    looked_up = data.draw(st.sampled_from(formats(number)), label="looked up")
    contact = make_contact(tenant, crm_id="P1", phones=[stored])
    try:
        found = Contact.objects.for_tenant(tenant).by_phone(looked_up, region)
        assert list(found) == [contact]
    finally:
        Contact.objects.unscoped().filter(pk=contact.pk).delete()


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pair=valid_numbers())
def test_foreign_national_numbers_match_by_trailing_digits(tenant, pair):
    """Seed 001: a number saved in local format (of another country than the tenant's) is
    found from the caller's international number by its trailing digits."""
    region, number = pair
    tenant_region = "CZ" if region != "CZ" else "FI"
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    contact = make_contact(tenant, crm_id="P2", phones=[national])
    try:
        assert list(Contact.objects.for_tenant(tenant).by_phone(e164, tenant_region)) == [contact]
    finally:
        Contact.objects.unscoped().filter(pk=contact.pk).delete()


def test_seed_examples():
    assert normalize("+420 773 794 804") == "+420773794804"
    assert normalize("00420773794804") == "+420773794804"
    assert normalize("773 794 804", "CZ") == "+420773794804"
    assert normalize("040 123 4567", "FI") == "+358401234567"
    assert normalize("", "CZ") is None and normalize(None) is None and normalize("abc") is None
    assert same_number("+35850454564", "050 454 564")
    assert not same_number("12345", "12345")  # too short to compare safely
    assert matches("050 454 564", "+420050454564", "+35850454564", "+35850454564")


@pytest.mark.django_db
def test_lookup_is_scoped_and_does_not_confuse_different_numbers(tenant, other_tenant):
    mine = make_contact(tenant, crm_id="A", phones=["+420 773 794 804"])
    make_contact(other_tenant, crm_id="A", phones=["+420 773 794 804"])
    make_contact(tenant, crm_id="B", phones=["+420 601 794 804"], connector=mine.connector)
    found = Contact.objects.for_tenant(tenant).by_phone("773794804", "CZ")
    assert list(found) == [mine]
    assert not Contact.objects.for_tenant(tenant).by_phone("794 804", "CZ").exists()
    assert not Contact.objects.for_tenant(tenant).by_phone("garbage", "CZ").exists()
    # without for_tenant the candidate query is scoped through the contacts themselves
    scoped = mine.connector.contacts.by_phone("+420773794804", "CZ")
    assert list(scoped) == [mine]


@pytest.mark.django_db
def test_lookup_uses_few_queries(tenant, django_assert_max_num_queries):
    make_contact(tenant, crm_id="A", phones=["773 794 804", "+420 601 234 567"])
    with django_assert_max_num_queries(2):
        assert len(Contact.objects.for_tenant(tenant).by_phone("+420601234567", "CZ")) == 1
    assert make_connector  # the factory is shared with the other tests
