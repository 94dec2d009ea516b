"""The explicit registry of contact-center platforms: kind -> (label, dotted path of the class).

Every package has the same file set: client.py (HTTP through portal.http), platform.py (the
Platform class: kind, label, capabilities, guide), adapter.py (the platform's payloads <-> our
plain dicts), forms.py (the account form: token write-only, settings validated); a simulator
under simulators/. Adding a platform: copy the nearest package, add one line here and one
choice to ContactCenterKind (platforms/models.py).
"""

from functools import cache

from django.utils.module_loading import import_string

from platforms.base import CAPABILITY_LABELS

PLATFORMS: dict[str, tuple[str, str]] = {
    "daktela": ("Daktela V6", "platforms.daktela.platform.DaktelaPlatform"),
    "uis": ("UIS (CoMagic)", "platforms.uis.platform.UisPlatform"),
}

KIND_CHOICES = [(kind, label) for kind, (label, _path) in PLATFORMS.items()]


@cache
def platform_class(kind: str):
    try:
        return import_string(PLATFORMS[kind][1])
    except KeyError:
        raise LookupError(f"Unknown contact-center platform kind {kind!r}") from None


def platform_for(account, **kwargs):
    """The Platform (installation) object for one configured contact-center account."""
    return platform_class(account.kind)(account, **kwargs)


def account_form(kind: str):
    """The form class of a kind's account (create and edit pages)."""
    return import_string(platform_class(kind).form_path)


def kinds_with(capability: str) -> list[str]:
    """The platform kinds that declare `capability` (platforms/base.py constants)."""
    return [kind for kind in PLATFORMS if platform_class(kind).can(capability)]


def capability_labels(kind: str) -> list[str]:
    """What a kind can do, as the UI shows it (base.CAPABILITY_LABELS order)."""
    from_cls = platform_class(kind).capabilities
    return [label for cap, label in CAPABILITY_LABELS.items() if cap in from_cls]
