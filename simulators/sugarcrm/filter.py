"""Sugar's filter language, enough of it for the simulator.

`filter` is a list of conditions (all must hold); a condition is `{"$or": [...]}`,
`{"$and": [...]}`, `{field: value}` (equals) or `{field: {"$op": value}}`.
Sugar Developer Guide, REST API, endpoint "<module>/filter" (https://support.sugarcrm.com/documentation/sugar_developer/)
"""

from datetime import datetime


def _text(value) -> str:
    """Values compare as Sugar's SQL does: booleans are 1/0 (`converted` = 0 and = false match)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if value in ("true", "false"):
        return "1" if value == "true" else "0"
    return "" if value is None else str(value)


def _order(v, x) -> tuple:
    """Datetimes compare as instants (Sugar answers in the user's offset), the rest as text."""
    try:
        a = datetime.fromisoformat(str(v).replace("Z", "+00:00"))
        b = datetime.fromisoformat(str(x).replace("Z", "+00:00"))
        if a.tzinfo and b.tzinfo:
            return a, b
    except ValueError:
        pass
    return _text(v), _text(x)


def _cmp(v, x, test) -> bool:
    return v is not None and test(*_order(v, x))


OPS = {
    "$equals": lambda v, x: _text(v) == _text(x),
    "$not_equals": lambda v, x: _text(v) != _text(x),
    "$gt": lambda v, x: _cmp(v, x, lambda a, b: a > b),
    "$gte": lambda v, x: _cmp(v, x, lambda a, b: a >= b),
    "$lt": lambda v, x: _cmp(v, x, lambda a, b: a < b),
    "$lte": lambda v, x: _cmp(v, x, lambda a, b: a <= b),
    "$in": lambda v, x: _text(v) in {_text(i) for i in x or []},
    "$not_in": lambda v, x: _text(v) not in {_text(i) for i in x or []},
    "$contains": lambda v, x: bool(x) and _text(x).lower() in _text(v).lower(),
    "$starts": lambda v, x: _text(v).lower().startswith(_text(x).lower()),
    "$ends": lambda v, x: bool(v) and _text(v).lower().endswith(_text(x).lower()),
    "$empty": lambda v, x: not v,
    "$not_empty": lambda v, x: bool(v),
}


def matches(record: dict, filters, known: set[str]) -> bool:
    """True when `record` satisfies every condition; KeyError(field) for an unknown field."""
    if isinstance(filters, dict):
        filters = [filters]
    return all(_condition(record, c, known) for c in filters or [])


def _condition(record: dict, condition: dict, known: set[str]) -> bool:
    if not isinstance(condition, dict):
        raise KeyError(str(condition))
    for key, value in condition.items():
        if key == "$or":
            if not any(matches(record, [c], known) for c in value or []):
                return False
        elif key == "$and":
            if not matches(record, value or [], known):
                return False
        else:
            if key not in known:
                raise KeyError(key)
            ops = value if isinstance(value, dict) else {"$equals": value}
            for op, arg in ops.items():
                if op not in OPS:
                    raise KeyError(op)
                if not OPS[op](record.get(key), arg):
                    return False
    return True


def check_fields(filters, known: set[str]) -> None:
    """KeyError(field) for the first unknown field or operator (Sugar answers 422)."""
    for condition in [filters] if isinstance(filters, dict) else filters or []:
        if not isinstance(condition, dict):
            raise KeyError(str(condition))
        for key, value in condition.items():
            if key in ("$or", "$and"):
                check_fields(value, known)
            elif key not in known:
                raise KeyError(key)
            elif isinstance(value, dict) and (bad := set(value) - set(OPS)):
                raise KeyError(sorted(bad)[0])
