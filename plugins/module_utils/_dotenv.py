# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's ``.env`` read exactly as atk (python-dotenv) reads it. PRIVATE to the collection.

atk 0.4.0 reads ``plugins/<dir>/.env`` with python-dotenv's ``dotenv_values(path)``
(interpolation on, python-dotenv >= 1.2.1) and keeps the keys whose value is not None.
This file re-implements that grammar (python-dotenv 1.2.4, the newest one; see
"Divergences") so that atk.core can

* read the file exactly as atk reads it (:func:`values`);
* keep every line's bytes (comments, blank lines, keys it does not manage, lines
  python-dotenv cannot parse), so :mod:`_envfile` can edit the file losslessly
  (:func:`parse` / :func:`render`).

Divergences from python-dotenv (documented, deliberate):

* A leading UTF-8 BOM is ignored (1.2.3+ behaviour; 1.2.1/1.2.2 read it as part of the
  first key). It is kept when the file is rewritten.
* ``KEY= # comment`` reads as ``''`` (1.2.4 behaviour; older versions read ``# comment``).
  atk.core never writes that form: an empty value followed by a kept inline comment is
  written ``KEY="" # comment``.
* Newlines: the file is read like ``open()`` in text mode does (``\\r\\n`` and ``\\r`` become
  ``\\n``). A file that uses ``\\r\\n`` throughout is written back with ``\\r\\n``; a file with
  mixed line endings is written back with ``\\n`` when (and only when) atk.core changes it.

Note that atk's own writer (``atk setup``) quotes only on spaces and escapes nothing: after
``atk setup`` rewrites the file, values containing ``"`` with a space, ``${...}``, a newline
or a trailing backslash inside quotes no longer read back the same (docs/atk-compatibility.md §13 pitfall 9).
"""

from __future__ import annotations

import os
import re


# Env var names atk accepts in plugin.yaml (and the only keys atk.core writes).
NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")

FILE_MODE = 0o600
# Temporary files end in .env so that the home's .gitignore (``*.env``) always covers them.
TEMP_SUFFIX = ".env"

# ---------------------------------------------------------------------------------------------
# python-dotenv 1.2.4's grammar (dotenv/parser.py), same regular expressions.
_MULTILINE_WHITESPACE = re.compile(r"\s*", re.MULTILINE)
_WHITESPACE = re.compile(r"[^\S\r\n]*")
_EXPORT = re.compile(r"(?:export[^\S\r\n]+)?")
_SINGLE_QUOTED_KEY = re.compile(r"'([^']+)'")
_UNQUOTED_KEY = re.compile(r"([^=\#\s]+)")
_EQUAL_SIGN = re.compile(r"(=[^\S\r\n]*)")
_SINGLE_QUOTED_VALUE = re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)
_DOUBLE_QUOTED_VALUE = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
_UNQUOTED_VALUE = re.compile(r"([^\r\n]*)")
_COMMENT = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_END_OF_LINE = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_REST_OF_LINE = re.compile(r"[^\r\n]*(?:\r|\n|\r\n)?")
_DOUBLE_QUOTE_ESCAPES = re.compile(r"\\[\\'\"abfnrtv]")
_SINGLE_QUOTE_ESCAPES = re.compile(r"\\[\\']")
_INLINE_COMMENT = re.compile(r"\s+#.*")
_ESCAPES = {
    "\\\\": "\\", "\\'": "'", '\\"': '"', "\\a": "\a", "\\b": "\b", "\\f": "\f",
    "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\v": "\v",
}
# python-dotenv 1.2.4's dotenv/variables.py
_VARIABLE = re.compile(r"\$\{(?P<name>[^\}:]*)(?::-(?P<default>[^\}]*))?\}")

# ``${=:-$}`` reads as "$", ``${=:-}`` as "" (see the module docstring).
DOLLAR = "${=:-$}"
EMPTY = "${=:-}"

_BOM = "\ufeff"


class _NoMatch(Exception):
    pass


def _match(regex, text, pos):
    found = regex.match(text, pos)
    if found is None:
        raise _NoMatch()
    return found


class EnvLine(object):
    """One statement of a .env file, with its exact text.

    ``kind`` is one of:

    * ``"assign"``  ``KEY=value`` (``raw`` is the value after unquoting, before interpolation);
    * ``"bare"``    ``KEY`` without ``=`` (python-dotenv: None; atk drops it: not set);
    * ``"comment"`` a ``#`` line;
    * ``"blank"``   an empty or whitespace-only line;
    * ``"error"``   text python-dotenv cannot parse (it warns and skips it).

    ``text`` includes the line terminator (``\\n``; a double-quoted value can span lines).
    For ``assign`` lines, ``head`` is the text before the value (indentation, ``export``,
    key, ``=``) and ``tail`` the text after it (inline comment, trailing blanks, newline),
    so a value can be replaced while the rest of the line is kept.
    """

    __slots__ = ("kind", "text", "key", "raw", "head", "tail", "lineno")

    def __init__(self, kind, text, key=None, raw=None, head=None, tail=None, lineno=0):
        self.kind = kind
        self.text = text
        self.key = key
        self.raw = raw
        self.head = head
        self.tail = tail
        self.lineno = lineno

    def __repr__(self):
        # Never show the text: it may hold a secret.
        return "EnvLine(%s, key=%r, line=%d)" % (self.kind, self.key, self.lineno)


class EnvDocument(object):
    """An ordered list of :class:`EnvLine` plus how the file was encoded."""

    def __init__(self, lines=None, bom=False, newline="\n"):
        self.lines = list(lines or [])
        self.bom = bom
        self.newline = newline

    def __iter__(self):
        return iter(self.lines)

    def __len__(self):
        return len(self.lines)

    def keys(self):
        """Names of the keys atk sees as set, in python-dotenv's order."""
        return [k for k, v in raw_dict(self).items() if v is not None]


