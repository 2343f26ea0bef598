"""A promise's level in the kind's own words: 「1 営業日遅れ」, not "-1" or "1 business_days_late".

Levels are stored as numbers in the kind's level_unit (policies/kinds/); a manager reads them
here, in the words of the unit the kind declares (policies.vocabulary.Unit). Averages keep up
to two decimals; a closed-day reply averages to a share of inquiries. Everything is read from
the registries at call time, so a kind registered by its own module reads like the others.
"""

from policies import vocabulary


def level_words(unit: str, value: float | None) -> str:
    """Return the level in words of its unit; "—" when there is none."""
    return vocabulary.level_words(unit, value)


def gap_words(unit: str, value: float | None) -> str:
    """Return a gap between two levels (always a size, never a direction) in the unit's words."""
    return vocabulary.gap_words(unit, value)


def is_directed(unit: str) -> bool:
    """Return whether "higher/lower is better" means something to a reader of the unit.

    A closed-day reply (0 or 1) is a yes/no habit, not a quantity with a better direction.
    """
    found = vocabulary.unit(unit)
    return found.directed if found is not None else False


def unit_name(unit: str) -> str:
    """Return the unit's name ("business hours") for an axis or a heading; the id if unknown."""
    found = vocabulary.unit(unit)
    return str(found.name) if found is not None else unit


def occasion_phrase(kind_id: str) -> str:
    """Return what the customer does ("places an order"), for the list of promise kinds."""
    found = vocabulary.record_kind_or_none(vocabulary.OCCASION, kind_id)
    return str(found.phrase) if found is not None else kind_id


def action_phrase(kind_id: str) -> str:
    """Return what the shop does ("ships the parcel"), for the list of promise kinds."""
    found = vocabulary.record_kind_or_none(vocabulary.ACTION, kind_id)
    return str(found.phrase) if found is not None else kind_id
