"""SugarCRM writes (mixed into SugarCRMConnector): records created once by our key and updated in
place by PUT, emails / chats / SMS, start-margin duplicates among existing Calls, and Cases
completed after the call.

Sugar has no upsert by external id: each record carries our key (a custom field, or an email's
Message-ID). A key written before is updated with `PUT /<module>/<id>`, by the id we stored
(`crm_record_id`) or else by the id the key lookup finds; everything else is created. All the
PUTs and POSTs of one batch go in one `POST /bulk`, so a batch of wrap-ups with stored ids costs
one request and a first write two (the key lookup, the bulk).
"""

from dataclasses import replace
from datetime import timedelta

from connectors.errors import ConnectorError
from connectors.sugarcrm import records
from connectors.sugarcrm.activities import (
    INTERACTION_KEY_FIELD,
    Write,
    completed_description,
    completion_marker,
    interaction_write,
)
from connectors.sugarcrm.client import error_from
from connectors.sugarcrm.mapping import (
    CALL_KEY_FIELD,
    PARENT_TYPES,
    parse_time,
    phone_variants,
    same_number,
    sugar_time,
)
from connectors.types import (
    INTERACTION_CHANNELS,
    CallLog,
    CrmCall,
    InteractionLog,
    TicketCompletion,
    WriteResult,
)


