"""Local simulators of every CRM and contact-center platform: dev and test only.

One package per CRM / platform with the same core files: `app.py` (the Simulator subclass:
routes, test knobs, `seed_demo`), `data.py` (seed data and demo credentials), then the kind's
own parts (Salesforce: `oauth.py`, `rest.py`, `store.py`, `writes.py`, `soql_engine.py`; ...).
`base.py` is the shared HTTP(S) server, `registry.py` the list `run_simulators` starts.

Product code never imports this package and the wheel does not ship it (pyproject.toml); the
Django app `simulators` (INSTALLED_APPS in dev only, portal/settings.py) holds the dev commands
`run_portal` (`make run`), `run_simulators` and `seed_demo`.
"""
