"""The OData query subset the Dynamics simulator understands: $filter, $select, $orderby.

$filter: `and`, `or`, `not`, parentheses, `eq ne gt ge lt le` against string / number / bool /
null / datetime literals, and `contains|startswith|endswith(field,'text')`. Unknown columns raise
ODataError like Dataverse's "Could not find a property named ..." (HTTP 400).
"""

import re
from datetime import datetime

_TOKEN = re.compile(r"\s*(\(|\)|,|'(?:[^']|'')*'|[^\s(),']+)")
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT")
_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
}
_FUNCTIONS = {
    "contains": lambda a, b: a is not None and b.lower() in str(a).lower(),
    "startswith": lambda a, b: a is not None and str(a).lower().startswith(b.lower()),
    "endswith": lambda a, b: a is not None and str(a).lower().endswith(b.lower()),
}


class ODataError(ValueError):
    pass


def _datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _literal(token: str):
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    if token in ("true", "false"):
        return token == "true"
    if token == "null":
        return None
    if _DATETIME.match(token):
        return _datetime(token)
    try:
        return float(token) if "." in token else int(token)
    except ValueError:
        return token  # a GUID


def _value(row: dict, column: str, like):
    value = row.get(column)
    if isinstance(like, datetime) and isinstance(value, str):
        return _datetime(value)
    return value


class FilterParser:
    def __init__(self, text: str, columns: set[str], entity: str):
        self.tokens = _TOKEN.findall(text or "")
        self.pos, self.columns, self.entity = 0, columns, entity

    def parse(self):
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise ODataError(f"Syntax error at '{self.tokens[self.pos]}' in $filter.")
        return predicate

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if token is None or (expected and token != expected):
            raise ODataError(f"Syntax error in $filter: expected {expected or 'more'}.")
        self.pos += 1
        return token

    def _or(self):
        parts = [self._and()]
        while self._peek() == "or":
            self._take()
            parts.append(self._and())
        return lambda row: any(p(row) for p in parts)

    def _and(self):
        parts = [self._unary()]
        while self._peek() == "and":
            self._take()
            parts.append(self._unary())
        return lambda row: all(p(row) for p in parts)

    def _unary(self):
        if self._peek() == "not":
            self._take()
            inner = self._unary()
            return lambda row: not inner(row)
        if self._peek() == "(":
            self._take("(")
            inner = self._or()
            self._take(")")
            return inner
        token = self._take()
        if token in _FUNCTIONS:
            self._take("(")
            column = self._column(self._take())
            self._take(",")
            text = _literal(self._take())
            self._take(")")
            fn = _FUNCTIONS[token]
            return lambda row: fn(row.get(column), str(text))
        column = self._column(token)
        op = self._take()
        if op not in _COMPARE:
            raise ODataError(f"Unsupported operator '{op}' in $filter.")
        literal = _literal(self._take())
        compare = _COMPARE[op]
        return lambda row: compare(_value(row, column, literal), literal)

    def _column(self, name: str) -> str:
        if name not in self.columns:
            raise ODataError(
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.Dynamics.CRM.{self.entity}'."
            )
        return name


def select(row: dict, fields: list[str], always: str) -> dict:
    if not fields:
        return dict(row)
    out = {name: row.get(name) for name in fields}
    out[always] = row[always]
    for key, value in row.items():  # keep annotations of selected lookups
        if "@" in key and key.split("@")[0] in fields:
            out[key] = value
    return out


def order(rows: list[dict], orderby: str) -> list[dict]:
    for clause in reversed([c.strip() for c in (orderby or "").split(",") if c.strip()]):
        column, _, direction = clause.partition(" ")
        rows = sorted(
            rows,
            key=lambda r, c=column: (r.get(c) is None, str(r.get(c) or "")),
            reverse=direction.strip() == "desc",
        )
    return rows