class SugarWrites:
    """Needs the connector's `_filter`, `_call`, `_pages`, `_phone_filter`, `_bulk_contents`,
    `client`, `call_with_token`, `record_url`, `settings`, `account`, `provider`."""

    # --- upsert by key ---------------------------------------------------------------------

    def _existing(self, module: str, key_field: str, keys: list[str]) -> dict[str, str]:
        data = self._filter(
            module,
            {
                "filter": [{key_field: {"$in": keys}}],
                "max_num": len(keys),
                "fields": f"id,{key_field}",
            },
        )
        return {r[key_field]: r["id"] for r in data.get("records") or [] if r.get(key_field)}

    def _upsert(self, writes: list[Write], second_try: bool = False) -> list[WriteResult]:
        """Update the records written before (PUT), create the rest (POST): one bulk request."""
        groups: dict[tuple[str, str], list[Write]] = {}
        for w in writes:
            if not w.record_id:
                groups.setdefault((w.module, w.key_field), []).append(w)
        found: dict[tuple[str, str], str] = {}
        for (module, key_field), todo in groups.items():
            for value, rid in self._existing(
                module, key_field, [self._key_value(w) for w in todo]
            ).items():
                found[(module, value)] = rid
        writes = [
            replace(w, record_id=found.get((w.module, self._key_value(w)), ""))
            if not w.record_id
            else w
            for w in writes
        ]
        results: dict[str, WriteResult] = {}
        sent = []
        for w in writes:
            if w.record_id and w.update is None:
                results[w.key] = self._done(w, w.record_id, "unchanged")
            else:
                sent.append(w)
        if sent:
            requests = [
                {"url": f"/{w.module}/{w.record_id}", "method": "PUT", "data": w.update}
                if w.record_id
                else {"url": f"/{w.module}", "method": "POST", "data": w.body}
                for w in sent
            ]
            replies = self.call_with_token(lambda t: self.client.bulk(t, requests))
            gone = []
            for w, reply in zip(sent, replies, strict=True):
                if w.record_id and int(reply.get("status") or 0) == 404 and not second_try:
                    gone.append(replace(w, record_id=""))  # deleted in Sugar: write it again
                else:
                    results[w.key] = self._result(w, reply)
            if gone:
                results.update((r.key, r) for r in self._upsert(gone, second_try=True))
        return [results[w.key] for w in writes]

    @staticmethod
    def _key_value(w: Write) -> str:
        return str(w.body.get(w.key_field) or w.key)

    def _done(self, w: Write, crm_id: str, action: str) -> WriteResult:
        return WriteResult(
            key=w.key, crm_id=crm_id, url=self.record_url(w.module, crm_id), action=action
        )

    def _result(self, w: Write, reply: dict) -> WriteResult:
        status = int(reply.get("status") or 0)
        contents = reply.get("contents") or {}
        if 200 <= status < 300 and isinstance(contents, dict) and contents.get("id"):
            return self._done(w, contents["id"], "updated" if w.record_id else "created")
        verb = "updating" if w.record_id else "creating"
        if status >= 500 or status == 0:
            err = ConnectorError(f"SugarCRM {status} {verb} {w.module}", status=status)
        else:
            err = error_from(status, contents)
        return WriteResult(key=w.key, error=err.message, permanent=err.permanent)

    def _create_once(
        self, module: str, key_field: str, records: dict[str, dict]
    ) -> list[WriteResult]:
        """Create each record unless one with its key exists (Cases: a ticket is not redone)."""
        writes = [Write(k, module, key_field, body, None) for k, body in records.items()]
        results = self._upsert(writes)
        for r in results:
            r.action = "created"  # an existing ticket is the one we created before
        return results

    # --- emails, chats, SMS ------------------------------------------------------------------

    def log_interactions(self, items: list[InteractionLog]) -> list[WriteResult]:
        key_field = self.settings.get("interaction_key_field") or INTERACTION_KEY_FIELD
        results: dict[str, WriteResult] = {}
        writes = []
        for item in items:
            if item.channel not in INTERACTION_CHANNELS:
                results[item.key] = WriteResult(
                    key=item.key, error=f"SugarCRM cannot hold {item.channel!r}", permanent=True
                )
            else:
                writes.append(interaction_write(item, key_field))
        if writes:
            results.update((r.key, r) for r in self._upsert(writes))
        return [results[i.key] for i in items]

    # --- start-margin duplicates ---------------------------------------------------------------

    def find_calls(self, calls: list[CallLog], margin_seconds: int) -> dict[str, CrmCall]:
        """Calls have no phone field: the customer is the Call's parent. Parents are the matched
        record (contact_crm_id) or, without one, every record with the number (one /bulk); then
        one Calls filter over those parents and the batch's time window (+- the margin).
        Calls carrying a portal key (the key field set) are ours, never a duplicate: the portal
        checks its own calls itself; planned calls (callbacks) are not logged calls."""
        calls = [c for c in calls if c.contact_crm_id or c.phone]
        if not calls or margin_seconds < 0:
            return {}
        parents: dict[str, set[tuple[str, str]]] = {}
        unmatched = list(dict.fromkeys(c.phone for c in calls if not c.contact_crm_id))
        by_phone = self._parents_by_phone(unmatched) if unmatched else {}
        for c in calls:
            if c.contact_crm_id:
                parents[c.key] = {(self._parent_type(c.contact_type), c.contact_crm_id)}
            else:
                parents[c.key] = by_phone.get(c.phone, set())
        ids = sorted({pid for ps in parents.values() for _t, pid in ps})
        if not ids:
            return {}
        margin = timedelta(seconds=margin_seconds)
        key_field = self.settings.get("call_key_field") or CALL_KEY_FIELD
        filters = [
            {"parent_id": {"$in": ids}},
            {"date_start": {"$gte": sugar_time(min(c.started_at for c in calls) - margin)}},
            {"date_start": {"$lte": sugar_time(max(c.started_at for c in calls) + margin)}},
            {"status": {"$not_equals": "Planned"}},  # a scheduled callback is not a logged call
        ]
        fields = ["name", "date_start", "parent_type", "parent_id", key_field]
        existing = [r for page in self._pages("Calls", filters, fields) for r in page]
        found = {}
        for c in calls:
            best = None
            for r in existing:
                start = parse_time(r.get("date_start"))
                if (r.get("parent_type"), r.get("parent_id")) not in parents[c.key] or not start:
                    continue
                if r.get(key_field) or abs(start - c.started_at) > margin:
                    continue  # a Call with our key field set is ours (this key or another)
                if best is None or abs(start - c.started_at) < abs(best[0] - c.started_at):
                    best = (start, r)
            if best:
                start, r = best
                found[c.key] = CrmCall(
                    crm_id=r["id"],
                    phone=c.phone,
                    started_at=start,
                    subject=r.get("name") or "",
                    url=self.record_url("Calls", r["id"]),
                )
        return found

    @staticmethod
    def _parent_type(record_type: str) -> str:
        return PARENT_TYPES.get(record_type, "Contacts")

    def _parents_by_phone(self, phones: list[str]) -> dict[str, set[tuple[str, str]]]:
        """The records with each number: one /bulk with a phone filter per (number, type)."""
        region = getattr(self.account.tenant, "default_region", "") or "CZ"
        searches = []
        for phone in phones:
            if variants := phone_variants(phone, region):
                for t in self.provider.record_types:
                    searches.append((phone, t, self._phone_filter(t, phone, variants)))
        if not searches:
            return {}
        requests = [
            {"url": f"/{records.module(t)}/filter", "method": "POST", "data": body}
            for _p, t, body in searches
        ]
        replies = self.call_with_token(lambda tok: self.client.bulk(tok, requests))
        found: dict[str, set[tuple[str, str]]] = {}
        for (phone, t, _body), reply in zip(searches, replies, strict=True):
            for r in self._bulk_contents(reply).get("records") or []:
                hit = records.from_record(t, r)
                if any(same_number(phone, p, region) for p in hit.phones):
                    found.setdefault(phone, set()).add((self._parent_type(t), hit.crm_id))
        return found

    # --- tickets completed after the call --------------------------------------------------------

    def complete_ticket(self, completion: TicketCompletion) -> WriteResult:
        """Append the call's outcome and summary to the Case's description (PUT), once."""
        path = f"/Cases/{completion.crm_id}"
        url = self.record_url("Cases", completion.crm_id)
        try:
            case = self._call("GET", path, params={"fields": "id,description"})
            current = case.get("description") or ""
            if completion_marker(completion) in current:
                return WriteResult(
                    key=completion.key, crm_id=completion.crm_id, url=url, action="unchanged"
                )
            body = {"description": completed_description(current, completion)}
            self._call("PUT", path, json_body=body)
        except ConnectorError as exc:
            return WriteResult(key=completion.key, error=exc.message, permanent=exc.permanent)
        return WriteResult(key=completion.key, crm_id=completion.crm_id, url=url, action="updated")
