import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from simulators import registry
from tenants.models import Membership, Role, Tenant

CREDENTIALS_FILE = settings.LOCAL_DIR / "demo-credentials.txt"


class Command(BaseCommand):
    help = "Create the demo tenants, an admin user and connectors pointing at the simulators."

    def handle(self, **options):
        demo, _ = Tenant.objects.get_or_create(
            slug="demo",
            defaults={
                "name": "Demo Contact Center",
                "default_region": "CZ",
                "time_zone": "Europe/Prague",
            },
        )
        second, _ = Tenant.objects.get_or_create(
            slug="demo-nordic",
            defaults={
                "name": "Demo Nordic",
                "default_region": "FI",
                "time_zone": "Europe/Helsinki",
            },
        )
        email = "admin@demo.local"
        if CREDENTIALS_FILE.exists():
            password = CREDENTIALS_FILE.read_text().strip()
        else:
            password = secrets.token_urlsafe(9)
            CREDENTIALS_FILE.write_text(password)
            CREDENTIALS_FILE.chmod(0o600)
        User = get_user_model()
        user = User.objects.filter(username=email).first() or User(username=email, email=email)
        user.set_password(password)
        user.is_staff = user.is_superuser = True
        user.save()
        for tenant in (demo, second):
            Membership.objects.update_or_create(
                user=user, tenant=tenant, defaults={"role": Role.ADMIN}
            )

        # Each simulator may seed the demo tenant with an account pointing at itself
        # (classmethod seed_demo(tenant, url)); it stays unauthorized until you click Authorize.
        urls = registry.urls()
        for name, (cls, _offset) in registry.available().items():
            if name in urls and hasattr(cls, "seed_demo"):
                cls.seed_demo(demo, urls[name])
        self.stdout.write(f"Demo tenant ready. Log in as {email} / {password}")
