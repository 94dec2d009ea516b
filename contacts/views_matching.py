"""The Caller matching page of one connector: its policy and a phone tester that shows how a
number is read in the connector's region and what the lookup finds (the store only, unless
"search the CRM too" is ticked)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from connectors.models import ConnectorAccount
from contacts import phones
from contacts.forms_matching import MatchingPolicyForm, PhoneTestForm
from contacts.lookup import lookup
from contacts.models import MatchingPolicy
from tenants.scoping import get_for_tenant, tenant_view


@tenant_view("viewer")
def matching(request, connector_id):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=connector_id)
    policy = MatchingPolicy.for_connector(account)
    if request.method == "POST":
        if not request.membership.has_role("admin"):
            return render(request, "tenants/forbidden.html", {"required_role": "admin"}, status=403)
        form = MatchingPolicyForm(request.POST, instance=policy, account=account)
        if form.is_valid():
            form.instance.tenant = request.tenant
            form.save()
            messages.success(request, f"Caller matching of {account.name} saved.")
            return redirect("contacts:matching", connector_id=account.pk)
    else:
        form = MatchingPolicyForm(instance=policy, account=account)
    tester = PhoneTestForm(request.GET if "phone" in request.GET else None)
    tested = None
    if tester.is_bound and tester.is_valid():
        number = tester.cleaned_data["phone"]
        # asking the CRM costs its API budget: support and admins only
        live = tester.cleaned_data["live"] and request.membership.has_role("support")
        tested = {
            "check": phones.check(number, policy.region_for(request.tenant)),
            "live": live,
            "matches": lookup(
                request.tenant,
                number,
                connectors=[account],
                live=live,
                fresh=True,
            ),
        }
    return render(
        request,
        "contacts/matching.html",
        {
            "account": account,
            "policy": policy,
            "form": form,
            "tester": tester,
            "tested": tested,
            "tenant_region": request.tenant.default_region,
        },
    )
