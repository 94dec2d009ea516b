"""Row counts in the Dynamics simulator, answered the way Dataverse answers them.

https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows
- `$count=true` on a collection adds `@odata.count`: the rows matching `$filter`, whatever the
  page size, but never more than 5,000 (`count_limit`, standard tables).
- `Prefer: odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,
  Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"` (or a `*` pattern covering them) adds
  those two annotations; only they tell "exactly 5,000" from "more". Without `$count=true`
  totalrecordcount is -1.
- Microsoft says not to combine `$top` with `$count`; the simulator then counts at most `$top`
  rows, so a client that does gets a visibly wrong number in tests.

RetrieveTotalRecordCount(EntityNames=['contact',...]) (also with a parameter alias,
`EntityNames=@p1&@p1=[...]`) -> `EntityRecordCountCollection` {Count, IsReadOnly, Keys, Values}.
The real function reads a snapshot taken within the last 24 hours: `record_count_snapshot`
({logical name: n}) stands in for a stale one; by default the live table size is returned.
"""

import re
from urllib.parse import unquote

from simulators.dynamics365.handlers import API, TABLES, odata_error

TOTAL = "Microsoft.Dynamics.CRM.totalrecordcount"
EXCEEDED = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"
COUNT_LIMIT = 5000
_INCLUDE = re.compile(r'odata\.include-annotations=(?:"([^"]*)"|([^,;\s]+))')
_NAME = re.compile(r"'((?:[^']|'')*)'")


def wants(prefer: str, annotation: str) -> bool:
    """Whether a Prefer header's odata.include-annotations asks for this annotation."""
    match = _INCLUDE.search(prefer or "")
    patterns = (match.group(1) or match.group(2) or "").split(",") if match else []
    for pattern in (p.strip() for p in patterns):
        if pattern == "*" or pattern == annotation:
            return True
        if pattern.endswith(".*") and annotation.startswith(pattern[:-1]):
            return True
    return False


class WebApiCounts:
    """Mixed into Dynamics365Simulator; its seed() sets `count_limit` and `record_count_snapshot`."""

    def count_annotations(self, matched: int, query: dict, prefer: str) -> dict:
        """The count annotations of a collection response with `matched` rows after $filter."""
        counting = str(query.get("$count", "")).lower() == "true"
        capped = min(matched, self.count_limit)
        out = {}
        if counting:
            top = int(query["$top"]) if str(query.get("$top", "")).isdigit() else capped
            out["@odata.count"] = min(capped, top)
        if wants(prefer, TOTAL):
            out[f"@{TOTAL}"] = capped if counting else -1
        if wants(prefer, EXCEEDED):
            out[f"@{EXCEEDED}"] = counting and matched > self.count_limit
        return out

    def retrieve_total_record_count(self, request):
        self.check_api(request)
        raw = unquote(request.match["args"]).removeprefix("EntityNames=").strip()
        if raw.startswith("@"):  # parameter alias: EntityNames=@p1&@p1=['contact']
            raw = str(request.query.get(raw, ""))
        names = [n.replace("''", "'") for n in _NAME.findall(raw)]
        sets = {logical: entity_set for entity_set, (logical, _id) in TABLES.items()}
        if not names:
            raise odata_error(400, "0x80040203", "EntityNames must name at least one table.")
        values = []
        for name in names:
            if name not in sets:
                raise odata_error(
                    404, "0x80040217", f"Could not find an entity with name '{name}'."
                )
            snapshot = self.record_count_snapshot or {}
            with self.lock:
                values.append(snapshot.get(name, len(self.tables[sets[name]])))
        return {
            "@odata.context": f"{self.url}{API}/$metadata"
            "#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse",
            "EntityRecordCountCollection": {
                "Count": len(names),
                "IsReadOnly": False,
                "Keys": names,
                "Values": values,
            },
        }
