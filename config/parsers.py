"""The JSON parser of the API: malformed or too deeply nested JSON is a 400, never a 500."""

import codecs

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from config.limits import JSON_MAX_DEPTH, text_problem

INVALID_JSON = "invalid_json"


def json_depth_exceeds(data, limit: int) -> bool:
    """Return whether objects/arrays in `data` nest deeper than `limit` (iteratively)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _keys_problem(data) -> bool:
    """Return whether any object key holds NUL or a lone surrogate."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(text_problem(key) for key in value):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser with a nesting limit (settings.API_JSON_MAX_DEPTH, default 32).

    Python's decoder recurses once per level: 100,000 nested brackets raise RecursionError,
    which DRF would answer with a 500. Both that and a body nested deeper than the limit are
    400 `invalid_json`; malformed JSON stays DRF's 400 `parse_error`.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, "API_JSON_MAX_DEPTH", JSON_MAX_DEPTH)
        encoding = get_encoding(parser_context or {})
        try:
            decoded = codecs.getreader(encoding)(stream)
            parse_constant = json.strict_constant if self.strict else None
            data = json.load(decoded, parse_constant=parse_constant)
        except RecursionError:
            data = None
            too_deep = True
        except ValueError as exc:
            raise ParseError(
                _("The body is not valid JSON (%(error)s); send a JSON object.") % {"error": exc},
                code="parse_error",  # DRF's code for malformed JSON, kept for clients
            ) from None
        else:
            too_deep = json_depth_exceeds(data, limit)
        if too_deep:
            raise ParseError(
                _("The JSON body nests objects or arrays more than %(limit)s levels deep.")
                % {"limit": limit},
                code=INVALID_JSON,
            )
        if _keys_problem(data):
            raise ParseError(
                _("A key of the JSON body holds a NUL character or a lone surrogate."),
                code=INVALID_JSON,
            )
        return data
