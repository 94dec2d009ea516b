"""The SOQL / SOSL subset the simulator understands (what our connector and simple-salesforce send).

SOQL:  SELECT f, Rel.f | COUNT() FROM Object [WHERE cond AND cond ...] [ORDER BY f [ASC|DESC], ...] [LIMIT n]
       cond: field (=|!=|<|<=|>|>=) literal | field [NOT] IN (literal, ...) | field LIKE 'x%'
SOSL:  FIND {term [OR term]} IN PHONE|ALL|NAME|EMAIL FIELDS
       RETURNING Object[(f, ... [WHERE cond AND ...] [ORDER BY f] [LIMIT n])], ... [LIMIT n]
Anything else raises SoqlError, which the simulator answers like Salesforce (400 MALFORMED_QUERY).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:\\.|[^'\\])*')
    | (?P<dt>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))
    | (?P<date>\d{4}-\d\d-\d\d)
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


class SoqlError(ValueError):
    pass


@dataclass
class Cond:
    field: str
    op: str
    value: object


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: list[Cond] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None
    count: bool = False  # SELECT COUNT() FROM ...


def unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), body)


def tokenize(text: str) -> list[tuple[str, object]]:
    tokens, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SoqlError(f"unexpected token at: {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        raw = match[kind]
        if kind == "str":
            tokens.append(("lit", unquote(raw)))
        elif kind == "dt":
            tokens.append(("lit", datetime.fromisoformat(raw.replace("Z", "+00:00"))))
        elif kind == "date":
            tokens.append(("lit", date.fromisoformat(raw)))
        elif kind == "num":
            tokens.append(("lit", float(raw) if "." in raw else int(raw)))
        elif kind == "name" and raw.lower() in ("true", "false", "null"):
            tokens.append(("lit", {"true": True, "false": False, "null": None}[raw.lower()]))
        else:
            tokens.append((kind, raw))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, upper: bool = True):
        if self.i >= len(self.tokens):
            return None
        kind, value = self.tokens[self.i]
        return value.upper() if upper and kind == "name" else value

    def take(self):
        if self.i >= len(self.tokens):
            raise SoqlError("unexpected end of query")
        self.i += 1
        return self.tokens[self.i - 1]

    def keyword(self, word: str) -> bool:
        if self.peek() == word:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            raise SoqlError(f"expecting {word}, found {self.peek()!r}")

    def name(self) -> str:
        kind, value = self.take()
        if kind != "name":
            raise SoqlError(f"expecting a field name, found {value!r}")
        return value

    def literal(self):
        kind, value = self.take()
        if kind != "lit":
            raise SoqlError(f"expecting a value, found {value!r}")
        return value

    def cond(self) -> Cond:
        name = self.name()
        if self.keyword("NOT"):
            self.expect("IN")
            return Cond(name, "NOT IN", self.value_list())
        if self.keyword("IN"):
            return Cond(name, "IN", self.value_list())
        if self.keyword("LIKE"):
            return Cond(name, "LIKE", self.literal())
        kind, op = self.take()
        if kind != "op":
            raise SoqlError(f"expecting an operator after {name}")
        return Cond(name, "!=" if op == "<>" else op, self.literal())

    def value_list(self) -> list:
        if self.take() != ("punct", "("):
            raise SoqlError("expecting (")
        values = [self.literal()]
        while self.peek() == ",":
            self.take()
            values.append(self.literal())
        if self.take() != ("punct", ")"):
            raise SoqlError("expecting )")
        return values

    def parse(self) -> Query:
        self.expect("SELECT")
        count = self.peek() == "COUNT" and self.tokens[self.i + 1 : self.i + 2] == [("punct", "(")]
        if count:
            self.i += 2
            if self.take() != ("punct", ")"):
                raise SoqlError("expecting ) after COUNT(")
            fields = []
        else:
            fields = [self.name()]
            while self.peek() == ",":
                self.take()
                fields.append(self.name())
        self.expect("FROM")
        query = Query(fields=fields, sobject=self.name(), count=count)
        if self.keyword("WHERE"):
            query.where.append(self.cond())
            while self.keyword("AND"):
                query.where.append(self.cond())
            if self.peek() == "OR":
                raise SoqlError("OR is not supported by the simulator")
        if self.keyword("ORDER"):
            self.expect("BY")
            while True:
                name = self.name()
                desc = self.keyword("DESC")
                if not desc:
                    self.keyword("ASC")
                if self.keyword("NULLS") and not (self.keyword("FIRST") or self.keyword("LAST")):
                    raise SoqlError("expecting FIRST or LAST")
                query.order.append((name, desc))
                if self.peek() != ",":
                    break
                self.take()
        if self.keyword("LIMIT"):
            query.limit = int(self.literal())
        if self.i != len(self.tokens):
            raise SoqlError(f"unexpected token: {self.peek(False)!r}")
        return query


def parse_soql(text: str) -> Query:
    return _Parser(text).parse()


def _comparable(a, b):
    """Make a stored value and a literal comparable (dates vs datetimes, case of strings)."""
    if isinstance(a, datetime) and isinstance(b, date) and not isinstance(b, datetime):
        b = datetime(b.year, b.month, b.day, tzinfo=UTC)
    if isinstance(a, str) and isinstance(b, str):
        return a.lower(), b.lower()  # SOQL string comparison is case-insensitive
    return a, b


def matches(cond: Cond, value) -> bool:
    if cond.op in ("IN", "NOT IN"):
        found = any(_comparable(value, v)[0] == _comparable(value, v)[1] for v in cond.value)
        return found if cond.op == "IN" else not found
    if cond.op == "LIKE":
        pattern = re.escape(str(cond.value)).replace("%", ".*").replace("_", ".")
        return value is not None and re.fullmatch(pattern, str(value), re.I | re.S) is not None
    a, b = _comparable(value, cond.value)
    if cond.op == "=":
        return a == b
    if cond.op == "!=":
        return a != b
    if a is None or b is None:
        return False
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[cond.op]
    except TypeError:
        raise SoqlError(f"cannot compare {cond.field} with {cond.value!r}") from None


_SOSL = re.compile(
    r"^\s*FIND\s+\{(?P<term>(?:\\.|[^}\\])*)\}\s+IN\s+(?P<scope>\w+)\s+FIELDS\s+"
    r"RETURNING\s+(?P<returning>.+?)\s*(?:\bLIMIT\s+(?P<limit>\d+))?\s*$",
    re.I | re.S,
)
_SPEC = re.compile(r"^\s*(?P<obj>\w+)\s*(?:\((?P<inner>.*)\))?\s*$", re.S)
_CLAUSE = re.compile(r"\s+(?=(?:WHERE|ORDER\s+BY|LIMIT)\b)", re.I)


@dataclass
class Search:
    terms: list[str]
    scope: str
    returning: list[Query]  # one per object: its fields, WHERE, ORDER BY, LIMIT
    limit: int | None


def _split_specs(text: str) -> list[str]:
    """`Contact(Id, Name), Lead(Id WHERE IsConverted = false)` -> one string per object."""
    specs, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            specs.append(text[start:i])
            start = i + 1
    if depth:
        raise SoqlError("unbalanced parentheses in RETURNING")
    return [*specs, text[start:]]


def _returning(spec: str) -> Query:
    match = _SPEC.match(spec)
    if not match:
        raise SoqlError(f"unsupported RETURNING item: {spec.strip()!r}")
    parts = _CLAUSE.split(match["inner"] or "Id", maxsplit=1)
    fields, clauses = parts[0], parts[1] if len(parts) > 1 else ""
    return parse_soql(f"SELECT {fields} FROM {match['obj']} {clauses}")  # noqa: S608 (parsed, not run)


def parse_sosl(text: str) -> Search:
    match = _SOSL.match(text or "")
    if not match:
        raise SoqlError("unsupported SOSL (simulator: FIND {..} IN .. FIELDS RETURNING Obj(..))")
    term = match["term"]
    # " OR " outside escapes separates alternatives; then drop quotes and backslash escapes.
    terms = [re.sub(r"\\(.)", r"\1", t).strip().strip('"') for t in re.split(r"\s+OR\s+", term)]
    returning = [_returning(spec) for spec in _split_specs(match["returning"])]
    limit = int(match["limit"]) if match["limit"] else None
    return Search([t for t in terms if t], match["scope"].upper(), returning, limit)
