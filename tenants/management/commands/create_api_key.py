from django.core.management.base import BaseCommand, CommandError

from tenants.models import ApiKey, Tenant


class Command(BaseCommand):
    help = "Issue an API key for a tenant; the key is printed alone on the last line, once."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)

    def handle(self, slug, name, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant {slug!r}.")
        key, raw = ApiKey.issue(tenant, name)
        self.stdout.write(f"API key {key.name!r} for {tenant.slug} (stored hashed; copy it now):")
        self.stdout.write(raw)
