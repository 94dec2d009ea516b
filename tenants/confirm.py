"""A confirm step for destructive POSTs that works with and without JavaScript.

A button form carries `data-confirm="Disconnect Sales org?"`: static/portal.js asks with the
browser's dialog and, on OK, adds `confirmed=yes` to the POST. Without JavaScript (or from a
plain POST) the view answers the confirm page instead, which repeats the POST with
`confirmed=yes`. In a view, after the object is fetched (a foreign id stays a 404):

    if page := confirm.ask(request, f"Disconnect {account.name}?", action="Disconnect"):
        return page
"""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

FIELD = "confirmed"


def confirmed(request) -> bool:
    return request.POST.get(FIELD) == "yes"


def ask(request, question: str, *, action: str, detail: str = "", cancel_url: str = ""):
    """None when the POST is confirmed, else the confirm page (200) that re-posts it."""
    if confirmed(request):
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", FIELD)
        for value in values
    ]
    back = request.POST.get("next") or request.META.get("HTTP_REFERER") or cancel_url or "/"
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = cancel_url or "/"
    context = {
        "question": question,
        "detail": detail,
        "action_label": action,
        "fields": fields,
        "cancel_url": back,
    }
    return render(request, "includes/confirm.html", context)
