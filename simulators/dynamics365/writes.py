"""Dataverse Web API writes of the Dynamics 365 simulator (mixed into Dynamics365Simulator):
create, upsert by id or alternate key (If-None-Match / If-Match), lookups via @odata.bind (only
the navigation properties the table has; the row keeps the target's logical name as the
`lookuplogicalname` annotation, so a test sees which table a call is regarding), activity
parties, AddToQueue, and the "committed, then the reply was lost" knob."""

import re
import uuid

from simulators.base import Reply
from simulators.dynamics365 import data as sim_data
from simulators.dynamics365.handlers import API, TABLES, WRITABLE, _now, odata_error
from simulators.dynamics365.odata import select

BINDS = {  # "<navigation>@odata.bind" -> (stored lookup column, allowed target sets)
    "ownerid": ("_ownerid_value", ("systemusers",)),
    "regardingobjectid_contact_phonecall": ("_regardingobjectid_value", ("contacts",)),
    "regardingobjectid_lead_phonecall": ("_regardingobjectid_value", ("leads",)),
    "regardingobjectid_account_phonecall": ("_regardingobjectid_value", ("accounts",)),
    **{
        f"regardingobjectid_{kind}_{table}": ("_regardingobjectid_value", (f"{kind}s",))
        for kind in ("contact", "lead", "account")
        for table in ("email", "task")
    },
    "customerid_contact": ("_customerid_value", ("contacts",)),
    "customerid_account": ("_customerid_value", ("accounts",)),
    "partyid_systemuser": ("_partyid_value", ("systemusers",)),
    "partyid_contact": ("_partyid_value", ("contacts",)),
    "partyid_lead": ("_partyid_value", ("leads",)),
    "partyid_account": ("_partyid_value", ("accounts",)),
}
# The navigation properties each table has (any other is "Invalid property", as in Dataverse).
NAVIGATION = {
    **{
        f"{table}s": {
            "ownerid",
            *(n for n in BINDS if n.startswith("regardingobjectid_") and n.endswith(f"_{table}")),
        }
        for table in ("phonecall", "email", "task")
    },
    "incidents": {"ownerid", "customerid_contact", "customerid_account"},
    "contacts": {"ownerid"},
    "leads": {"ownerid"},
}
PARTIES = {n for n in BINDS if n.startswith("partyid_")}
LOGICAL = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_BIND = re.compile(r"^/?(?P<set>\w+)\((?P<id>[0-9a-fA-F-]{36})\)$")


