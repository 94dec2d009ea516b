"""Structured logs (structlog): one JSON object per line in production, readable text locally.

Every log line, structlog's and the stdlib `logging` calls alike (structlog's ProcessorFormatter
formats both), carries the context bound for the current request or task (portal.logcontext:
request_id, tenant, connector_id, connector_kind, call and event ids), then passes ONE
redaction processor (`redact`) before it is rendered, so a secret never reaches a log file:
values under secret-looking keys, `Bearer <...>` inside any string, and the secret query
parameters of portal.accesslog (`?access_token=`, `?token=`, `?clientId=`).

LOG_FORMAT (env): "json" (default when DEBUG is off) or "console" (default with DEBUG).
Settings call `logging_config()` for LOGGING and `configure_structlog()` once; this module
imports no Django model, so settings.py may import it.

Cost (one line per request; bench/observability_micro.py): the redaction walk skips what
cannot hold a secret (numbers, None, strings with none of "=", ":" or "bearer", a key's
secret-or-not answer is remembered); JSON is rendered by orjson when it is installed (a
pyproject dependency; json.dumps otherwise, and for what orjson refuses); stdlib logging's
caller lookup (`logging._srcfile`, a frame walk per record, the documented switch) is off:
no renderer prints file or line.
"""

import json
import logging
import re

import structlog

try:
    import orjson
except ImportError:  # pragma: no cover - a dependency; the stdlib encoder still works
    orjson = None

from portal.accesslog import REDACTED
from portal.accesslog import redact as redact_query

FORMATS = ("json", "console")
# Keys whose values are secrets (compared lower-case, "-" as "_"); a key ending in "_<name>"
# (refresh_token, x_api_key, webhook_secret) is one too.
SECRET_KEYS = (
    "password",
    "token",
    "secret",
    "api_key",
    "authorization",
    "access_token",
    "client_secret",
)
_SECRET_SUFFIXES = tuple(f"_{name}" for name in SECRET_KEYS)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+|%20|\+)[^\s\"',;&]+")
# `password=...`, `"client_secret": "..."`, `api_key: ...` inside free text (messages, errors).
_ASSIGNED = re.compile(
    r"(?i)\b(\w*(?:" + "|".join(SECRET_KEYS) + r"))([\"']?\s*[=:]\s*[\"']?)(?!\[redacted\])"
    r"(?!bearer\b)([^\s\"'&,;}]+)"
)


_SECRET_KEY_CACHE: dict = {}
_CACHE_MAX = 4096  # log keys are names in the code; a guard against keys made from data


def secret_key(key) -> bool:
    known = _SECRET_KEY_CACHE.get(key)
    if known is not None:
        return known
    name = str(key).lower().replace("-", "_")
    found = name in SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)
    if len(_SECRET_KEY_CACHE) < _CACHE_MAX and isinstance(key, str):
        _SECRET_KEY_CACHE[key] = found
    return found


def redact_text(text: str) -> str:
    """`text` without Bearer values and secret query parameters."""
    if "=" in text:
        text = redact_query(text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    if "=" in text or ":" in text:
        text = _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


_PLAIN = (int, float, bool, type(None))  # cannot hold a secret


def _clean_text(text: str) -> str:
    # Each rule of redact_text needs one of these; most values (paths, ids, names) have none.
    if "=" in text or ":" in text or "earer" in text or "EARER" in text:
        return redact_text(text)
    return text


def _clean(value, depth: int = 0):
    kind = type(value)
    if kind is str:
        return _clean_text(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if depth > 5:
        return value
    if isinstance(value, dict):
        return _clean_dict(value, depth)
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value]
    return value


def _clean_dict(value: dict, depth: int) -> dict:
    out = {}
    for k, v in value.items():
        kind = type(v)
        if v and secret_key(k):
            out[k] = REDACTED
        elif kind is str:
            out[k] = _clean_text(v)
        elif kind in _PLAIN:
            out[k] = v
        else:
            out[k] = _clean(v, depth + 1)
    return out


def redact(_logger, _method, event_dict: dict) -> dict:
    """The redaction processor: the last step before rendering, for every log line."""
    return _clean(event_dict)


# Processors that run for structlog's own calls and for stdlib records (foreign_pre_chain).
_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _fallback(obj):
    try:
        return obj.__structlog__()
    except AttributeError:
        return repr(obj)


def _dumps(event_dict: dict, **_kwargs) -> str:
    """One JSON object: orjson (several times faster), json.dumps for what orjson refuses
    (an int beyond 64 bits, a non-string key it cannot coerce)."""
    if orjson is not None:
        try:
            return orjson.dumps(
                event_dict, default=_fallback, option=orjson.OPT_NON_STR_KEYS
            ).decode()
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(event_dict, default=_fallback)


def renderer(fmt: str):
    if fmt == "json":
        return structlog.processors.JSONRenderer(serializer=_dumps)
    return structlog.dev.ConsoleRenderer(colors=False)


class StructuredFormatter(structlog.stdlib.ProcessorFormatter):
    """structlog's ProcessorFormatter, without its copy of every record made by structlog.

    The library copies each LogRecord (logging.makeLogRecord: a LogRecord built and filled
    again) so that it may write the rendered text into the copy; for a structlog record the
    text is the last processor's result and nothing is written into the record, so the copy
    (a fifth of a request line's cost) is skipped and the original left untouched. Records
    from stdlib `logging` calls (foreign_pre_chain, exc_info, stack_info) take the library's
    own path unchanged.
    """

    def format(self, record: logging.LogRecord) -> str:
        name = getattr(record, "_name", None)
        event = record.msg
        if (
            name is None
            or not isinstance(event, dict)
            or not hasattr(record, "_logger")
            or record.exc_info
            or record.stack_info
        ):
            return super().format(record)
        logger = self.logger if self.logger is not None else record._logger
        ed = {**event, "_record": record, "_from_structlog": True}
        for processor in self.processors:
            ed = processor(logger, name, ed)
        return ed if isinstance(ed, str) else str(ed)


def formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The logging.Formatter of every handler (LOGGING "()" factory): context, redaction,
    then JSON or console text."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return StructuredFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],  # log.info(extra=)
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer(fmt),
        ],
    )


def logging_config(fmt: str, level: str) -> dict:
    """settings.LOGGING: one stream handler on the root logger, formatted by `formatter`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "portal.logging.formatter", "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Celery says "received" and "succeeded" for every task, and beat "sending" for
            # every tick (a sweep every 5 s): at INFO that buries the portal's own lines. Our
            # tasks log what they did themselves; LOG_LEVEL=DEBUG shows Celery's lines again.
            **{
                name: {"level": "DEBUG" if level == "DEBUG" else "WARNING"}
                for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
            },
        },
    }


def configure_structlog() -> None:
    """structlog's loggers hand their events to stdlib logging (its levels and handlers)."""
    logging._srcfile = None  # no caller lookup per record (see the docstring)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
