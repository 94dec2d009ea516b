"""Saving a contact-center account (API and page share it): a merge into the row as it is now.

Two admins saving at once used to write back every column as each had read it, so one's
change (or the push job's last_push_at / last_error) was undone, and an acknowledged token
rotation could be reverted. Here the row is locked (SELECT ... FOR UPDATE) and re-read, only
the fields this save sets are written, and a new token is merged into the credentials as
decrypted from the locked row. A name taken meanwhile is a ValidationError on `name`.
"""

from django.db import transaction

from platforms.models import ContactCenterAccount
from tenants import unique_fields

NAME_TAKEN = "An account with this name already exists."


@transaction.atomic
def save_cc_account(
    account: ContactCenterAccount, values: dict, token: str = "", secrets: dict | None = None
):
    """Create `account` or update it with `values` (field -> value), a new `token` and other
    new write-only `secrets` (credentials key -> value; empty values keep the stored one)."""
    creating = account.pk is None
    if not creating:
        account.refresh_from_db(
            from_queryset=ContactCenterAccount.objects.for_tenant(
                account.tenant_id
            ).select_for_update()
        )
    for field, value in values.items():
        setattr(account, field, value)
    fields = list(values)
    new = {k: v for k, v in {**(secrets or {}), "access_token": token}.items() if v}
    if new:
        account.credentials = {**(account.credentials or {}), **new}
        fields.append("credentials")
    with unique_fields.as_field_error(ContactCenterAccount, {"name": NAME_TAKEN}):
        if creating:
            account.save()
        elif fields:
            account.save(update_fields=fields)
    return account
