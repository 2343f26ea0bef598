"""Words for the log's codes on the pages: attribute names, automatic record ids.

``{% load commitment_words %}``: ``{{ name|attribute_label }}`` (「行数」 for ``lines``),
``{{ external_id|record_name }}`` (empty for an id made up by the pre-check page).
"""

from django import template

register = template.Library()

AUTO_ID_PREFIX = "tsuzuku-"


@register.filter
def attribute_label(name: str) -> str:
    """Return an attribute's words (policies.vocabulary), the name when none is registered."""
    from commitments.forms import attribute_labels

    return str(attribute_labels().get(name, name))


@register.filter
def record_name(external_id: str) -> str:
    """Return the record's id as the shop knows it; nothing for an automatic id."""
    return "" if str(external_id).startswith(AUTO_ID_PREFIX) else external_id
