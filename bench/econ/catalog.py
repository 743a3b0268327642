"""The card catalog, as bench.econ names it: bench.hardware's one catalog and one matcher.

Kept so that `bench.econ.catalog.find_card` callers keep working; nothing is defined here.
"""

from bench.hardware import Card, Platform, find_card, find_card_by_name, load_cards, match_name

__all__ = ["Card", "Platform", "find_card", "find_card_by_name", "load_cards", "match_name"]
