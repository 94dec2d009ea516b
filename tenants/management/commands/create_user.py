import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Membership, Role, Tenant


class Command(BaseCommand):
    help = "Create a user (login = email) and give them a role in a tenant."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--role", default=Role.ADMIN, choices=Role.values)
        parser.add_argument("--password", help="default: a random password, printed once")
        parser.add_argument(
            "--superuser", action="store_true", help="also platform staff (Django admin)"
        )

    def handle(self, email, tenant, role, password, superuser, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"No tenant {tenant!r}: create it with create_tenant first.")
        User = get_user_model()
        user = User.objects.filter(username=email).first()
        created = user is None
        if created:
            user = User(username=email, email=email)
        generated = None
        if password is None and created:
            password = generated = secrets.token_urlsafe(12)
        if password:
            user.set_password(password)
        if superuser:
            user.is_staff = user.is_superuser = True
        user.save()
        Membership.objects.update_or_create(user=user, tenant=tenant_obj, defaults={"role": role})
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {email}: {role} of {tenant_obj.slug}"
        )
        if generated:
            self.stdout.write(f"Password: {generated}")
