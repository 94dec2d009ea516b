"""Tables that must fit their card without scrolling (issue 17's leftovers), for test_layout.py.

A wide table may scroll inside its `.table-wrap` at 390 px, but not these:
- at 1280 px, the tables of FIT_WIDE (the user mappings' action column used to hide there);
- at phone width, every `table.data.stack`: its rows become cards (static/portal.css), so a
  sync state or a reason is never cut off (the call page's sync table was, at 390 px)."""

FIT_WIDE = {
    "contacts:user_mappings": "#user-mappings",
    "calls:detail": "#sync, table.attempts",
    "calls:interaction_detail": "#sync, table.attempts",
    "connectors:index": "table.data",
    "tenants:members": "table.data",
    "realtime:index": "table.data",
}
FIT_PHONE = {  # named too, so that dropping `stack` from their class fails
    "calls:detail": "#sync",
    "calls:interaction_detail": "#sync",
    "contacts:user_mappings": "#user-mappings",
}
PHONE = 720  # static/portal.css: the width below which `.stack` tables stack

MEASURE_FIT = """(selector) => {
  const out = [];
  for (const table of document.querySelectorAll(selector)) {
    const box = table.parentElement.classList.contains('table-wrap') ? table.parentElement : table;
    const card = table.closest('.card') || document.body;
    const right = card.getBoundingClientRect().right;
    const cut = [...table.querySelectorAll('td')].filter(td => {
      const r = td.getBoundingClientRect();
      return r.width && r.right > right + 1;
    });
    if (table.scrollWidth > box.clientWidth + 1 || cut.length)
      out.push((table.id ? '#' + table.id : table.className) + ': ' + table.scrollWidth +
               ' px in ' + box.clientWidth + ' px' +
               (cut.length ? ', cells past the card: ' + cut.length : ''));
  }
  return out;
}"""


def fit_problems(page, name: str, width: int) -> list[str]:
    if width <= PHONE:
        selector = ", ".join(filter(None, ["table.data.stack", FIT_PHONE.get(name)]))
    else:
        selector = FIT_WIDE.get(name)
    if not selector:
        return []
    return [f"{name} @{width}: table scrolls: {p}" for p in page.evaluate(MEASURE_FIT, selector)]
