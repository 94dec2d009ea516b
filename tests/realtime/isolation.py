from tests.realtime.helpers import make_pop_rule, make_rule, make_widget_token

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
