"""Changes made in the Dynamics 365 simulator behind the connector's back (mixed into
Dynamics365Simulator): what a user does in the CRM between two imports.

`add_lead(...)` / `add_account(...)` / `add_contact(...)` create a row modified now (a lead
created after the last import); `qualify_lead(id)` closes a lead as Dataverse's QualifyLead
does (statecode 1, statuscode 3, modified now); `delete_row(set, id)` removes a row, which the
Web API never reports: only the reconcile (the id list) notices it.
"""

import uuid
from datetime import UTC, datetime

from simulators.dynamics365.data_leads import lead_row
from simulators.dynamics365.handlers import TABLES


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SimulatedRows:
    def add_row(self, entity_set: str, **fields) -> dict:
        id_name = TABLES[entity_set][1]
        row = {"modifiedon": _now(), "createdon": _now(), "statecode": 0, **fields}
        row.setdefault(id_name, str(uuid.uuid4()))
        with self.lock:
            self.tables[entity_set][row[id_name]] = row
        return row

    def add_lead(self, **fields) -> dict:
        lid = fields.pop("leadid", None) or str(uuid.uuid4())
        row = lead_row(lid, modifiedon=_now(), createdon=_now(), **fields)
        return self.add_row("leads", **row)

    def add_account(self, **fields) -> dict:
        base = {"name": None, "telephone1": None, "telephone2": None, "telephone3": None}
        return self.add_row("accounts", **{**base, "emailaddress1": None, **fields})

    def add_contact(self, **fields) -> dict:
        base = {"firstname": None, "lastname": None, "emailaddress1": None}
        phones = {"telephone1": None, "mobilephone": None, "telephone2": None}
        return self.add_row("contacts", **{**base, **phones, **fields})

    def qualify_lead(self, lead_id: str, statecode: int = 1) -> dict:
        """Close a lead: 1 = qualified (statuscode 3), 2 = disqualified (statuscode 4)."""
        with self.lock:
            row = self.tables["leads"][lead_id]
            row.update(statecode=statecode, statuscode=3 if statecode == 1 else 4)
            row["modifiedon"] = _now()
        return row

    def update_row(self, entity_set: str, row_id: str, **changes) -> dict:
        with self.lock:
            row = self.tables[entity_set][row_id]
            row.update(changes, modifiedon=_now())
        return row

    def delete_row(self, entity_set: str, row_id: str) -> None:
        with self.lock:
            self.tables[entity_set].pop(row_id)
