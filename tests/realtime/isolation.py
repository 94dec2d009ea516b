from tests.realtime.helpers import make_contact, make_pop_rule, make_rule, make_widget_token

CASES = {
    "routing-rule-detail": lambda t: {"pk": make_rule(t, "owner").pk},
    "screen-pop-rule-detail": lambda t: {"pk": make_pop_rule(t).pk},
    "realtime:routing_rule_edit": lambda t: {"pk": make_rule(t, "owner").pk},
    "realtime:routing_rule_delete": lambda t: {"pk": make_rule(t, "owner").pk},
    "realtime:routing_rule_move": lambda t: {"pk": make_rule(t, "owner").pk},
    "realtime:screen_pop_rule_edit": lambda t: {"pk": make_pop_rule(t).pk},
    "realtime:screen_pop_rule_delete": lambda t: {"pk": make_pop_rule(t).pk},
    "realtime:widget_token_revoke": lambda t: {"pk": make_widget_token(t).pk},
}


def _named_rule(t) -> list:
    rule = make_rule(t, "owner", name=f"iso-{t.slug}-rule")
    return [rule, rule.name]


def _pop_rule(t) -> list:
    rule = make_pop_rule(t, rule=f"queue=iso-{t.slug}-queue=>default")
    return [rule, f"iso-{t.slug}-queue"]


def _widget_tokens(t) -> list:
    return [make_widget_token(t, name=f"iso-{t.slug}-widget").name]


def _activity_widget(t) -> dict:
    contact = make_contact(t, "+420 773 794 804", first_name=f"iso-{t.slug}-first")
    return {"markers": [contact.first_name], "params": {"clid": "+420773794804"}}


LIST_CASES = {
    "routing-rule-list": _named_rule,
    "screen-pop-rule-list": _pop_rule,
    "realtime:index": lambda t: _named_rule(t)[1:],
    "realtime:screen_pop": lambda t: _pop_rule(t)[1:],
    "realtime:widget": _widget_tokens,
    "activity-widget": _activity_widget,  # the contacts matching the caller's number
}

NOT_LISTS = {
    "routing-initial-target": "a lookup, not a list: one routing decision for a call, from the "
    "key's tenant's rules and contacts (tests/realtime/test_routing.py covers other tenants)",
    "screen-pop": "a lookup, not a list: the screen-pop answer for one call, from the key's "
    "tenant (tests/realtime/test_screen_pop.py)",
    "realtime:routing_rule_add": "POST: adds a rule; an invalid form re-renders realtime:index",
    "realtime:routing_test": "a form: one routing decision within the tenant; the page around "
    "it is realtime:index's",
    "realtime:screen_pop_rule_add": "POST: adds a rule; an invalid form re-renders "
    "realtime:screen_pop",
    "realtime:widget_token_add": "POST: adds a widget URL; an invalid form re-renders "
    "realtime:widget",
    "activity-widget-create": "POST: creates the caller in one of the tenant's CRMs (a foreign "
    "connector id is a 404: tests/realtime/test_identity_widget.py) and re-renders the widget",
    "activity-widget-call": "POST: places a call through the signed-in user's own tenant's "
    "platform for its own user mapping (another tenant's user reaches none of this tenant's: "
    "tests/platforms/test_daktela_click_to_call.py) and re-renders the widget",
}
