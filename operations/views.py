"""Operations pages: notification settings (+ send test), retention, erasure (a form, and the
same action from a call's or a contact's page, each with a confirm step)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from calls.models import Call
from connectors.models import ConnectorAuditEntry
from contacts.models import Contact
from operations import erasure, notify
from operations.forms import ErasureForm, NotificationSettingsForm, RetentionSettingsForm
from operations.models import AlertState, Notification, NotificationSettings, RetentionSettings
from tenants.scoping import get_for_tenant, tenant_view


def _settings_row(model, tenant):
    return model.objects.for_tenant(tenant).first() or model(tenant=tenant)


@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def notifications(request):
    config = _settings_row(NotificationSettings, request.tenant)
    form = NotificationSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("operations:notifications")
    context = {
        "form": form,
        "config": config,
        "secret_set": bool(config.pk and config.webhook_secret),
        "recipients": notify.recipients(config),
        "alerts": AlertState.objects.for_tenant(request.tenant)
        .filter(active=True)
        .select_related("connector"),
        "sent": Notification.objects.for_tenant(request.tenant)[:20],
    }
    return render(request, "operations/notifications.html", context)


@tenant_view("admin")
@require_POST
def notifications_test(request):
    config = NotificationSettings.for_tenant(request.tenant)
    for line in notify.send_test(config):
        level = messages.error if "failed" in line else messages.info
        level(request, line)
    return redirect("operations:notifications")


@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def retention(request):
    config = _settings_row(RetentionSettings, request.tenant)
    form = RetentionSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Retention periods saved; the hourly purge applies them.")
        return redirect("operations:retention")
    erasures = ConnectorAuditEntry.objects.for_tenant(request.tenant).filter(action="erasure")
    context = {"form": form, "config": config, "erasures": erasures[:20]}
    return render(request, "operations/retention.html", context)


def _actor(request) -> str:
    return request.user.email or request.user.get_username()


def _confirm_or_erase(request, *, subject, back_url, done_url, **person):
    """GET: what would be erased (the exact counts, from a rolled-back run). POST: erase."""
    if request.method == "POST":
        counts = erasure.erase(request.tenant, actor=_actor(request), **person)
        messages.success(request, "Erased: " + erasure.summary(counts) + ".")
        return redirect(done_url)
    counts = erasure.erase(request.tenant, dry_run=True, **person)
    context = {
        "subject": subject,
        "counts": counts,
        "summary": erasure.summary(counts),
        "back_url": back_url,
    }
    return render(request, "operations/erase_confirm.html", context)


@never_cache
@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def erase(request):
    """The form; its POST shows the confirm step, whose POST (confirm=1) erases."""
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone, email = form.cleaned_data["phone"].strip(), form.cleaned_data["email"].strip()
        if request.POST.get("confirm") == "1":
            counts = erasure.erase(request.tenant, phone=phone, email=email, actor=_actor(request))
            messages.success(request, "Erased: " + erasure.summary(counts) + ".")
            return redirect("operations:retention")
        counts = erasure.erase(request.tenant, phone=phone, email=email, dry_run=True)
        context = {
            "subject": " and ".join(v for v in (phone, email) if v),
            "counts": counts,
            "summary": erasure.summary(counts),
            "phone": phone,
            "email": email,
            "form_action": True,
        }
        return render(request, "operations/erase_confirm.html", context)
    return render(request, "operations/erase.html", {"form": form})


@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def erase_call(request, pk: int):
    call = get_for_tenant(Call, request.tenant, pk=pk)
    phone = call.phone_e164 or call.customer_phone
    if not phone:
        messages.error(request, "This call has no customer number to erase.")
        return redirect("calls:detail", pk=call.pk)
    return _confirm_or_erase(
        request,
        phone=phone,
        subject=f"the caller of call {call.call_id}",
        back_url=reverse("calls:detail", args=[call.pk]),
        done_url="calls:index",
    )


@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def erase_contact(request, pk: int):
    """The contact's numbers and e-mail: the person's calls and callbacks go with them."""
    contact = get_for_tenant(Contact, request.tenant, pk=pk)
    numbers = list(contact.phone_numbers.values_list("raw", flat=True))
    if not numbers and not contact.email:
        messages.error(request, "This contact has no number or e-mail to erase.")
        return redirect("contacts:detail", pk=contact.pk)
    return _confirm_or_erase(
        request,
        more_phones=numbers,
        email=contact.email,
        subject=f"the contact {contact.name}",
        back_url=reverse("contacts:detail", args=[contact.pk]),
        done_url="contacts:index",
    )
