"""gunicorn access log without secrets in URLs (issue 11, point 8).

Daktela's events form carries the API key as `?access_token=`, the widget a signed `?token=`,
retailCRM's click-to-call its module `clientId`: gunicorn's default access log wrote them out.
`RedactingLogger` replaces those query values with `[redacted]` in every atom (request line,
query string, referer, headers, environ), and any `Authorization` header value. Used by the
Procfile and deploy/systemd/ccportal-web.service with `--logger-class
portal.accesslog.RedactingLogger`; nginx does the same with a map (deploy/nginx/ccportal.conf).
"""

import re

from gunicorn.glogging import Logger

SECRET_PARAMS = ("access_token", "token", "clientId")
REDACTED = "[redacted]"
_PARAM = re.compile(
    r"(?i)(^|[?&;]|%3F|%26)((?:" + "|".join(SECRET_PARAMS) + r")(?:=|%3D))[^&;#\s\"]*"
)
_SECRET_HEADERS = {"{authorization}i", "{http_authorization}e", "{cookie}i", "{http_cookie}e"}


def redact(text: str) -> str:
    """`text` with the values of SECRET_PARAMS query parameters replaced by [redacted]."""
    return _PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in _SECRET_HEADERS and value:
                atoms[key] = REDACTED
            elif isinstance(value, str) and value:
                atoms[key] = redact(value)
        return atoms
