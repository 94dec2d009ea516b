"""The Real-time section: Routing / Screen pop / Widget tabs (admins edit, others read)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from realtime import routing, services
from realtime import widget as widget_tokens
from realtime.api import next_position
from realtime.forms import (
    RoutingRuleForm,
    RoutingTestForm,
    ScreenPopRuleForm,
    ScreenPopTestForm,
    WidgetTokenForm,
)
from realtime.models import RoutingRule, ScreenPopRule, WidgetToken
from realtime.screenpop import RuleError, parse
from tenants import confirm
from tenants.scoping import get_for_tenant, tenant_view
from tenants.unique_fields import save_form

# --- routing -----------------------------------------------------------------------------------


def _routing_page(request, form=None, test_form=None, decision=None, status=200):
    rules = RoutingRule.objects.for_tenant(request.tenant)
    return render(
        request,
        "realtime/routing.html",
        {
            "tab": "routing",
            "rules": rules,
            "form": form or RoutingRuleForm(tenant=request.tenant),
            "test_form": test_form or RoutingTestForm(),
            "decision": decision,
        },
        status=status,
    )


@tenant_view("viewer")
def index(request):
    return _routing_page(request)


@tenant_view("admin")
@require_POST
def routing_rule_add(request):
    form = RoutingRuleForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _routing_page(request, form=form, status=400)
    rule = form.save(commit=False)
    rule.tenant = request.tenant
    if not form.data.get("position"):  # blank: append after the last rule
        rule.position = next_position(request.tenant)
    rule.save()
    messages.success(request, f"Routing rule \u201c{rule.name}\u201d added.")
    return redirect("realtime:index")


@tenant_view("admin")
def routing_rule_edit(request, pk):
    rule = get_for_tenant(RoutingRule, request.tenant, pk=pk)
    form = RoutingRuleForm(request.POST or None, instance=rule, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        rule = form.save(commit=False)
        if not form.data.get("position"):
            rule.position = get_for_tenant(
                RoutingRule, request.tenant, pk=rule.pk
            ).position  # blank: keep
        rule.save()
        messages.success(request, f"Routing rule \u201c{rule.name}\u201d saved.")
        return redirect("realtime:index")
    return render(
        request, "realtime/routing_edit.html", {"tab": "routing", "form": form, "rule": rule}
    )


@tenant_view("admin")
@require_POST
def routing_rule_delete(request, pk):
    rule = get_for_tenant(RoutingRule, request.tenant, pk=pk)
    if page := confirm.ask(
        request, f"Delete the routing rule \u201c{rule.name}\u201d?", action="Delete"
    ):
        return page
    rule.delete()
    messages.success(request, f"Routing rule \u201c{rule.name}\u201d deleted.")
    return redirect("realtime:index")


@tenant_view("admin")
@require_POST
def routing_rule_move(request, pk):
    """Swap with the neighbour above/below; positions are renumbered 1..n on the way."""
    rule = get_for_tenant(RoutingRule, request.tenant, pk=pk)
    with transaction.atomic():
        rules = list(RoutingRule.objects.for_tenant(request.tenant).select_for_update())
        i = next(n for n, r in enumerate(rules) if r.pk == rule.pk)
        j = i - 1 if request.POST.get("direction") == "up" else i + 1
        if 0 <= j < len(rules):
            rules[i], rules[j] = rules[j], rules[i]
        for position, r in enumerate(rules, start=1):
            if r.position != position:
                r.position = position
                r.save(update_fields=["position", "updated_at"])
    routing.invalidate(request.tenant.pk)
    return redirect("realtime:index")


@tenant_view("viewer")
def routing_test(request):
    form = RoutingTestForm(request.POST or request.GET or None)
    decision = None
    if form.is_bound and form.is_valid():
        routing.invalidate(request.tenant.pk)  # the tester always sees the rules as saved
        decision = routing.decide(
            request.tenant, form.cleaned_data["anum"], form.cleaned_data["bnum"], explain=True
        )
    if request.headers.get("HX-Request"):
        return render(
            request, "realtime/_routing_result.html", {"decision": decision, "test_form": form}
        )
    return _routing_page(request, test_form=form, decision=decision)


# --- screen pop ----------------------------------------------------------------------------------


def _screen_pop_page(request, form=None, test_form=None, result=None, status=200):
    rows = []
    for rule in services.sorted_rules(request.tenant):
        try:
            parsed, error = parse(rule.rule), ""
        except RuleError as exc:
            parsed, error = None, str(exc)
        rows.append({"rule": rule, "parsed": parsed, "error": error})
    return render(
        request,
        "realtime/screen_pop.html",
        {
            "tab": "screen_pop",
            "rows": rows,
            "form": form or ScreenPopRuleForm(tenant=request.tenant),
            "test_form": test_form or ScreenPopTestForm(),
            "result": result,
            "dnis_regex": request.tenant.dnis_regex,
        },
        status=status,
    )


@tenant_view("viewer")
def screen_pop(request):
    test_form = ScreenPopTestForm(request.GET) if "direction" in request.GET else None
    result = None
    if test_form is not None and test_form.is_valid():
        result = services.screen_pop(request.tenant, **test_form.cleaned_data)
    return _screen_pop_page(request, test_form=test_form, result=result)


@tenant_view("admin")
@require_POST
def screen_pop_rule_add(request):
    form = ScreenPopRuleForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _screen_pop_page(request, form=form, status=400)
    rule = form.save(commit=False)
    rule.tenant = request.tenant
    if not save_form(form, rule.save):  # the key was taken meanwhile
        return _screen_pop_page(request, form=form, status=400)
    messages.success(request, f"Screen-pop rule {rule.key} added.")
    return redirect("realtime:screen_pop")


@tenant_view("admin")
def screen_pop_rule_edit(request, pk):
    rule = get_for_tenant(ScreenPopRule, request.tenant, pk=pk)
    form = ScreenPopRuleForm(request.POST or None, instance=rule, tenant=request.tenant)
    if request.method == "POST" and form.is_valid() and save_form(form, form.save):
        messages.success(request, f"Screen-pop rule {rule.key} saved.")
        return redirect("realtime:screen_pop")
    return render(
        request, "realtime/screen_pop_edit.html", {"tab": "screen_pop", "form": form, "rule": rule}
    )


@tenant_view("admin")
@require_POST
def screen_pop_rule_delete(request, pk):
    rule = get_for_tenant(ScreenPopRule, request.tenant, pk=pk)
    if page := confirm.ask(request, f"Delete the screen-pop rule {rule.key}?", action="Delete"):
        return page
    rule.delete()
    messages.success(request, f"Screen-pop rule {rule.key} deleted.")
    return redirect("realtime:screen_pop")


# --- widget ----------------------------------------------------------------------------------------


def _widget_page(request, form=None, status=200):
    is_admin = request.membership.has_role("admin")
    tokens = WidgetToken.objects.for_tenant(request.tenant).select_related("created_by")
    rows = [
        {"token": t, "url": widget_tokens.widget_url(t) if is_admin and t.usable else ""}
        for t in tokens
    ]
    return render(
        request,
        "realtime/widget_setup.html",
        {
            "tab": "widget",
            "rows": rows,
            "form": form or WidgetTokenForm(),
            "url_template": widget_tokens.widget_url(),
            "frame_ancestors": request.tenant.frame_ancestors or [],
            "csp": widget_tokens.frame_ancestors_header(request.tenant),
        },
        status=status,
    )


@tenant_view("viewer")
def widget(request):
    return _widget_page(request)


@tenant_view("admin")
@require_POST
def widget_token_add(request):
    form = WidgetTokenForm(request.POST)
    if not form.is_valid():
        return _widget_page(request, form=form, status=400)
    WidgetToken.objects.create(
        tenant=request.tenant,
        name=form.cleaned_data["name"],
        expires_at=form.expires_at(),
        created_by=request.user,
    )
    messages.success(request, "Widget URL created: copy it into the contact center below.")
    return redirect("realtime:widget")


@tenant_view("admin")
@require_POST
def widget_token_revoke(request, pk):
    token = get_for_tenant(WidgetToken, request.tenant, pk=pk)
    if page := confirm.ask(
        request,
        f"Revoke the widget URL \u201c{token.name}\u201d?",
        action="Revoke",
        detail="Agents using it see an error from now on.",
    ):
        return page
    token.revoke()
    messages.success(request, f"Widget URL \u201c{token.name}\u201d revoked: it stops working now.")
    return redirect("realtime:widget")
