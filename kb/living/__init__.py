"""A living evidence base: saved searches that keep the KB current (``kb watch``, ``kb update``).

- :mod:`kb.living.search`: the searcher protocol the services implement (:mod:`ingest.search`,
  found through the entry-point group ``trial_evidence_kb.searches``) and its results as data;
- :mod:`kb.living.watch`: saved searches stored in the KB, one named graph each;
- :mod:`kb.living.update`: incremental re-runs, and what is new, changed and gone.

``docs/living-review.md`` is the user's guide.
"""

from kb.living.search import Hit, Members, SearchError, SearchOutcome, Searcher, get_searcher
from kb.living.update import Change, UpdateResult, load_outcome, run_search, update_searches
from kb.living.watch import SavedSearch, WatchError, list_saved, read_saved, remove_saved, save

__all__ = [
    "Change", "Hit", "Members", "SavedSearch", "SearchError", "SearchOutcome", "Searcher", "UpdateResult", "WatchError",
    "get_searcher", "list_saved", "load_outcome", "read_saved", "remove_saved", "run_search", "save", "update_searches",
]
