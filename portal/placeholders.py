"""Text templates written by tenants (`Missed call from {caller}`): placeholders only.

`str.format` on tenant text is a hole: a format spec (`{caller:>99999999999}`) allocates
gigabytes or raises, a conversion (`{caller!r}`) or attribute/index access (`{a.__class__}`,
`{a[0]}`) reaches into Python objects. Here a template is parsed with `string.Formatter.parse`
(so `{{` and `}}` stay literal braces) and each `{name}` is replaced by its value as text,
nothing else: specs, conversions, attribute and index access are refused at save time (a 400
or a form error) and at render time (TemplateError, for rows saved before the check), and the
output is cut at `max_length` while it is built.
"""

import string

MAX_OUTPUT = 1000  # characters a rendered template may have unless the caller says less

_parser = string.Formatter()


class TemplateError(ValueError):
    """The template is not usable; the message says why, for the person who wrote it."""


def placeholders(template: str) -> list[str]:
    """The placeholder names of `template`, in order; TemplateError when it is not plain."""
    try:
        parts = list(_parser.parse(template))
    except ValueError as exc:
        raise TemplateError(
            f"Unbalanced braces ({exc}): write placeholders as {{caller}}, braces as {{{{ }}}}."
        ) from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if conversion is not None or spec:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise TemplateError(
                f"{{{shown}}} has a format spec or conversion: write the placeholder alone, "
                f"e.g. {{{name or 'caller'}}}."
            )
        if not name.isidentifier():
            raise TemplateError(
                f"{{{name}}} is not a placeholder name: write the placeholder alone, e.g. "
                "{caller} (no attribute access, index or position)."
            )
        names.append(name)
    return names


def template_problem(template: str, allowed) -> str:
    """'' when `template` uses only plain placeholders from `allowed`, else what is wrong."""
    try:
        names = placeholders(template)
    except TemplateError as exc:
        return str(exc)
    unknown = sorted({n for n in names if n not in allowed})
    if unknown:
        return (
            f"{_unknown(unknown)}; use one of: {', '.join('{' + p + '}' for p in sorted(allowed))}."
        )
    return ""


def _unknown(names: list[str]) -> str:
    plural = "s" if len(names) > 1 else ""
    return f"Unknown placeholder{plural} {', '.join('{' + n + '}' for n in names)}"


def render(template: str, values: dict, max_length: int = MAX_OUTPUT) -> str:
    """`template` with each {name} replaced by str(values[name]) (None as ''), at most
    `max_length` characters. TemplateError for a spec, conversion or unknown name."""
    unknown = sorted({n for n in placeholders(template) if n not in values})
    if unknown:
        raise TemplateError(f"{_unknown(unknown)}.")
    out: list[str] = []
    size = 0
    for literal, name, _spec, _conversion in _parser.parse(template):
        value = values[name] if name is not None else None
        for piece in (literal, "" if value is None else str(value)):
            piece = piece[: max_length - size]
            out.append(piece)
            size += len(piece)
    return "".join(out)
