"""Dataverse Web API handlers of the Dynamics 365 simulator (mixed into Dynamics365Simulator)."""

import copy
import json
import re
import uuid
from datetime import UTC, datetime
from http.client import HTTPMessage
from types import SimpleNamespace
from urllib.parse import unquote, urlencode, urlsplit

from connectors.dynamics365 import batch as multipart
from simulators.base import Reply, Request
from simulators.dynamics365 import data as sim_data
from simulators.dynamics365.odata import FilterParser, ODataError, order, select

API = "/api/data/v9.2"
FORMATTED = "OData.Community.Display.V1.FormattedValue"
TABLES = {  # entity set -> (logical name, primary id column)
    "contacts": ("contact", "contactid"),
    "leads": ("lead", "leadid"),
    "accounts": ("account", "accountid"),
    "systemusers": ("systemuser", "systemuserid"),
    "queues": ("queue", "queueid"),
    "phonecalls": ("phonecall", "activityid"),
    "incidents": ("incident", "incidentid"),
    "emails": ("email", "activityid"),
    "tasks": ("task", "activityid"),
}
LOOKUPS = {  # entity set -> {lookup column: (target set, formatted value column)}
    "contacts": {
        "_parentcustomerid_value": ("accounts", "name"),
        "_ownerid_value": ("systemusers", "fullname"),
    },
    "queues": {"_ownerid_value": ("systemusers", "fullname")},
}
_PERSON = {"firstname", "lastname", "emailaddress1", "telephone1", "mobilephone", "telephone2"}
WRITABLE = {
    "contacts": _PERSON | {"description", "jobtitle"},
    "leads": _PERSON | {"description", "subject", "companyname"},
    "phonecalls": {
        "subject",
        "phonenumber",
        "description",
        "directioncode",
        "actualdurationminutes",
        "actualstart",
        "actualend",
        "scheduledstart",
        "statuscode",
        "statecode",
        "category",
        "subcategory",
        "phonecall_activity_parties",
    },
    "emails": {
        "subject",
        "description",
        "directioncode",
        "actualstart",
        "actualend",
        "statuscode",
        "statecode",
        "email_activity_parties",
    },
    "tasks": {
        "subject",
        "description",
        "actualstart",
        "actualend",
        "scheduledend",
        "category",
        "subcategory",
        "statuscode",
        "statecode",
    },
    "incidents": {"title", "description", "prioritycode", "caseorigincode"},
}
_ACTIVITY = {"activityid", "_ownerid_value", "_regardingobjectid_value", "createdon", "modifiedon"}
EXTRA_COLUMNS = {
    "phonecalls": _ACTIVITY,
    "emails": _ACTIVITY,
    "tasks": _ACTIVITY,
    "incidents": {
        "incidentid",
        "ticketnumber",
        "_customerid_value",
        "_ownerid_value",
        "createdon",
        "modifiedon",
    },
}
KEY_FORBIDDEN = set("/<>*%&:\\?+")
_GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
_SKIP = re.compile(r'offset="(\d+)"')


