from django.utils import timezone

from automations.models import CallbackProfile, CallbackRequest, Trigger
from calls.models import Call
from tests.factories import make_connector


def make_trigger(t):
    return Trigger.objects.create(tenant=t, connector=make_connector(t), name="T")


def make_profile(t):
    return CallbackProfile.objects.create(
        tenant=t, connector=make_connector(t, name=f"cb {t.slug}"), name="P", callback_list="cb"
    )


def make_request(t):
    return CallbackRequest.objects.create(
        tenant=t,
        request_id="r1",
        callback_list="cb",
        phone="+420773794804",
        requested_at=timezone.now(),
    )


CASES = {
    "trigger-detail": lambda t: {"pk": make_trigger(t).pk},
    "callback-profile-detail": lambda t: {"pk": make_profile(t).pk},
    "callback-request-detail": lambda t: {"pk": make_request(t).pk},
    "automations:trigger_edit": lambda t: {"pk": make_trigger(t).pk},
    "automations:profile_edit": lambda t: {"pk": make_profile(t).pk},
    "automations:close_request": lambda t: {"pk": make_request(t).pk},
    "callback-request-close": lambda t: {"pk": make_request(t).pk},
    "automations:delete": lambda t: {"kind": "trigger", "pk": make_trigger(t).pk},
}


def _named_trigger(t) -> list:
    trigger = make_trigger(t)
    trigger.name = f"iso-{t.slug}-trigger"
    trigger.save()
    return [trigger, trigger.name]


def _named_profile(t) -> list:
    profile = make_profile(t)
    profile.name = f"iso-{t.slug}-profile"
    profile.save()
    return [profile, profile.name]


def _named_request(t) -> list:
    request = CallbackRequest.objects.create(
        tenant=t,
        request_id=f"iso-{t.slug}-request",
        callback_list="cb",
        phone="+420773794804",
        requested_at=timezone.now(),
    )
    return [request, request.request_id]


def _index_page(t) -> list:
    return [_named_trigger(t)[1], _named_profile(t)[1], _named_request(t)[1]]


def _connector_choices(t) -> list:
    return [make_connector(t, name=f"iso-{t.slug}-crm").name]  # the form's connector choices


def _recent_calls(t) -> list:
    call = Call.objects.create(tenant=t, call_id="iso", ended=True, queue=f"iso-{t.slug}-queue")
    return [call.queue]  # the option shows the queue


LIST_CASES = {
    "trigger-list": _named_trigger,
    "callback-profile-list": _named_profile,
    "callback-request-list": _named_request,
    "automations:index": _index_page,
    "automations:trigger_new": _connector_choices,
    "automations:profile_new": _connector_choices,
    "automations:dry_run": _recent_calls,  # its pick-a-recent-call list
}
