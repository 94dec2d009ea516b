"""portal.celery.task_named from many threads at once (gthread workers' first requests)."""

import threading

from celery import Task

from portal import celery

NAME = "tests.slow_to_import"


class SlowTask(Task):
    name = NAME

    def run(self):
        return None


def test_concurrent_first_lookups_all_find_the_task(monkeypatch):
    """The import registers the task only after a while (a tasks module half-imported):
    every thread gets the task; exactly one imported, the others waited for it."""
    imports = []

    def slow_import():
        imports.append(1)
        threading.Event().wait(0.05)
        celery.app.tasks.register(SlowTask())

    monkeypatch.setattr(celery.app.loader, "import_default_modules", slow_import)
    found, errors = [], []

    def look():
        try:
            found.append(celery.task_named(NAME))
        except Exception as exc:  # noqa: BLE001 - the failure under test
            errors.append(exc)

    try:
        threads = [threading.Thread(target=look) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        celery.app.tasks.pop(NAME, None)
    assert errors == [] and len(found) == 8 and {t.name for t in found} == {NAME}
    assert len(imports) == 1
