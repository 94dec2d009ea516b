"""A WSGI app for tests/security/test_input_logs.py: answers with the environ's keys, through
the wrapper portal/wsgi.py puts around the portal (no Django here: granian imports it alone)."""

import json

from portal.wsgi_env import without_process_env


def _keys(environ, start_response):
    body = json.dumps(sorted(k for k in environ if isinstance(environ[k], str))).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


application = without_process_env(_keys)
