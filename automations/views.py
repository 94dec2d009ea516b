from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from automations import callbacks, services, triggers
from automations.forms import CallbackProfileForm, TriggerForm, load_queues
from automations.models import CallbackProfile, CallbackRequest, Trigger
from connectors.models import ConnectorAccount, ConnectorStatus
from portal import parsers  # bounded JSON: deep nesting is an error, not a 500
from tenants import confirm
from tenants.scoping import get_for_tenant, tenant_view
from tenants.unique_fields import save_form


@tenant_view("viewer")
def index(request):
    tenant = request.tenant
    profiles = list(CallbackProfile.objects.for_tenant(tenant).select_related("connector"))
    names = queue_names({p.connector for p in profiles if p.crm_queue_id})
    for p in profiles:  # the CRM queue's name where the CRM tells it, else its id
        p.crm_queue_name = names.get((p.connector_id, p.crm_queue_id), "")
    return render(
        request,
        "automations/index.html",
        {
            "triggers": Trigger.objects.for_tenant(tenant).select_related("connector"),
            "profiles": profiles,
            "requests": CallbackRequest.objects.for_tenant(tenant).select_related(
                "profile", "bundled_with"
            )[:50],
            "has_connectors": ConnectorAccount.objects.for_tenant(tenant).exists(),
        },
    )


def queue_names(connectors) -> dict[tuple[int, str], str]:
    """{(connector id, CRM queue id): name} from the CRMs' queue lists (cached briefly by
    services.crm_queues); an account that is not authorized or cannot tell adds nothing."""
    names = {}
    for connector in connectors:
        if connector.status != ConnectorStatus.AUTHORIZED:
            continue
        queues, _error = load_queues(connector)
        names.update({(connector.pk, q.crm_id): q.name for q in queues})
    return names


def _edit(request, form_class, instance, template, extra_form_kwargs=None):
    form_kwargs = {"tenant": request.tenant, "instance": instance, **(extra_form_kwargs or {})}
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            obj = form.save(commit=False)
            obj.tenant = request.tenant
            if save_form(form, obj.save):  # False: a unique name was taken meanwhile
                messages.success(request, f"Saved {obj}.")
                return redirect("automations:index")
    else:
        form = form_class(**form_kwargs)
    return render(request, template, {"form": form, "object": instance if instance.pk else None})


@tenant_view("admin")
def trigger_edit(request, pk=None):
    trigger = (
        get_for_tenant(Trigger, request.tenant, pk=pk) if pk else Trigger(tenant=request.tenant)
    )
    return _edit(request, TriggerForm, trigger, "automations/trigger_form.html")


@tenant_view("admin")
def profile_edit(request, pk=None):
    profile = (
        get_for_tenant(CallbackProfile, request.tenant, pk=pk)
        if pk
        else CallbackProfile(tenant=request.tenant)
    )
    connector_id = (
        request.POST.get("connector") or request.GET.get("connector") or profile.connector_id
    )
    connector = (
        ConnectorAccount.objects.for_tenant(request.tenant).filter(pk=connector_id).first()
        if str(connector_id or "").isdigit()
        else None
    )
    queues, error = load_queues(connector)
    initial = {"connector": connector} if connector and not profile.pk else {}
    return _edit(
        request,
        CallbackProfileForm,
        profile,
        "automations/profile_form.html",
        {"queues": queues, "queue_error": error, "initial": initial},
    )


@tenant_view("admin")
@require_POST
def delete(request, kind, pk):
    model = {"trigger": Trigger, "profile": CallbackProfile}.get(kind)
    if model is None:
        raise Http404("Unknown kind")  # was a KeyError: a 500
    obj = get_for_tenant(model, request.tenant, pk=pk)
    if page := confirm.ask(request, f"Delete {obj}?", action="Delete"):
        return page
    obj.delete()
    messages.success(request, f"Deleted {obj}.")
    return redirect("automations:index")


@tenant_view("support")
@require_POST
def close_request(request, pk):
    callback = get_for_tenant(CallbackRequest, request.tenant, pk=pk)
    if callback.is_open:
        callback.close()
        messages.success(request, f"Callback request {callback.request_id} closed.")
    else:
        messages.info(
            request, f"Callback request {callback.request_id} was already {callback.state}."
        )
    return redirect("automations:index")


@tenant_view("viewer")
def dry_run(request):
    """Paste (or pick) a call or a callback request and see what the rules would do."""
    tenant = request.tenant
    result = error = None
    kind = request.POST.get("kind") or request.GET.get("kind") or "call"
    text = request.POST.get("payload", "")
    call_id = request.POST.get("call") or request.GET.get("call")
    example = callbacks.EXAMPLE_CALLBACK if kind == "callback" else triggers.EXAMPLE_CALL
    if request.method == "POST" and not text.strip() and not (kind != "callback" and call_id):
        # An empty box is not "an empty call": say what to do instead of evaluating {}.
        what = "a callback request" if kind == "callback" else "a call, or pick a recent call"
        error = f"Nothing to dry-run: paste {what}. The example is back in the box."
        text = example
    elif request.method == "POST" or call_id:
        try:
            if kind == "callback":
                result = callbacks.dry_run_callback(tenant, parsers.loads(text))
            elif call_id:  # a picked call wins over the box (which starts with the example)
                result = triggers.dry_run_call(tenant, triggers.stored_call(tenant, call_id))
            else:
                result = triggers.dry_run_call(tenant, triggers.call_from_json(parsers.loads(text)))
        except (ValueError, services.DryRunError) as exc:
            error = str(exc)
    elif not text:
        text = example  # a real example to run or edit, not a placeholder that runs as {}
    return render(
        request,
        "automations/dry_run.html",
        {
            "kind": kind,
            "payload": text,
            "result": result,
            "error": error,
            "recent_calls": triggers.recent_calls(tenant),
            "example": example,
        },
    )
