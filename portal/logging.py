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
"""

import re

import structlog

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


def secret_key(key) -> bool:
    name = str(key).lower().replace("-", "_")
    return name in SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)


def redact_text(text: str) -> str:
    """`text` without Bearer values and secret query parameters."""
    if "=" in text:
        text = redact_query(text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    if "=" in text or ":" in text:
        text = _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


def _clean(value, depth: int = 0):
    if isinstance(value, str):
        return redact_text(value)
    if depth > 5:
        return value
    if isinstance(value, dict):
        return {
            k: REDACTED if secret_key(k) and v else _clean(v, depth + 1) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value]
    return value


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


def renderer(fmt: str):
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=False)


def formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The logging.Formatter of every handler (LOGGING "()" factory): context, redaction,
    then JSON or console text."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return structlog.stdlib.ProcessorFormatter(
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
