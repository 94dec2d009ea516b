"""Count the dashboard's daily rollup again from the call logs (the backfill after the
migration that added it, or a repair): every day of every tenant, or of --tenant."""

from django.core.management.base import BaseCommand

from calls import rollup
from tenants.models import Tenant


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--tenant", type=int, help="one tenant id (default: all)")

    def handle(self, *args, tenant=None, **options):
        tenants = Tenant.objects.order_by("pk")
        if tenant:
            tenants = tenants.filter(pk=tenant)
        for t in tenants:
            n = rollup.recount(t)
            self.stdout.write(f"tenant {t.pk}: {n} day/connector rows")
