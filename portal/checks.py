"""System checks (`manage.py check --deploy`, and every start): settings that would make the portal
misbehave quietly."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches)
def shared_cache(app_configs=None, **kwargs):
    """The deliver/fold doorbells are deduplicated, and the API budgets counted, in the cache.

    Local memory is one cache per process: with several web or Celery worker processes a
    doorbell noted in one is never cleared by the other, so a connector's backlog waits for the
    sweeper instead of flowing, and every process counts its own budget. `make run` points
    CACHE_URL at a file cache under PORTAL_LOCAL_DIR; production sets it to Redis.
    """
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith("LocMemCache") and not settings.DEBUG:
        return [
            checks.Warning(
                "CACHE_URL is local memory (one cache per process).",
                hint="Set CACHE_URL=redis://host:6379/1 (docs/deploy.md): the outbox's doorbells "
                "and the API budgets need one cache shared by every web and worker process.",
                id="portal.W001",
            )
        ]
    return []
