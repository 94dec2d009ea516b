"""A one-word search on the contacts list, read the way its rows lie in the indexes.

The search (ContactQuerySet.search) matches a word at the start of the last name or anywhere
in the rest of the text (first name, last name from its second letter, email, account). The
planner cannot tell a common surname from a rare one (LIKE is guessed), and the trigram index
finds every match unsorted: "Novak3" at 2,000,000 contacts fetched 56,000 rows from the table
to sort out the first 50. NameSearch reads the page's candidates itself, from the queryset as
it was before the search (the other filters and the tenant), in two parts:

- last names starting with the word: each spelling (UPPER(last_name)) is one run of the
  contact_last_prefix index, (tenant, UPPER(last_name) COLLATE "C", last_name, first_name,
  id), in list order, so a page is the first `limit` rows of each run after the cursor. The
  spellings are found by one index probe each; more than SPELLINGS of them (a word of a letter
  or two) and the whole range is sorted instead (in the index: no table rows);
- the rest: the trigram index on that text (contact_search_rest_trgm), matches sorted (a
  surname is rarely inside other text). An e-mail address asks the index for its part up to
  the "@" only (the domain's trigrams are in most rows: 25 ms of index at 2,000,000) and
  checks the whole word on those rows. Its cost grows with its matches: a common first name
  (10% of the rows) still sorts them all;

then the page is read as usual from those candidates (a few hundred ids at most). The count is
the same split: the last-name range counted in the index (over the cap: an estimate, as any
count over the cap), plus the rest's matches whose last name does not start with the word.
"""

from dataclasses import dataclass, field

from django.db.models import Func, Q
from django.db.models.sql.where import AND

from contacts.models import rest_text, searchable, starts_last_name
from portal.paging import Keyset

SPELLINGS = 12


@dataclass(frozen=True)
class NameSearch(Keyset):
    """The search keyset (same order, `unindexed`) of one search word; one per request."""

    word: str = ""
    # what narrow() learnt on the first page, for count(): the spellings, all the rest's ids
    seen: dict = field(default_factory=dict, compare=False, repr=False)

    def narrow(self, qs, values, reverse, limit):
        base = self._base(qs)
        if base is None:
            return qs
        ordered = Keyset(self.fields, self.descending)  # what contact_last_prefix's runs serve
        starts = base.filter(starts_last_name(self.word))
        spellings = self._spellings(starts)
        runs = [starts] if spellings is None else [base.filter(search_last=s) for s in spellings]
        ids: set[int] = set()
        for run in runs:
            ids.update(_first(run, ordered, values, reverse, limit))
        rest = _first(self._rest(base), self, values, reverse, limit)
        ids.update(rest)
        if values is None:
            self.seen.update(spellings=spellings, rest=rest if len(rest) < limit else None)
        return qs.filter(pk__in=sorted(ids))

    def count(self, qs, cap):
        base = self._base(qs)
        if base is None:
            return super().count(qs, cap)
        not_starting = ~starts_last_name(self.word)
        if self.seen.get("spellings") == []:
            starts = 0
        else:
            starts = super().count(base.filter(starts_last_name(self.word)), cap)
            if starts is None or starts > cap:
                return starts
        rest = self.seen.get("rest")
        if rest == []:
            return starts
        rest_qs = self._rest(base).filter(not_starting)
        if rest is not None:  # the first page read them all: count those ids
            rest_qs = base.filter(not_starting, pk__in=rest)
        more = super().count(rest_qs, cap)
        return None if more is None else starts + more

    def _base(self, qs):
        """The queryset before the search, with the searched expressions; None when `qs` is not
        this word's search or was filtered after it (then it is read as it is)."""
        words, base, conditions = getattr(qs.query, "name_search", (None, None, 0))
        where = qs.query.where
        if words != [self.word] or len(where.children) != conditions:
            return None
        if where.connector != AND or where.negated:
            return None
        return searchable(base.order_by())

    def _rest(self, base):
        """The rest's matches: by the trigram index, on the part up to the "@" of an
        e-mail address, the whole word checked on those rows."""
        local, at, _domain = self.word.partition("@")
        if not at or len(local) < 2 or not _domain:
            return base.filter(search_rest__icontains=self.word)
        check = Func(rest_text(), template="(%(expressions)s || '')")  # not the index's text
        rows = base.filter(search_rest__icontains=local + at).alias(search_check=check)
        return rows.filter(Q(search_check__icontains=self.word))

    def _spellings(self, starts) -> list[str] | None:
        """The distinct UPPER(last_name) starting with the word, in index order (one probe
        each); None when there are more than SPELLINGS."""
        found: list[str] = []
        probe = starts.order_by("search_last").values_list("search_last", flat=True)
        while len(found) <= SPELLINGS:
            after = probe.filter(search_last__gt=found[-1]) if found else probe
            value = after.first()
            if value is None:
                return found
            found.append(value)
        return None


def _first(qs, keyset: Keyset, values, reverse: bool, limit: int) -> list[int]:
    if values is not None:
        qs = keyset.after(qs, values, reverse=reverse)
    return list(qs.order_by(*keyset.ordering(reverse)).values_list("pk", flat=True)[:limit])
