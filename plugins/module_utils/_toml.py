# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal TOML reader and value writer. PRIVATE to the collection.

Managed hosts may run Python 3.8 (no ``tomllib``) and atk.core adds no third-party dependency,
so this file reads TOML 1.0 itself (plus two TOML 1.1 leniencies: newlines and a trailing comma
inside inline tables):

* :func:`loads`: the document as plain Python data (dates and times as :class:`DateTime` text);
* :func:`statements`: its top-level statements with their offsets, for editors that splice the
  text (:mod:`_toml_edit`);
* :func:`dumps_value` / :func:`quote_key`: one value or key as TOML text;
* :func:`equal`: TOML equality (``1`` is not ``true``, ``1`` is not ``1.0``).
"""

from __future__ import annotations

import collections
import math
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError


BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+\Z")  # \Z, not $: "$" also matches before a final newline
_BARE_KEY_CHARS = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"
_DATETIME = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?"
    r"|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)")
_INTEGER = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)")
_PREFIXED = re.compile(r"0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)")
_FLOAT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?")
_SPECIAL_FLOAT = re.compile(r"[+-]?(?:inf|nan)")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}


class DateTime(str):
    """A TOML date, time or date-time, kept as its text (atk.core never writes one)."""


class Statement(collections.namedtuple("Statement", "kind start end path key vstart vend value table",
                                       defaults=(None,) * 5)):
    """One top-level statement: ``kind`` table | array_table | kv.

    ``start``/``end``: offsets of its line(s) (``end`` after the newline, trailing comment
    included). ``path``: the header's path, or for a kv the full path (table + key).
    ``key``: a kv's key parts. ``vstart``/``vend``/``value``: a kv's value.
    ``table``: the header a kv belongs to (None at the root).
    """

    __slots__ = ()


class _Reader(object):
    def __init__(self, text, where):
        self.text = text
        self.where = where
        self.pos = 0

    def fail(self, what, offset=None):
        offset = self.pos if offset is None else offset
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        raise AtkError("Cannot parse %s as TOML: %s at line %d column %d." % (self.where, what, line, column),
                       hint="Fix the file and run again (Codex itself would refuse it too).")

    def peek(self, count=1):
        return self.text[self.pos:self.pos + count]

    def skip_ws(self):
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def skip_comment(self):
        if self.peek() == "#":
            newline = self.text.find("\n", self.pos)
            self.pos = len(self.text) if newline < 0 else newline

    def skip_ws_newlines_comments(self):
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in _WS or char in "\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_comment()
            else:
                break

    def end_of_line(self):
        """After a statement: spaces, an optional comment, then a newline or the end."""
        self.skip_ws()
        self.skip_comment()
        if self.peek(2) == "\r\n":
            self.pos += 2
        elif self.peek() == "\n":
            self.pos += 1
        elif self.pos < len(self.text):
            self.fail("expected the end of the line")

    def header(self, bracket):
        """``[a.b]`` (``bracket`` ``[``) or ``[[a.b]]`` (``[[``) -> the path; the position is then after its line."""
        close = "]" * len(bracket)
        self.pos += len(bracket)
        self.skip_ws()
        path = self.key()
        self.skip_ws()
        if self.peek(len(close)) != close:
            self.fail("expected '%s'" % close)
        self.pos += len(close)
        self.end_of_line()
        return path

    # -- keys -----------------------------------------------------------------------------

    def simple_key(self):
        char = self.peek()
        if char == '"':
            if self.peek(3) == '"""':
                self.fail("a key cannot be a multi-line string")
            return self.basic_string()
        if char == "'":
            if self.peek(3) == "'''":
                self.fail("a key cannot be a multi-line string")
            return self.literal_string()
        match = _BARE_KEY_CHARS.match(self.text, self.pos)
        if match is None:
            self.fail("expected a key")
        self.pos = match.end()
        return match.group(0)

    def key(self):
        parts = [self.simple_key()]
        while True:
            self.skip_ws()
            if self.peek() != ".":
                return tuple(parts)
            self.pos += 1
            self.skip_ws()
            parts.append(self.simple_key())

    def key_equals(self):
        """``key =`` -> the key parts; the position is then at the value."""
        key = self.key()
        self.skip_ws()
        if self.peek() != "=":
            self.fail("expected '=' after a key")
        self.pos += 1
        self.skip_ws()
        return key

    # -- strings --------------------------------------------------------------------------

    def basic_string(self):
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                self.fail("unterminated string")
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(out)
            if char == "\n":
                self.fail("newline in a single-line string")
            if char == "\\":
                out.append(self.escape())
                continue
            out.append(char)
            self.pos += 1

    def escape(self):
        code = self.text[self.pos + 1:self.pos + 2]
        if code in _ESCAPES:
            self.pos += 2
            return _ESCAPES[code]
        for letter, width in (("u", 4), ("U", 8), ("x", 2)):
            if code == letter:
                digits = self.text[self.pos + 2:self.pos + 2 + width]
                if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    self.fail("invalid \\%s escape" % letter)
                self.pos += 2 + width
                try:
                    return chr(int(digits, 16))
                except (ValueError, OverflowError):
                    self.fail("invalid unicode escape")
        self.fail("invalid escape \\%s" % code)
        return ""

    def literal_string(self):
        end = self.text.find("'", self.pos + 1)
        newline = self.text.find("\n", self.pos + 1)
        if end < 0 or (0 <= newline < end):
            self.fail("unterminated literal string")
        value = self.text[self.pos + 1:end]
        self.pos = end + 1
        return value

    def multiline(self, quote):
        self.pos += 3
        if self.peek(2) == "\r\n":
            self.pos += 2
        elif self.peek() == "\n":
            self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                self.fail("unterminated multi-line string")
            if self.text.startswith(quote * 3, self.pos):
                extra = 0
                while extra < 2 and self.text.startswith(quote, self.pos + 3 + extra):
                    extra += 1
                out.append(quote * extra)
                self.pos += 3 + extra
                return "".join(out)
            char = self.text[self.pos]
            if quote == '"' and char == "\\":
                rest = self.pos + 1
                while rest < len(self.text) and self.text[rest] in _WS:
                    rest += 1
                if self.text[rest:rest + 1] == "\n" or self.text[rest:rest + 2] == "\r\n":
                    self.pos = rest
                    while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                        self.pos += 1
                    continue
                out.append(self.escape())
                continue
            out.append(char)
            self.pos += 1

    # -- values ---------------------------------------------------------------------------

    def value(self):
        char = self.peek()
        if char == '"':
            return self.multiline('"') if self.peek(3) == '"""' else self.basic_string()
        if char == "'":
            return self.multiline("'") if self.peek(3) == "'''" else self.literal_string()
        if char == "[":
            return self.array()
        if char == "{":
            return self.inline_table()
        for word, result in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos) and not _BARE_KEY_CHARS.match(self.text, self.pos + len(word)):
                self.pos += len(word)
                return result
        match = _DATETIME.match(self.text, self.pos)
        if match is not None and (":" in match.group(0) or re.match(r"\d{4}-", match.group(0))):
            self.pos = match.end()
            return DateTime(match.group(0))
        match = _SPECIAL_FLOAT.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
            raw = match.group(0)
            number = float(raw.lstrip("+"))
            return number
        match = _PREFIXED.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
            return int(match.group(0).replace("_", ""), 0)
        match = _FLOAT.match(self.text, self.pos)
        if match is not None and match.group(0) not in ("+", "-"):
            raw = match.group(0)
            self.pos = match.end()
            if any(c in raw for c in ".eE"):
                return float(raw.replace("_", ""))
            if _INTEGER.fullmatch(raw) is None:
                self.fail("invalid number", self.pos - len(raw))
            return int(raw.replace("_", ""))
        self.fail("expected a value")
        return None

    def array(self):
        items = []
        self._sequence("]", lambda: items.append(self.value()), "an array")
        return items

    def inline_table(self):
        table = {}
        self._sequence("}", lambda: self._member(table), "an inline table")
        return table

    def _member(self, table):
        key = self.key_equals()
        _assign(table, key, self.value(), self)

    def _sequence(self, close, read_one, what):
        """``item, item, ...`` from the opening bracket to ``close``, over lines, comments and a trailing comma."""
        self.pos += 1
        while True:
            self.skip_ws_newlines_comments()
            if self.peek() == close:
                self.pos += 1
                return
            read_one()
            self.skip_ws_newlines_comments()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != close:
                self.fail("expected ',' or '%s' in %s" % (close, what))


def _assign(table, key, value, reader):
    for part in key[:-1]:
        table = table.setdefault(part, {})
        if not isinstance(table, dict):
            reader.fail("key %s is not a table" % ".".join(key))
    if key[-1] in table:
        reader.fail("duplicate key %s" % ".".join(key))
    table[key[-1]] = value


def statements(text, where="config.toml"):
    """Parse ``text`` into its top-level :class:`Statement` list. Raises AtkError on invalid TOML."""
    reader = _Reader(text, where)
    if text.startswith(u"\ufeff"):
        reader.pos = 1
    result = []
    table = None
    while True:
        reader.skip_ws_newlines_comments()
        if reader.pos >= len(text):
            return result
        start = reader.text.rfind("\n", 0, reader.pos) + 1
        if reader.peek() == "[":
            kind, bracket = ("array_table", "[[") if reader.peek(2) == "[[" else ("table", "[")
            table = reader.header(bracket)
            result.append(Statement(kind, start, reader.pos, table))
        else:
            key = reader.key_equals()
            vstart = reader.pos
            value = reader.value()
            vend = reader.pos
            reader.end_of_line()
            path = (table or ()) + key
            result.append(Statement("kv", start, reader.pos, path, key, vstart, vend, value, table))


def _descend(root, path, reader_fail):
    node = root
    for part in path:
        child = node.setdefault(part, {})
        if isinstance(child, list):
            if not child or not isinstance(child[-1], dict):
                reader_fail("%s is not a table" % ".".join(path))
            child = child[-1]
        if not isinstance(child, dict):
            reader_fail("%s is not a table" % ".".join(path))
        node = child
    return node


def loads(text, where="config.toml"):
    """The TOML document as plain Python data (dates and times as :class:`DateTime` text)."""
    reader = _Reader(text, where)

    def fail(what):
        reader.fail(what, 0)

    root = {}
    current = root
    seen_tables = set()
    for statement in statements(text, where):
        if statement.kind == "table":
            if statement.path in seen_tables:
                fail("table [%s] defined twice" % ".".join(statement.path))
            seen_tables.add(statement.path)
            current = _descend(root, statement.path, fail)
        elif statement.kind == "array_table":
            parent = _descend(root, statement.path[:-1], fail)
            items = parent.setdefault(statement.path[-1], [])
            if not isinstance(items, list):
                fail("%s is not an array of tables" % ".".join(statement.path))
            items.append({})
            current = items[-1]
        else:
            _assign(current, statement.key, statement.value, reader)
    return root


# ---------------------------------------------------------------------------------------------
# Writing values


def quote_key(key):
    return key if BARE_KEY.match(key) else dumps_value(key)


def dumps_value(value):
    """One TOML value (string, bool, int, float, list, dict as an inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        out = ['"']
        for char in value:
            if char == '"':
                out.append('\\"')
            elif char == "\\":
                out.append("\\\\")
            elif char in "\b\t\n\f\r":
                out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[char])
            elif ord(char) < 0x20 or ord(char) == 0x7f:
                out.append("\\u%04x" % ord(char))
            else:
                out.append(char)
        out.append('"')
        return "".join(out)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps_value(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join("%s = %s" % (quote_key(k), dumps_value(v)) for k, v in value.items()) + " }"
    raise TypeError("cannot write %r as TOML" % (value,))


def equal(left, right):
    """Equality that tells ``1`` from ``true`` and ``1`` from ``1.0`` (TOML does)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return set(left) == set(right) and all(equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return type(left) is type(right) and left == right
