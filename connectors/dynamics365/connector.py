"""Microsoft Dynamics 365 / Dataverse: msal client-credentials tokens, Web API v9.2 metadata,
users and queues.

Contacts, leads and accounts (read, searched, created) are in reads.py; writes (phonecalls in
$batch, upserted by alternate key; incidents) in writes.py; emails, tasks, existing calls and
incident completion in activities.py.
"""

import re
from collections.abc import Iterator
from functools import cached_property

from connectors import http
from connectors.base import Installation
from connectors.dynamics365.activities import DataverseActivities
from connectors.dynamics365.auth import TokenSource
from connectors.dynamics365.client import (
    DataverseClient,
    odata_string,
)
from connectors.dynamics365.reads import DataverseRecords
from connectors.dynamics365.writes import DataverseWrites
from connectors.errors import ConnectorError
from connectors.types import (
    CrmField,
    CrmQueue,
    CrmUser,
    Token,
)

_LOGICAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class Dynamics365Connector(DataverseRecords, DataverseActivities, DataverseWrites, Installation):
    """One Dataverse environment (its provider: connectors/dynamics365/provider.py)."""

    page_size = 500  # Prefer: odata.maxpagesize

    @cached_property
    def http_session(self):
        return self.session or http.default_session()

    @cached_property
    def client(self) -> DataverseClient:
        return DataverseClient(self.settings["instance_url"], self.http_session)

    @cached_property
    def tokens(self) -> TokenSource:
        return TokenSource(self.settings, self.credentials, self.http_session)

    def _logical(self, setting: str, default: str) -> str:
        name = self.settings.get(setting) or default
        if not _LOGICAL_NAME.match(name):
            raise ConnectorError(f"{setting} {name!r} is not a column logical name", True)
        return name

    @property
    def call_key_field(self) -> str:
        return self._logical("phonecall_key_field", "cc_callkey")

    @property
    def ticket_key_field(self) -> str:
        return self._logical("incident_key_field", "cc_ticketkey")

    # --- token + reads ---------------------------------------------------------------------

    def fetch_token(self) -> Token:
        return self.tokens.fetch()

    def _get(self, path: str, **kwargs) -> dict:
        return self.call_with_token(lambda token: self.client.get_json(token, path, **kwargs))

    def _pages(self, path: str, params: dict) -> Iterator[list[dict]]:
        return self.client.pages(self.call_with_token, path, params, self.page_size)

    def test_connection(self) -> dict:
        who = self._get("WhoAmI")
        return {
            "user_id": who.get("UserId", ""),
            "organization_id": who.get("OrganizationId", ""),
            "business_unit_id": who.get("BusinessUnitId", ""),
            "environment": self.client.instance_url,
            "application_user": who.get("UserId", ""),
        }

    def describe_fields(self, crm_object: str = "contact") -> list[CrmField]:
        name = self._logical("object", crm_object.lower())
        select = "LogicalName,AttributeType,DisplayName,IsValidForCreate,AttributeOf"
        path = f"EntityDefinitions(LogicalName={odata_string(name)})/Attributes"
        rows = self._get(path, params={"$select": select}).get("value") or []
        fields = []
        for row in rows:
            if row.get("AttributeOf"):  # shadow columns such as the name of a lookup
                continue
            label = ((row.get("DisplayName") or {}).get("UserLocalizedLabel") or {}).get("Label")
            fields.append(
                CrmField(
                    name=row["LogicalName"],
                    label=label or row["LogicalName"],
                    type=row.get("AttributeType", ""),
                    createable=bool(row.get("IsValidForCreate", True)),
                )
            )
        return sorted(fields, key=lambda f: f.name)

    def list_users(self) -> list[CrmUser]:
        params = {"$select": "systemuserid,internalemailaddress,fullname,isdisabled"}
        return [
            CrmUser(
                crm_id=row["systemuserid"],
                email=row.get("internalemailaddress") or "",
                name=row.get("fullname") or "",
                active=not row.get("isdisabled"),
            )
            for rows in self._pages("systemusers", params)
            for row in rows
        ]

    def list_queues(self) -> list[CrmQueue]:
        params = {"$select": "queueid,name,_ownerid_value"}
        return [
            CrmQueue(
                crm_id=row["queueid"],
                name=row.get("name") or "",
                owner_crm_id=row.get("_ownerid_value") or "",
            )
            for rows in self._pages("queues", params)
            for row in rows
        ]

    def record_url(self, crm_object: str, crm_id: str) -> str:
        base = self.settings.get("instance_url", "").rstrip("/")
        return f"{base}/main.aspx?pagetype=entityrecord&etn={crm_object.lower()}&id={crm_id}"
