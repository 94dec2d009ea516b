from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant


class Command(BaseCommand):
    help = "Create a tenant (or update its name): create_tenant <slug> --name NAME"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", default="CZ", help="default phone region, e.g. CZ")
        parser.add_argument("--time-zone", default="UTC")

    def handle(self, slug, name, region, time_zone, **options):
        tenant = Tenant.objects.filter(slug=slug).first() or Tenant(slug=slug)
        tenant.name = name
        if tenant.pk is None:
            tenant.default_region, tenant.time_zone = region.upper(), time_zone
        try:
            tenant.full_clean()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            )
        created = tenant.pk is None
        tenant.save()
        self.stdout.write(
            f"{'Created' if created else 'Updated'} tenant {tenant.slug} ({tenant.name})"
        )
