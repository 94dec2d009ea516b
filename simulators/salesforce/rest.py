"""The Salesforce simulator's REST handlers: limits, query/queryAll, search, describe, sObject
and sObject Collections writes. Mixed into SalesforceSimulator; data lives in sim_store.Store.
"""

from urllib.parse import unquote

from simulators.base import Reply, Request
from simulators.salesforce.soql_engine import SoqlError, parse_soql, parse_sosl
from simulators.salesforce.writes import sf_error

ROLLED_BACK = {
    "success": False,
    "errors": [
        {
            "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "message": "Record rolled back because not all records were valid and the request "
            "was using AllOrNone header",
            "fields": [],
        }
    ],
}


class RestHandlers:
    def versions(self, request: Request):
        return [{"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}]

    def resources(self, request: Request):
        self._auth(request)
        base = request.path.rstrip("/")
        return {
            name: f"{base}/{name}" for name in ("limits", "query", "queryAll", "search", "sobjects")
        }

    def limits(self, request: Request):
        self._auth(request)
        remaining = max(0, self.api_limit - self.api_usage)
        return {"DailyApiRequests": {"Max": self.api_limit, "Remaining": remaining}}

    def _page_size(self, request: Request) -> int:
        options = request.headers.get("Sforce-Query-Options") or ""
        if options.startswith("batchSize="):
            try:
                return max(200, min(2000, int(options.split("=", 1)[1])))
            except ValueError:
                pass
        return self.page_size

    def query(self, request: Request):
        self._auth(request)
        include_deleted = request.match[1] == "queryAll"
        try:
            with self.lock:
                return self.store.query(
                    parse_soql(str(request.query.get("q", ""))),
                    include_deleted,
                    self._page_size(request),
                    request.path.split("/query")[0]
                    + ("/queryAll" if include_deleted else "/query"),
                )
        except SoqlError as exc:
            raise sf_error(400, "MALFORMED_QUERY", str(exc)) from None

    def query_more(self, request: Request):
        self._auth(request)
        with self.lock:
            page = self.store.more(request.match[2], int(request.match[3]))
        if page is None:
            raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return page

    def search(self, request: Request):
        self._auth(request)
        try:
            search = parse_sosl(str(request.query.get("q", "")))
            with self.lock:
                return {"searchRecords": self.store.search(search)}
        except SoqlError as exc:
            raise sf_error(400, "MALFORMED_SEARCH", str(exc)) from None

    def describe(self, request: Request):
        self._auth(request)
        sobject = request.match[1]
        if sobject not in self.store.schema:
            raise sf_error(404, "NOT_FOUND", f"sObject type '{sobject}' is not supported.")
        fields = [dict(f) for f in self.store.schema[sobject]]
        for f in fields:
            f["externalId"] = f["name"] in self.store.external_ids.get(sobject, ())
        return {"name": sobject, "label": sobject, "fields": fields}

    def _object(self, request: Request, group: int = 1) -> str:
        sobject = request.match[group]
        if sobject not in self.store.schema:
            raise sf_error(404, "NOT_FOUND", f"sObject type '{sobject}' is not supported.")
        return sobject

    def _body(self, request: Request) -> dict:
        body = request.json()
        if not isinstance(body, dict):
            raise sf_error(400, "JSON_PARSER_ERROR", "expecting a JSON object")
        return body

    def create(self, request: Request):
        self._auth(request)
        sobject = self._object(request)
        with self.lock:
            result = self.store.write(sobject, self._body(request), None, None, self.record_errors)
        if not result["success"]:
            raise Reply(400, [{"errorCode": e["statusCode"], **e} for e in result["errors"]])
        return 201, {"id": result["id"], "success": True, "errors": []}, {}

    def get_record(self, request: Request):
        self._auth(request)
        with self.lock:
            record = self.store.get(self._object(request), request.match[2])
        if record is None:
            raise sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return record

    def patch_record(self, request: Request):
        self._auth(request)
        sobject = self._object(request)
        with self.lock:
            result = self.store.update(sobject, request.match[2], self._body(request))
        if not result["success"]:
            status = 404 if result["errors"][0]["statusCode"] == "NOT_FOUND" else 400
            raise Reply(status, [{"errorCode": e["statusCode"], **e} for e in result["errors"]])
        return 204, None, {}

    def _check_external(self, sobject: str, field: str) -> None:
        if field not in self.store.external_ids.get(sobject, ()):
            raise sf_error(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field}",
            )

    def _written(self, body, status: int = 200):
        with self.lock:
            if self.fail_after_write > 0:  # the CRM stored it, but the answer is lost
                self.fail_after_write -= 1
                raise sf_error(503, "SERVER_UNAVAILABLE", "Service temporarily unavailable")
        return status, body, {}

    def upsert(self, request: Request):
        self._auth(request)
        sobject = self._object(request)
        field, value = request.match[2], unquote(request.match[3])
        self._check_external(sobject, field)
        with self.lock:
            result = self.store.write(
                sobject, self._body(request), field, value, self.record_errors
            )
        if not result["success"]:
            raise Reply(400, [{"errorCode": e["statusCode"], **e} for e in result["errors"]])
        return self._written(result, 201 if result["created"] else 200)

    def _records(self, request: Request) -> tuple[bool, list[dict]]:
        body = self._body(request)
        records = body.get("records")
        if not isinstance(records, list) or not records:
            raise sf_error(400, "INVALID_FIELD", "records is required")
        if len(records) > 200:
            raise sf_error(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records",
            )
        for record in records:  # unknown fields fail the whole request (JSON deserialisation)
            if not isinstance(record, dict):
                raise sf_error(400, "JSON_PARSER_ERROR", "each record must be a JSON object")
            sobject = (record.get("attributes") or {}).get("type")
            schema = {f["name"].lower() for f in self.store.schema.get(sobject, [])}
            unknown = [k for k in record if k != "attributes" and k.lower() not in schema]
            if schema and unknown:
                raise sf_error(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{unknown[0]}' on sobject of type {sobject}",
                )
        return bool(body.get("allOrNone")), records

    def _write_all(self, all_or_none: bool, records: list[dict], write_one):
        """One result per record; with allOrNone a single failure rolls every record back."""
        with self.lock:
            snapshot = self.store.snapshot() if all_or_none else None
            results = [write_one(r) for r in records]
            if snapshot and not all(r["success"] for r in results):
                self.store.restore(snapshot)
                results = [r if not r["success"] else ROLLED_BACK for r in results]
        return self._written(results)

    def collection_create(self, request: Request):
        self._auth(request)
        all_or_none, records = self._records(request)
        return self._write_all(
            all_or_none,
            records,
            lambda r: self.store.write(
                (r.get("attributes") or {}).get("type", ""), r, None, None, self.record_errors
            ),
        )

    def collection_upsert(self, request: Request):
        self._auth(request)
        sobject, field = self._object(request), request.match[2]
        self._check_external(sobject, field)
        all_or_none, records = self._records(request)
        return self._write_all(
            all_or_none,
            records,
            lambda r: self.store.write(sobject, r, field, r.get(field), self.record_errors),
        )