def odata_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WebApiHandlers:
    # --- reads --------------------------------------------------------------------------------

    def who_am_i(self, request):
        self.check_api(request)
        return {
            "@odata.context": f"{self.url}{API}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": sim_data.BUSINESS_UNIT_ID,
            "UserId": sim_data.APP_USER_ID,
            "OrganizationId": sim_data.ORGANIZATION_ID,
        }

    def attributes(self, request):
        self.check_api(request)
        if request.match["name"] != "contact":
            raise odata_error(
                404, "0x80040217", f"Could not find an entity with name '{request.match['name']}'."
            )
        value = [
            {
                "LogicalName": name,
                "AttributeType": kind,
                "IsValidForCreate": create,
                "AttributeOf": of,
                "MetadataId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "DisplayName": {
                    "LocalizedLabels": [{"Label": label, "LanguageCode": 1033}] if label else [],
                    "UserLocalizedLabel": {"Label": label, "LanguageCode": 1033} if label else None,
                },
            }
            for name, kind, label, create, of in sim_data.CONTACT_ATTRIBUTES
        ]
        return {
            "@odata.context": f"{self.url}{API}/$metadata#EntityDefinitions('contact')/Attributes",
            "value": value,
        }

    def _columns(self, entity_set: str) -> set[str]:
        columns = set(EXTRA_COLUMNS.get(entity_set, ())) | WRITABLE.get(entity_set, set())
        for row in self.tables[entity_set].values():
            columns.update(k for k in row if "@" not in k)
        if entity_set in self.alternate_keys:
            columns.add(self.alternate_keys[entity_set])
        return columns | {TABLES[entity_set][1]}

    def _annotate(self, entity_set: str, row: dict, request) -> dict:
        out = dict(row)
        if FORMATTED in (request.headers.get("Prefer") or "") or "*" in (
            request.headers.get("Prefer") or ""
        ):
            for column, (target, label) in LOOKUPS.get(entity_set, {}).items():
                ref = self.tables[target].get(row.get(column) or "")
                if ref:
                    out[f"{column}@{FORMATTED}"] = ref[label]
                    out[f"{column}@Microsoft.Dynamics.CRM.lookuplogicalname"] = TABLES[target][0]
        return out

    def list_rows(self, request):
        self.check_api(request)
        entity_set = request.match["set"]
        logical, id_name = TABLES[entity_set]
        q = request.query
        columns = self._columns(entity_set)
        fields = [f for f in (q.get("$select") or "").split(",") if f]
        try:
            for name in fields:
                FilterParser(name, columns, logical)._column(name)
            predicate = (
                FilterParser(q.get("$filter", ""), columns, logical).parse()
                if q.get("$filter")
                else None
            )
        except ODataError as exc:
            raise odata_error(400, "0x80060888", str(exc)) from None
        with self.lock:
            rows = [
                r for r in self.tables[entity_set].values() if predicate is None or predicate(r)
            ]
        rows = order(rows, q.get("$orderby", ""))
        prefer = request.headers.get("Prefer") or ""
        size = int(m.group(1)) if (m := re.search(r"odata\.maxpagesize=(\d+)", prefer)) else 5000
        size = min(int(q.get("$top") or size), size)
        start = int(m.group(1)) if (m := _SKIP.search(q.get("$skiptoken", ""))) else 0
        page = rows[start : start + size]
        body = {
            "@odata.context": f"{self.url}{API}/$metadata#{entity_set}",
            **self.count_annotations(len(rows), q, prefer),
            "value": [
                select(self._annotate(entity_set, r, request), fields, id_name) for r in page
            ],
        }
        if start + size < len(rows) and "$top" not in q:
            params = {k: v for k, v in q.items() if k != "$skiptoken"}
            cookie = f'<cookie pagenumber="{start // size + 2}" offset="{start + size}" />'
            body["@odata.nextLink"] = f"{self.url}{request.path}?" + urlencode(
                {**params, "$skiptoken": cookie}
            )
        headers = (
            {"Preference-Applied": f"odata.maxpagesize={size}"} if "maxpagesize" in prefer else {}
        )
        return 200, body, headers

    def get_row(self, request):
        self.check_api(request)
        entity_set = request.match["set"]
        row = self._find(entity_set, request.match["key"])
        if row is None:
            raise odata_error(
                404,
                "0x80040217",
                f"{TABLES[entity_set][0]} With Ids = {request.match['key']} Does Not Exist",
            )
        fields = [f for f in (request.query.get("$select") or "").split(",") if f]
        return select(self._annotate(entity_set, row, request), fields, TABLES[entity_set][1])

    # --- keys ---------------------------------------------------------------------------------

    def _key(self, entity_set: str, raw: str) -> tuple[str, str]:
        """("id", guid) or (column, value) from the text between the parentheses."""
        raw = unquote(raw)
        if _GUID.match(raw):
            return "id", raw.lower()
        column, sep, literal = raw.partition("=")
        if not sep or not (literal.startswith("'") and literal.endswith("'")):
            raise odata_error(400, "0x80060888", f"Bad key segment '{raw}'.")
        if column != self.alternate_keys.get(entity_set):
            raise odata_error(
                400,
                "0x80060888",
                f"The alternate key with attribute '{column}' is not defined for table "
                f"'{TABLES[entity_set][0]}'.",
            )
        value = literal[1:-1].replace("''", "'")
        if KEY_FORBIDDEN & set(value):
            raise odata_error(
                400,
                "0x80060888",
                "Alternate key value contains characters that are not allowed: / < > * % & : \\ ? +",
            )
        return column, value

    def _find(self, entity_set: str, raw: str) -> dict | None:
        column, value = self._key(entity_set, raw)
        rows = self.tables[entity_set]
        if column == "id":
            return rows.get(value)
        return next((r for r in rows.values() if r.get(column) == value), None)

    # --- $batch -------------------------------------------------------------------------------

    def batch(self, request):
        self.check_api(request)
        try:
            groups = multipart.parse_request(request.headers.get("Content-Type", ""), request.body)
        except ValueError as exc:
            raise odata_error(400, "0x80048d19", f"Malformed $batch request: {exc}") from None
        if sum(len(parts) for _, parts in groups) > 1000:
            raise odata_error(400, "0x8006088a", "The number of requests in a batch exceeds 1000.")
        go_on = "odata.continue-on-error" in (request.headers.get("Prefer") or "")
        out = []
        with self.lock:
            self.batches.append(sum(len(parts) for _, parts in groups))
            for is_changeset, parts in groups:
                # A change set is all or nothing; a single write validates before it applies.
                snapshot = copy.deepcopy(self.tables) if len(parts) > 1 else None
                replies, failed = [], None
                for part in parts:
                    reply = self._inner(part)
                    if reply.status >= 400:
                        failed = reply
                        break
                    replies.append(reply)
                if failed is not None:
                    if snapshot is not None:
                        self.tables = snapshot
                    out.append((False, [failed]))
                    if not go_on:
                        break
                else:
                    out.append((is_changeset, replies))
        self._after_write(request)
        content_type, body = multipart.build_response(out)
        return 200, body, {"Content-Type": content_type}

    def _inner(self, part: multipart.Part) -> multipart.Part:
        headers = HTTPMessage()
        for name, value in part.headers.items():
            headers[name] = value
        split = urlsplit(part.url)
        target = split.path + (f"?{split.query}" if split.query else "")
        request = Request(
            SimpleNamespace(path=target, command=part.method, headers=headers), part.body
        )
        request.inner = True
        for method, pattern, handler in self._compiled:
            if method == part.method and (match := pattern.match(request.path)):
                request.match = match
                try:
                    result = getattr(self, handler)(request)
                except Reply as reply:
                    result = (reply.status, reply.body, reply.headers)
                status, body, extra = result if isinstance(result, tuple) else (200, result, {})
                break
        else:
            status, body, extra = (
                404,
                {"error": {"code": "0x80060888", "message": "Resource not found."}},
                {},
            )
        data = (
            body
            if isinstance(body, bytes)
            else (b"" if body is None else json.dumps(body).encode())
        )
        out_headers = {**extra}
        if data:
            out_headers.setdefault("Content-Type", "application/json; odata.metadata=minimal")
        return multipart.Part(
            status=status, headers=out_headers, body=data, content_id=part.content_id
        )