# ---------------------------------------------------------------------------------------------
# Parsing


def _decode(regex, value):
    return regex.sub(lambda m: _ESCAPES[m.group(0)], value)


def _parse_value(text, pos):
    """-> (value, value_end, token_end): token_end is where python-dotenv's reader stops."""
    char = text[pos:pos + 1]
    if char == "'":
        found = _match(_SINGLE_QUOTED_VALUE, text, pos)
        return _decode(_SINGLE_QUOTE_ESCAPES, found.group(1)), found.end(), found.end()
    if char == '"':
        found = _match(_DOUBLE_QUOTED_VALUE, text, pos)
        return _decode(_DOUBLE_QUOTE_ESCAPES, found.group(1)), found.end(), found.end()
    if char in ("", "\n", "\r"):
        return "", pos, pos
    found = _match(_UNQUOTED_VALUE, text, pos)
    part = found.group(1)
    value = _INLINE_COMMENT.sub("", part).rstrip()
    # The value is a prefix of ``part``; the rest (blanks, inline comment) is kept as tail.
    return value, pos + len(value), found.end()


def _parse_statement(text, start):
    """Parse one statement at ``start`` exactly like python-dotenv's ``parse_binding``.

    Returns (leading_whitespace_end, EnvLine fields dict or None, end).
    """
    pos = _MULTILINE_WHITESPACE.match(text, start).end()
    if pos >= len(text):
        return pos, None, pos
    body = pos
    try:
        pos = _match(_EXPORT, text, pos).end()
        char = text[pos:pos + 1]
        if char == "#":
            key = None
        elif char == "'":
            found = _match(_SINGLE_QUOTED_KEY, text, pos)
            key, pos = found.group(1), found.end()
        else:
            found = _match(_UNQUOTED_KEY, text, pos)
            key, pos = found.group(1), found.end()
        pos = _match(_WHITESPACE, text, pos).end()
        value = value_start = value_end = None
        if text[pos:pos + 1] == "=":
            found = _match(_EQUAL_SIGN, text, pos)
            pos = value_start = found.end()
            if len(found.group(1)) > 1 and text[pos:pos + 1] == "#":
                value, value_end = "", pos
            else:
                value, value_end, pos = _parse_value(text, pos)
        pos = _match(_COMMENT, text, pos).end()
        pos = _match(_END_OF_LINE, text, pos).end()
    except _NoMatch:
        pos = _REST_OF_LINE.match(text, pos).end()
        return body, {"kind": "error"}, pos
    if key is None:
        return body, {"kind": "comment"}, pos
    if value is None:
        return body, {"kind": "bare", "key": key}, pos
    return body, {"kind": "assign", "key": key, "raw": value,
                  "value_start": value_start, "value_end": value_end}, pos


