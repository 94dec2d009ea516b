from automations.models import CallbackProfile, CallbackRequest, Trigger
from tests.factories import make_connector


def make_trigger(t):
    return Trigger.objects.create(tenant=t, connector=make_connector(t), name="T")


def make_profile(t):
    return CallbackProfile.objects.create(
        tenant=t, connector=make_connector(t), name="P", callback_list="cb"
    )


def make_request(t):
    from django.utils import timezone

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