class WebApiWrites:
    def _apply(self, entity_set: str, row: dict, body) -> None:
        if not isinstance(body, dict):
            raise odata_error(400, "0x80048d19", "The request body must be a JSON object.")
        logical = TABLES[entity_set][0]
        changes = {}  # validated first, applied at once: a failed write changes nothing
        for name, value in body.items():
            if name.endswith("@odata.bind"):
                nav = name.removesuffix("@odata.bind")
                if nav not in NAVIGATION.get(entity_set, ()):
                    raise odata_error(
                        400,
                        "0x80060891",
                        f"Invalid property '{nav}' was found in entity 'Microsoft.Dynamics.CRM.{logical}'.",
                    )
                column, targets = BINDS[nav]
                changes[column] = self._resolve(value, targets)
                changes[column + LOGICAL] = TABLES[targets[0]][0]  # as Dataverse reports it
            elif name in WRITABLE[entity_set] or name == self.alternate_keys.get(entity_set):
                if name in ("phonecall_activity_parties", "email_activity_parties"):
                    value = [self._party(p) for p in value or []]
                changes[name] = value
            else:
                raise odata_error(
                    400,
                    "0x80060891",
                    f"Invalid property '{name}' was found in entity 'Microsoft.Dynamics.CRM.{logical}'.",
                )
        row.update(changes, modifiedon=_now())

    def _resolve(self, ref, allowed: tuple[str, ...]) -> str:
        match = _BIND.match(str(ref))
        if not match or match["set"] not in allowed:
            raise odata_error(400, "0x80060891", f"Invalid bind reference '{ref}'.")
        if match["id"].lower() not in self.tables[match["set"]]:
            logical = TABLES[match["set"]][0]
            raise odata_error(
                404, "0x80040217", f"{logical} With Ids = {match['id']} Does Not Exist"
            )
        return match["id"].lower()

    def _party(self, party: dict) -> dict:
        """An activity party: bound to a record, or (emails) only an `addressused` (unresolved)."""
        mask = party.get("participationtypemask")
        if mask not in (1, 2, 3, 4):
            raise odata_error(400, "0x80040203", "Invalid participationtypemask.")
        binds = [k for k in party if k.endswith("@odata.bind")]
        unknown = [k for k in party if k not in (*binds, "participationtypemask", "addressused")]
        if unknown:
            raise odata_error(
                400, "0x80060891", f"Invalid property '{unknown[0]}' on activityparty."
            )
        if len(binds) > 1 or not (binds or party.get("addressused")):
            raise odata_error(
                400, "0x80040203", "An activity party needs one partyid binding or an addressused."
            )
        out = {"participationtypemask": mask}
        if party.get("addressused"):
            out["addressused"] = party["addressused"]
        if binds:
            nav = binds[0].removesuffix("@odata.bind")
            if nav not in PARTIES:
                raise odata_error(400, "0x80060891", f"Invalid property '{nav}' on activityparty.")
            out["_partyid_value"] = self._resolve(party[binds[0]], BINDS[nav][1])
            out["partytype"] = nav.split("_")[1]
        return out

    def _insert(self, entity_set: str, body, key: tuple[str, str] | None) -> dict:
        id_name = TABLES[entity_set][1]
        row = {id_name: str(uuid.uuid4()), "createdon": _now()}
        if key:
            row[key[0]] = key[1]
        self._apply(entity_set, row, body)
        if entity_set in ("contacts", "leads"):  # what Dataverse fills in on create
            row.setdefault("_ownerid_value", sim_data.APP_USER_ID)
            row.update(statecode=0, statuscode=1)
            names = (row.get("firstname"), row.get("lastname"))
            row["fullname"] = " ".join(x for x in names if x)
        if entity_set == "incidents":
            if not row.get("_customerid_value"):
                raise odata_error(
                    400, "0x80040203", "You should specify a parent contact or account."
                )
            row["ticketnumber"] = f"CAS-{1000 + len(self.tables['incidents']):05d}-S1M"
        self.tables[entity_set][row[id_name]] = row
        return row

    def _written(self, request, entity_set: str, row: dict, status: int):
        id_name = TABLES[entity_set][1]
        location = f"{self.url}{API}/{entity_set}({row[id_name]})"
        if "return=representation" in (request.headers.get("Prefer") or ""):
            fields = [f for f in (request.query.get("$select") or "").split(",") if f]
            return status, select(row, fields, id_name), {"OData-EntityId": location}
        return 204, None, {"OData-EntityId": location}

    def create_row(self, request):
        self.check_api(request)
        entity_set = request.match["set"]
        with self.lock:
            row = self._insert(entity_set, request.json(), None)
        self._after_write(request)
        return self._written(request, entity_set, row, 201)

    def upsert_row(self, request):
        """PATCH by id or alternate key: upsert; If-None-Match: * = create only; If-Match: * = update only."""
        self.check_api(request)
        entity_set = request.match["set"]
        body = request.json()
        with self.lock:
            column, value = self._key(entity_set, request.match["key"])
            existing = self._find(entity_set, request.match["key"])
            if existing and request.headers.get("If-None-Match") == "*":
                raise odata_error(
                    412, "0x80040237", "A record with matching key values already exists."
                )
            if existing is None and request.headers.get("If-Match") == "*":
                raise odata_error(404, "0x80040217", f"{TABLES[entity_set][0]} Does Not Exist")
            if existing is not None:
                self._apply(entity_set, existing, body)
                row, status = existing, 200
            else:
                key = (column, value) if column != "id" else None
                row, status = self._insert(entity_set, body, key), 201
                if column == "id":
                    self.tables[entity_set].pop(row[TABLES[entity_set][1]])
                    row[TABLES[entity_set][1]] = value
                    self.tables[entity_set][value] = row
        self._after_write(request)
        return self._written(request, entity_set, row, status)

    def add_to_queue(self, request):
        self.check_api(request)
        queue = self.tables["queues"].get(request.match["id"])
        target = (request.json() or {}).get("Target") or {}
        kinds = {"incidentid": "incidents", "activityid": "phonecalls"}
        row = next((self.tables[t].get(target[k]) for k, t in kinds.items() if target.get(k)), None)
        if queue is None or row is None:
            raise odata_error(404, "0x80040217", "queue or target Does Not Exist")
        object_id = row.get("incidentid") or row.get("activityid")
        with self.lock:
            item = next((i for i in self.queue_items if i["objectid"] == object_id), None)
            if item is None:
                item = {"queueitemid": str(uuid.uuid4()), "objectid": object_id}
                self.queue_items.append(item)
            item["queueid"] = queue["queueid"]
        return {"QueueItemId": item["queueitemid"]}

    def _after_write(self, request) -> None:
        """Test knob: the write is committed, then the reply is lost (a 502 from a proxy)."""
        if getattr(request, "inner", False):
            return
        with self.lock:
            if self.fail_after_write <= 0:
                return
            self.fail_after_write -= 1
        raise Reply(502, "Bad Gateway", {"Content-Type": "text/html"})
