"""DRF output without DRF's per-field, per-row overhead, for list endpoints' read serializers.

`Serializer.to_representation` walks a generator over the fields, resolves every source through
`Field.get_attribute` (a loop over `source_attrs`, a callable check, exception mapping) and
converts each value through a method call. On `GET /api/v1/calls/?page_size=500` that was half
of the request's CPU (141 ms, bench/console.py). `FastRepresentation` plans each serializer
once: a field whose source is one plain attribute, without a default, is read with a bound
attribute getter and, for DRF's CharField (and its URL/e-mail forms) and IntegerField, converted
with `str` / `int`, which is what those fields' `to_representation` do. Every other field
(method fields, dotted sources, defaults, choices, dates) goes through DRF's own code, and a
Mapping instance through DRF's whole `to_representation`. The output is DRF's, key for key
(tests/portal/test_fast_serializers.py compares the two on the calls list).
"""

from collections.abc import Mapping
from operator import attrgetter

from rest_framework import fields
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject

_CONVERT = {
    fields.CharField: str,
    fields.URLField: str,
    fields.EmailField: str,
    fields.IntegerField: int,
}


class FastRepresentation:
    """Mix in before the DRF serializer class: `class S(FastRepresentation, Serializer)`."""

    def _representation_plan(self) -> list:
        plan = []
        for field in self._readable_fields:
            attrs = getattr(field, "source_attrs", None)
            simple = (
                attrs
                and len(attrs) == 1
                and field.default is empty
                # related fields read `<fk>_id` without a query: their own get_attribute
                and type(field).get_attribute is fields.Field.get_attribute
            )
            if simple:
                convert = _CONVERT.get(type(field), field.to_representation)
                plan.append((field.field_name, attrgetter(attrs[0]), convert, None))
            else:
                plan.append((field.field_name, None, None, field))
        self.__dict__["_plan"] = plan
        return plan

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan = self.__dict__.get("_plan") or self._representation_plan()
        ret = {}
        for name, get, convert, field in plan:
            if field is None:
                value = get(instance)
                if value is None:
                    ret[name] = None
                    continue
                if not callable(value):  # a method as a source: DRF calls it, below
                    ret[name] = convert(value)
                    continue
                field = self.fields[name]
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret
