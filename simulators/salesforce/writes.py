"""Writes in the Salesforce simulator: create and upsert one record, validated like Salesforce
(unknown fields, create-only fields on update, restricted picklists, references, unique
external ids), answering with per-record results. Mixed into sim_store.Store.
"""

from datetime import UTC, datetime

from simulators.base import Reply
from simulators.salesforce import data as sim_data


def sf_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, [{"message": message, "errorCode": code}])


def record_error(code: str, message: str, fields=()) -> dict:
    return {
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": list(fields)}],
    }


WRITABLE = ("Task", "Case", "Contact", "Lead", "Account")
REQUIRED = {"Contact": ("LastName",), "Lead": ("LastName", "Company"), "Account": ("Name",)}


class WriteMixin:
    def snapshot(self):
        """A copy of everything a write may change (for allOrNone rollbacks)."""
        records = {o: {k: dict(v) for k, v in self.records[o].items()} for o in WRITABLE}
        index = {k: dict(v) for k, v in self.ext_index.items()}
        return records, index, dict(self.counters)

    def restore(self, snapshot) -> None:
        records, self.ext_index, self.counters = snapshot
        self.records.update(records)

    def write(self, sobject, body: dict, ext_field, ext_value, injected: dict) -> dict:
        """Create (ext_field None) or upsert one record; a per-record result like Salesforce's."""
        if sobject not in WRITABLE:
            return record_error("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        _, schema = self._schema(sobject)
        data = {}
        for name, value in body.items():
            if name == "attributes":
                continue
            if name.lower() not in schema:
                return record_error(
                    "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
            data[schema[name.lower()]["name"]] = value
        existing = None
        if ext_field:
            if not ext_value:
                return record_error("MISSING_ARGUMENT", f"{ext_field} not specified", [ext_field])
            data[ext_field] = ext_value
            existing = self.by_external(sobject, ext_field, ext_value)
        key = ext_value or next(
            (data.get(f) for f in self.external_ids.get(sobject, ()) if data.get(f)), None
        )
        if key in injected:
            code, message = injected.pop(key)
            return record_error(code, message)
        allowed = "updateable" if existing else "createable"
        locked = [n for n in data if not schema[n.lower()][allowed] and n != ext_field]
        if locked:
            return record_error(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(locked)}. Please check the security "
                "settings of this field and verify that it is read/write for your profile.",
                locked,
            )
        problem = self._validate(sobject, data, existing)
        if problem:
            return problem
        now = datetime.now(UTC).replace(microsecond=0)  # Salesforce stamps whole seconds
        if existing:
            existing.update(data, LastModifiedDate=now, SystemModstamp=now)
            return {"id": existing["Id"], "success": True, "errors": [], "created": False}
        self.counters[sobject] += 1
        row = {f["name"]: None for f in self.schema[sobject]}
        row.update(sim_data.DEFAULTS.get(sobject, {}))
        row.update(
            Id=sim_data.make_id(sobject, self.counters[sobject]),
            IsDeleted=False,
            OwnerId=self.api_user()["Id"],
            CreatedDate=now,
            LastModifiedDate=now,
            SystemModstamp=now,
        )
        if sobject == "Case":
            row["CaseNumber"] = f"{self.counters['Case']:08d}"
        row.update(data)
        if sobject in ("Contact", "Lead"):
            row["Name"] = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
        if "IsPersonAccount" in row:
            row["IsPersonAccount"] = False  # person accounts need a record type: not simulated
        self.records[sobject][row["Id"]] = row
        for field in self.external_ids.get(sobject, ()):
            if row.get(field):
                self.ext_index.setdefault((sobject, field), {})[row[field]] = row["Id"]
        return {"id": row["Id"], "success": True, "errors": [], "created": True}

    def update(self, sobject: str, crm_id: str, body: dict) -> dict:
        """PATCH /sobjects/{SObject}/{Id}: update fields of an existing record (204 when ok)."""
        existing = self.records.get(sobject, {}).get(crm_id)
        if existing is None or existing.get("IsDeleted"):
            return record_error("NOT_FOUND", "The requested resource does not exist")
        _, schema = self._schema(sobject)
        data = {}
        for name, value in body.items():
            field = schema.get(name.lower())
            if field is None:
                return record_error(
                    "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
            if not field["updateable"]:
                return record_error(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to update fields: {name}", [name]
                )
            data[field["name"]] = value
        problem = self._validate(sobject, data, existing)
        if problem:
            return problem
        now = datetime.now(UTC).replace(microsecond=0)
        existing.update(data, LastModifiedDate=now, SystemModstamp=now)
        return {"id": crm_id, "success": True, "errors": []}

    def _validate(self, sobject: str, data: dict, existing: dict | None) -> dict | None:
        missing = [] if existing else [f for f in REQUIRED.get(sobject, ()) if not data.get(f)]
        if missing:
            return record_error(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        for (obj, name), values in sim_data.PICKLISTS.items():
            if obj == sobject and name in data and data[name] not in values:
                return record_error(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{name}: bad value for restricted picklist field: {data[name]}",
                    [name],
                )
        refs = {
            "WhoId": ("Contact", "Lead"),
            "WhatId": ("Account", "Case"),
            "ContactId": ("Contact",),
            "AccountId": ("Account",),
            "OwnerId": ("User", "Group") if sobject == "Case" else ("User",),
        }
        for name, types in refs.items():
            if data.get(name):
                target_type, target = self.find(data[name])
                if target_type not in types or (target_type == "User" and not target["IsActive"]):
                    return record_error(
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"invalid cross reference id: {data[name]}",
                        [name],
                    )
        for field in self.external_ids.get(sobject, ()):
            value = data.get(field)
            if value and not existing:
                dup = self.by_external(sobject, field, value)
                if dup:
                    return record_error(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {field} duplicates value on record with id: {dup['Id']}",
                        [field],
                    )
        return None