def _normalise_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text):
    """Parse .env text into an :class:`EnvDocument` whose :func:`render` gives ``text`` back.

    Line endings are read as ``open()`` in text mode reads them (which is what
    ``dotenv_values(path)`` sees); a file using ``\\r\\n`` throughout renders back with
    ``\\r\\n``. A leading BOM is kept aside and rendered back.
    """
    if not isinstance(text, str):
        raise TypeError("parse() takes str")
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf == text.count("\n") and crlf == text.count("\r") else "\n"
    text = _normalise_newlines(text)
    lines = []
    pos = 0
    lineno = 1
    while pos < len(text):
        body, fields, end = _parse_statement(text, pos)
        # Whitespace python-dotenv skips before a statement: one "blank" line per newline,
        # indentation stays with the statement.
        if fields is None:
            cut = body
        else:
            last_newline = text.rfind("\n", pos, body)
            cut = last_newline + 1 if last_newline >= 0 else pos
        segment_start = pos
        while True:
            nl = text.find("\n", segment_start, cut)
            if nl < 0:
                break
            lines.append(EnvLine("blank", text[segment_start:nl + 1], lineno=lineno))
            lineno += 1
            segment_start = nl + 1
        if fields is None:
            if segment_start < end:
                lines.append(EnvLine("blank", text[segment_start:end], lineno=lineno))
            break
        chunk = text[segment_start:end]
        line = EnvLine(fields["kind"], chunk, key=fields.get("key"), raw=fields.get("raw"), lineno=lineno)
        if line.kind == "assign":
            line.head = text[segment_start:fields["value_start"]]
            line.tail = text[fields["value_end"]:end]
        lines.append(line)
        lineno += chunk.count("\n")
        pos = end
    return EnvDocument(lines, bom=bom, newline=newline)


def render(document):
    """The file text of an :class:`EnvDocument` (or a plain list of :class:`EnvLine`)."""
    if isinstance(document, EnvDocument):
        lines, bom, newline = document.lines, document.bom, document.newline
    else:
        lines, bom, newline = document, False, "\n"
    text = "".join(line.text for line in lines)
    if newline != "\n":
        text = text.replace("\n", newline)
    return (_BOM if bom else "") + text


def _as_document(text_or_document):
    if isinstance(text_or_document, EnvDocument):
        return text_or_document
    return parse(text_or_document)


# ---------------------------------------------------------------------------------------------
# Reading values


def raw_dict(document):
    """key -> raw value (None for a bare key), python-dotenv's order: first seen, last wins."""
    result = {}
    for line in document.lines:
        if line.kind in ("assign", "bare"):
            result[line.key] = line.raw
    return result


def _interpolate(raw, known):
    """python-dotenv's ``resolve_variables`` for one value. -> (value, static)

    ``static`` is True when the value cannot depend on the process environment: every
    ``${...}`` in it names a variable containing ``=`` (impossible in an environment).
    """
    parts = []
    cursor = 0
    static = True
    for found in _VARIABLE.finditer(raw):
        parts.append(raw[cursor:found.start()])
        name, default = found.group("name"), found.group("default")
        if "=" not in name:
            static = False
        result = known.get(name, default if default is not None else "")
        parts.append(result if result is not None else "")
        cursor = found.end()
    parts.append(raw[cursor:])
    return "".join(parts), static


def _resolve(document, environ):
    """key -> (value or None, static), exactly as ``dotenv_values`` (override=True) computes it."""
    resolved = {}
    plain = {}
    for line in document.lines:
        if line.kind == "bare":
            resolved[line.key] = (None, True)
            plain[line.key] = None
        elif line.kind == "assign":
            known = dict(environ)
            known.update(plain)
            value, static = _interpolate(line.raw, known)
            resolved[line.key] = (value, static)
            plain[line.key] = value
    return resolved


def values(text_or_document, environ=None, include_unset=False):
    """The .env as atk reads it: ``{k: v for k, v in dotenv_values(path).items() if v is not None}``.

    ``environ`` is the environment ``${VAR}`` references resolve against (default
    ``os.environ``, as python-dotenv does). ``include_unset=True`` keeps bare keys as None,
    like ``dotenv_values`` itself.
    """
    document = _as_document(text_or_document)
    env = os.environ if environ is None else environ
    result = {}
    for key, (value, _static) in _resolve(document, env).items():
        if value is not None or include_unset:
            result[key] = value
    return result


def names(text_or_document):
    """Every key the file mentions (bare ``KEY`` lines included), in python-dotenv's order."""
    return list(raw_dict(_as_document(text_or_document)))


def static_values(text_or_document):
    """key -> value for the keys whose value does not depend on the process environment.

    These are the values atk.core compares against: a value such as ``${HOME}/x`` could read
    differently for atk, so it never counts as "already equal" and gets rewritten literally.
    """
    document = _as_document(text_or_document)
    return dict((key, value) for key, (value, static) in _resolve(document, {}).items()
                if value is not None and static)
