"""The process environment out of each request's WSGI environ.

granian builds every request's environ on a copy of os.environ (a CGI habit; gunicorn does
not), so DATABASE_URL, SECRET_KEY, FIELD_ENCRYPTION_KEYS and the rest would sit in
`request.META` of every request, one error report or debugging aid away from a log. The
wrapper drops the keys the process started with. A process variable named like a CGI or header
key (HTTP_PROXY, SERVER_NAME) is dropped only while it still holds the process's value, since a
request's own header of that name overrides it. About 2 us a request.
"""

import os

_REQUEST_PREFIXES = (
    "HTTP_",
    "SERVER_",
    "REMOTE_",
    "REQUEST_",
    "CONTENT_",
    "PATH_INFO",
    "QUERY_STRING",
    "SCRIPT_NAME",
    "GATEWAY_INTERFACE",
    "wsgi.",
)


def without_process_env(app):
    process_keys = tuple(k for k in os.environ if not k.startswith(_REQUEST_PREFIXES))
    shadowed = tuple((k, v) for k, v in os.environ.items() if k.startswith(_REQUEST_PREFIXES))

    def application(environ, start_response):
        if environ.get("SERVER_SOFTWARE") == "Granian":
            pop = environ.pop
            for key in process_keys:
                pop(key, None)
            for key, value in shadowed:
                if environ.get(key) == value:
                    del environ[key]
        return app(environ, start_response)

    return application
