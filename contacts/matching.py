"""Agent <-> CRM user matching (seed 001: "users that have same email address", with an
override email "if email user in D365 differ").

For each agent mapping not chosen by hand, the override email (crm_email) or else the agent's
email is compared case-insensitively with the CRM users' emails (active users win over
inactive ones with the same email). Manual choices are never overwritten.
"""

from django.db import transaction

from connectors.agents import AgentLink
from connectors.errors import ConnectorError
from connectors.models import ConnectorStatus
from connectors.types import CrmUser
from contacts.models import MatchedBy, UserMapping
from portal.cache import TTLCache


def agent_links(account) -> list[AgentLink]:
    """The account's user mappings as connectors see them (registered in ContactsConfig)."""
    mappings = UserMapping.objects.for_tenant(account.tenant_id).filter(connector=account)
    return [AgentLink(m.agent_id, m.match_email, m.crm_user_id) for m in mappings]


def crm_users(account) -> list[CrmUser]:
    return sorted(account.connector.list_users(), key=lambda u: (u.name or u.email).lower())


# CRM users by account for pages that show a name instead of an id (contact owner, default
# owner): one CRM call per account every few minutes, never for an account that is not
# authorized (an id is shown then).
USER_NAMES = TTLCache("contacts:crm-user-names", seconds=300.0)


def user_label(user: CrmUser) -> str:
    return f"{user.name} <{user.email}>" if user.name and user.email else user.name or user.email


def crm_user_names(account) -> dict[str, str]:
    """{crm user id: "Name <email>"} of an authorized account; {} when it cannot tell."""
    if account is None or account.status != ConnectorStatus.AUTHORIZED:
        return {}

    def load() -> dict[str, str]:
        try:
            return {u.crm_id: user_label(u) for u in crm_users(account)}
        except (ConnectorError, NotImplementedError):
            return {}

    return USER_NAMES.get(account.pk, load)


def users_by_email(users: list[CrmUser]) -> dict[str, CrmUser]:
    index: dict[str, CrmUser] = {}
    for user in sorted(users, key=lambda u: u.active):  # active last, so active wins
        if user.email:
            index[user.email.strip().lower()] = user
    return index


@transaction.atomic
def match_users(account, users: list[CrmUser] | None = None) -> tuple[int, list[str]]:
    """Fill crm_user_id by email; returns (matched, unmatched agent ids)."""
    index = users_by_email(crm_users(account) if users is None else users)
    matched, unmatched = 0, []
    for mapping in (
        UserMapping.objects.for_tenant(account.tenant_id)
        .filter(connector=account)
        .select_for_update()
    ):
        if mapping.matched_by == MatchedBy.MANUAL and mapping.crm_user_id:
            continue
        user = index.get(mapping.match_email) if mapping.match_email else None
        new_id, new_by = (user.crm_id, MatchedBy.EMAIL) if user else ("", MatchedBy.NONE)
        if (mapping.crm_user_id, mapping.matched_by) != (new_id, new_by):
            mapping.crm_user_id, mapping.matched_by = new_id, new_by
            mapping.save(update_fields=["crm_user_id", "matched_by", "updated_at"])
        if user:
            matched += 1
        else:
            unmatched.append(mapping.agent_id)
    return matched, unmatched
