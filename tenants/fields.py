"""Encrypted model field: secrets at rest with cryptography's MultiFernet.

* Keys come from settings.FIELD_ENCRYPTION_KEYS, newest first; the first encrypts, all decrypt,
  so keys rotate (`manage.py rotate_encryption_keys` re-encrypts every row with the newest).
* Fernet has no associated data, so the plaintext carries its context (tenant id, model, field)
  and decryption checks it: a ciphertext copied into another tenant's row or another field
  raises instead of decrypting.
* A wrong key raises DecryptionError; ciphertext is never handed back as if it were the value.

The column holds the Fernet token. The attribute on the instance holds the decrypted value
(any JSON-serialisable value), decrypted lazily on first access.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionError(Exception):
    """The stored secret cannot be read: wrong key, or it belongs to another row/field."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise DecryptionError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class Ciphertext(str):
    """A token as read from the database (not yet decrypted)."""


def _context(instance, field) -> str:
    tenant_id = getattr(instance, field.tenant_attname, None)
    return f"{tenant_id}:{instance._meta.label_lower}:{field.name}"


def encrypt(value, context: str) -> str:
    payload = json.dumps({"c": context, "v": value}, separators=(",", ":"))
    return fernet().encrypt(payload.encode()).decode()


def decrypt(token: str, context: str):
    try:
        payload = json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise DecryptionError("cannot decrypt secret: wrong FIELD_ENCRYPTION_KEYS?") from exc
    if payload.get("c") != context:
        raise DecryptionError("secret belongs to another tenant, record or field")
    return payload["v"]


class _State:
    """Kept in instance.__dict__[attname] so Django sees the field as loaded (not deferred)."""

    __slots__ = ("cipher", "value")

    def __init__(self, value, cipher: bool):
        self.value, self.cipher = value, cipher


class _Descriptor:
    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        name = self.field.attname
        if name not in instance.__dict__:
            if instance.pk is None:
                return self.field.get_default()
            instance.refresh_from_db(fields=[name])  # deferred field
        state = instance.__dict__[name]
        if state.cipher:
            state.value = decrypt(state.value, _context(instance, self.field))
            state.cipher = False
        return state.value

    def __set__(self, instance, value):
        cipher = isinstance(value, Ciphertext)
        instance.__dict__[self.field.attname] = _State(str(value) if cipher else value, cipher)


class EncryptedJSONField(models.TextField):
    """Stores any JSON value encrypted. `tenant_attname` names the row's tenant id attribute."""

    def __init__(self, *args, tenant_attname: str = "tenant_id", **kwargs):
        self.tenant_attname = tenant_attname
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.tenant_attname != "tenant_id":
            kwargs["tenant_attname"] = self.tenant_attname
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _Descriptor(self))

    def from_db_value(self, value, expression, connection):
        return None if value is None else Ciphertext(value)

    def pre_save(self, model_instance, add):
        state = model_instance.__dict__.get(self.attname)
        if state is None:
            value = self.get_default()
        elif state.cipher:
            return state.value  # never decrypted, so unchanged: keep the stored token
        else:
            value = state.value
        if value is None:
            return None
        if getattr(model_instance, self.tenant_attname, None) is None:
            raise ValueError(f"{model_instance._meta.label}.{self.name}: set the tenant first")
        return encrypt(value, _context(model_instance, self))

    def get_prep_value(self, value):
        return value  # pre_save already produced the token

    def value_to_string(self, obj):
        return ""  # never serialise secrets (dumpdata, admin history)


def encrypted_fields():
    """Every (model, field) pair using EncryptedJSONField, for key rotation."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                yield model, field
