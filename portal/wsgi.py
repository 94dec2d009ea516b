import os

from django.core.wsgi import get_wsgi_application

from portal.wsgi_env import without_process_env

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = without_process_env(get_wsgi_application())

from portal import startup  # noqa: E402  (settings are configured now)

startup.warm()  # import now what the first requests would import (portal/startup.py)
startup.freeze()  # start-up objects out of the garbage collector's way
