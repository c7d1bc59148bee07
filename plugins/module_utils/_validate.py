# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON Schema validation with atk-style error messages. PRIVATE to the collection: not a public API.

The schemas (``_schemas.py``, generated from ``schemas/*.json``) mirror atk 0.4.0's pydantic v2
models in lax mode. Three things a plain JSON Schema cannot say are handled here:

* YAML-only values are normalised first, the way pydantic reads them: ``!!binary`` bytes become
  ``str`` when they are UTF-8 (except where the schema says ``"x-accepts-bytes": false``, i.e. a
  ``Literal``), ``!!set`` / tuples become lists, and a mapping key that is not a string is an error
  where extra keys are forbidden and is dropped where they are ignored.
* ``"integer"`` means a Python ``int`` (never ``bool``) or an integral ``float`` strictly between
  -2**63 and 2**63, which is what pydantic's int validator accepts from a float.
* Messages: a schema may map a failing keyword to a message with ``"x-messages"``.

:func:`validate` raises :class:`AtkError` naming every offending field path, sorted:
``Invalid <what>: '<loc>': <msg>[; ...]`` where ``loc`` is dotted like pydantic's (``ports.0.port``).
"""

from __future__ import annotations

import importlib.util

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

# jsonschema is imported when something is first validated (_validator_class): its import costs
# 30-40 ms, and a run that reads only a manifest it validated before never needs it (_manifest).
try:
    HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None
except (ImportError, ValueError):
    HAS_JSONSCHEMA = False
JSONSCHEMA_IMPORT_ERROR = None if HAS_JSONSCHEMA else "No module named 'jsonschema'"

_TRUE_STRINGS = frozenset(("1", "on", "t", "true", "y", "yes"))
_FALSE_STRINGS = frozenset(("0", "off", "f", "false", "n", "no"))
_WHITESPACE = u"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_FLOAT_INT_LIMIT = 2.0 ** 63

_TYPE_WORDS = {
    "string": "expected string",
    "integer": "expected integer",
    "number": "expected number",
    "boolean": "expected boolean",
    "array": "expected list",
    "object": "expected mapping",
    "null": "expected null",
}

# Keywords whose message only names the schema's value.
_BOUND_WORDS = {
    "pattern": "must match %s",
    "minLength": "must be at least %s characters",
    "maxLength": "must be at most %s characters",
    "minimum": "must be >= %s",
    "maximum": "must be <= %s",
    "minItems": "must have at least %s items",
}

_VALIDATOR_CLASS = []
_VALIDATORS = {}


def _is_integer(checker, instance):  # pylint: disable=unused-argument
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    return isinstance(instance, float) and instance.is_integer() and -_FLOAT_INT_LIMIT < instance < _FLOAT_INT_LIMIT


def _validator_class():
    if not _VALIDATOR_CLASS:
        try:
            import jsonschema  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            raise AtkError("Failed to import the required Python library (jsonschema): %s" % exc,
                           hint="Install jsonschema (python3-jsonschema or pip install jsonschema) on the managed host.")
        base = jsonschema.Draft7Validator
        checker = base.TYPE_CHECKER.redefine("integer", _is_integer)
        _VALIDATOR_CLASS.append(jsonschema.validators.extend(base, type_checker=checker))
    return _VALIDATOR_CLASS[0]


def format_loc(path):
    """pydantic's dotted location: ``('ports', 0, 'port')`` -> ``ports.0.port``."""
    return ".".join(str(part) for part in path)


def _sort_key(item):
    path, msg = item
    return (tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path), msg)


def _resolve(schema, root):
    """Follow local ``$ref`` (``#/definitions/x``) chains."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 32:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return None
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
        schema = node
        seen += 1
    return schema if isinstance(schema, dict) else None


def _normalize(value, schema, root, path, errors):
    """A copy of ``value`` with YAML-only types turned into what pydantic would see."""
    schema = _resolve(schema, root) if schema is not None else None
    if isinstance(value, (bytes, bytearray)):
        if schema is not None and schema.get("x-accepts-bytes") is False:
            return value
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=repr)
    if isinstance(value, (list, tuple)):
        items = schema.get("items") if schema is not None else None
        if not isinstance(items, dict):
            items = None
        return [_normalize(item, items, root, path + (index,), errors) for index, item in enumerate(value)]
    if isinstance(value, dict):
        properties = schema.get("properties", {}) if schema is not None else {}
        forbid = schema is not None and schema.get("additionalProperties") is False
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                if forbid:  # pydantic names the key as str(key), a bool key as 0/1
                    errors.append((path + (str(int(key)) if isinstance(key, bool) else str(key),), "keys should be strings"))
                continue
            sub = properties.get(key)
            if sub is None and isinstance(schema, dict) and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            result[key] = _normalize(item, sub, root, path + (key,), errors)
        return result
    return value


def normalize(data, schema):
    """``(normalized_copy, key_errors)``; see the module docstring."""
    errors = []
    return _normalize(data, schema, schema, (), errors), errors


def _message(error):
    custom = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    if error.validator in custom:
        return custom[error.validator]
    if error.validator == "required":
        return "field is required"
    if error.validator == "additionalProperties":
        return "extra inputs are not permitted"
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        types = [t for t in types if t != "null"] or types
        return _TYPE_WORDS.get(types[0], "expected %s" % types[0])
    if error.validator in ("enum", "const"):
        values = error.validator_value if error.validator == "enum" else [error.validator_value]
        return "must be one of %s" % ", ".join(repr(v) for v in values)
    if error.validator in _BOUND_WORDS:
        return _BOUND_WORDS[error.validator] % error.validator_value
    return error.message


def _validator(schema):
    """One validator per schema object (the schemas are module constants); the cache holds the
    schema itself so that its id cannot be reused by another object."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        if len(_VALIDATORS) > 16:
            _VALIDATORS.clear()
        cached = (schema, _validator_class()(schema))
        _VALIDATORS[id(schema)] = cached
    return cached[1]


def _errors(data, schema):
    found = []
    for error in _validator(schema).iter_errors(data):
        path = tuple(error.absolute_path)
        msg = _message(error)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    found.append((path + (name,), msg))
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for name in error.instance:
                if name not in allowed:
                    found.append((path + (name,), msg))
        else:
            found.append((path, msg))
    return found


def iter_messages(errors):
    """``["'<loc>': <msg>", ...]`` for ``(path, msg)`` pairs, de-duplicated and sorted by path."""
    lines = []
    for path, msg in sorted(set(errors), key=_sort_key):
        if path:
            lines.append("'%s': %s" % (format_loc(path), msg))
        else:
            lines.append("top level: %s" % msg)
    return lines


def validate(data, schema, what):
    """Validate ``data`` (as ``yaml.safe_load`` gave it) against ``schema``.

    ``what`` names the thing for the message, e.g. ``"plugin '/p/plugin.yaml'"``. Returns the
    normalised copy of ``data`` (see :func:`normalize`; no defaults are filled in, no lax values
    coerced). Raises :class:`AtkError` with ``errors=[{"loc": ..., "msg": ...}]`` in its details.
    """
    if not HAS_JSONSCHEMA:
        raise AtkError("Cannot validate %s: the Python library 'jsonschema' is not installed." % what,
                       hint="Install jsonschema (python3-jsonschema or pip install jsonschema) on the managed host.")
    try:
        normalized, errors = normalize(data, schema)
        errors.extend(_errors(normalized, schema))
    except RecursionError:
        raise AtkError("Invalid %s: nested too deeply (or recursive)" % what)
    if errors:
        ordered = sorted(set(errors), key=_sort_key)
        raise AtkError("Invalid %s: %s" % (what, "; ".join(iter_messages(ordered))),
                       errors=[{"loc": format_loc(path), "msg": msg} for path, msg in ordered])
    return normalized


def truthy(value):
    """A flag that may still be raw YAML (``"yes"``, ``1``, None) as a bool, never raising:
    pydantic's lax reading for what validation accepts, False for anything else."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_STRINGS
    if isinstance(value, (bool, int, float)):
        return bool(value)
    return False


def coerce_bool(value):
    """pydantic v2 lax ``bool``: what atk makes of an already validated value."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE_STRINGS:
            return True
        if lowered in _FALSE_STRINGS:
            return False
        raise ValueError("not a boolean: %r" % (value,))
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise ValueError("not a boolean: %r" % (value,))


def _int_from_text(text):
    """pydantic-core's ``str_as_int``/``clean_int_str`` for a string the schema has accepted."""
    digits = text.strip(_WHITESPACE)
    negative = False
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("-"):
        negative = True
        digits = digits[1:]
    if digits.startswith("0"):
        end = 1
        while end < len(digits) and digits[end] in "0_":
            end += 1
        if end == len(digits):
            digits = digits[-1]
        elif digits[end] == ".":
            digits = digits[end - 1:]
        else:
            digits = digits[end:]
    whole, dot, fraction = digits.partition(".")
    if dot and fraction and not fraction.strip("0"):
        digits = whole
    if digits.startswith("_") or digits.endswith("_") or "__" in digits:
        raise ValueError("not an integer: %r" % (text,))
    digits = digits.replace("_", "")
    body = digits[1:] if digits.startswith("-") else digits
    if not body or not body.isdigit() or not body.isascii() or len(body) > 4300:
        raise ValueError("not an integer: %r" % (text,))
    number = int(digits)
    return -number if negative else number


def coerce_int(value):
    """pydantic v2 lax ``int``: what atk makes of an already validated value (``None`` stays ``None``).

    For strings this follows pydantic-core's parser, quirks included (``"0-5"`` is -5)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if _is_integer(None, value):
            return int(value)
        raise ValueError("not an integer: %r" % (value,))
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8")
    if isinstance(value, str):
        return _int_from_text(value)
    raise ValueError("not an integer: %r" % (value,))
