"""One date format (issue 17): every template shows dates and times through the portal's `|when`
filter (tenants/templatetags/portal_dates.py), never Django's `|date`/`|time`, and the times that
Python writes into page text (calls/reasons.py) name the tenant's zone too."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from tenants.templatetags.portal_dates import when

TEMPLATES = Path(settings.BASE_DIR) / "templates"
DJANGO_DATE_FILTER = re.compile(r"\|\s*(date|time)\b")


def test_no_template_formats_a_date_with_django_filters():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()[:100]}"
        for path in TEMPLATES.rglob("*.html")
        if "drf_spectacular" not in path.parts  # Swagger UI's page, not ours
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if DJANGO_DATE_FILTER.search(line)
    ]
    assert not offenders, "use |when (portal_dates.py) instead:\n" + "\n".join(offenders)


def test_the_day_styles_of_the_one_format(tenant):
    moment = datetime(2026, 12, 1, 13, 5, 9, tzinfo=UTC)
    with timezone.override(tenant.zone):  # Acme: Europe/Prague, winter time
        out = Template(
            '{{ t|when:"minutes" }}|{{ d|when:"weekday" }}|{{ d|when:"short" }}|'
            '{{ d|when:"date" }}|{{ d|when }}'
        ).render(Context({"t": moment, "d": date(2026, 12, 1)}))
    assert out == "14:05 CET|Tue 1 Dec 2026|1 Dec|1 Dec 2026|1 Dec 2026"


def test_times_written_by_python_name_the_zone(tenant):
    with timezone.override(tenant.zone):
        assert when(datetime(2026, 7, 1, 12, 5, tzinfo=UTC), "minutes") == "14:05 CEST"


@pytest.mark.django_db
def test_the_dashboard_days_use_the_one_format(member_client, tenant):
    today = timezone.now().astimezone(tenant.zone).date()
    html = member_client.get("/calls/dashboard/").content.decode()
    with timezone.override(tenant.zone):
        assert when(today, "weekday") in html  # the table: "Tue 1 Dec 2026"
        assert f">{when(today, 'short')}</text>" in html  # the chart axis
    assert "days in Europe/Prague" in html
