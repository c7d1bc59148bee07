# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal TOML reader and a key-level editor for Codex's ``[mcp_servers.<name>]`` tables.

PRIVATE to the collection. Managed hosts may run Python 3.8 (no ``tomllib``) and atk.core adds no
third-party dependency, so this file reads TOML 1.0 itself (plus two TOML 1.1 leniencies:
newlines and a trailing comma inside inline tables) and edits the text by splices, so that
every byte outside the server entry it manages stays as it was: other tables, comments,
``[projects."<path>"]`` trust entries Codex writes, key order, quoting style.

The editor knows three layouts of one server (``name`` is a bare key, ``[A-Za-z0-9_-]+``):

* the table form Codex writes (``[mcp_servers.name]`` plus optional sub-tables such as
  ``[mcp_servers.name.env]``): edited key by key; a key whose value is unchanged keeps its bytes,
  a changed key gets its value replaced in place, a new key is added after the table's last
  key, a dropped key loses its lines; comments in the table stay;
* an inline table under ``[mcp_servers]`` (``name = { command = "x" }``): the value is
  replaced as a whole (keys atk.core does not manage are kept in it);
* dotted keys (``name.command = "x"``): refused with an error naming the file; rewrite it.

A new server is appended at the end of the file as ``\\n[mcp_servers.name]\\n<key> = <value>\\n...``;
removing it takes those lines and the one blank line before them, so add then remove gives
the original bytes back.
"""

from __future__ import annotations

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


class Statement(object):
    """One top-level statement: ``kind`` table | array_table | kv.

    ``start``/``end``: offsets of its line(s) (``end`` after the newline, trailing comment
    included). ``path``: the header's path, or for a kv the full path (table + key).
    ``key``: a kv's key parts. ``vstart``/``vend``/``value``: a kv's value.
    ``table``: the header a kv belongs to (None at the root).
    """

    __slots__ = ("kind", "start", "end", "path", "key", "vstart", "vend", "value", "table")

    def __init__(self, kind, start, end, path, key=None, vstart=None, vend=None, value=None, table=None):
        self.kind = kind
        self.start = start
        self.end = end
        self.path = path
        self.key = key
        self.vstart = vstart
        self.vend = vend
        self.value = value
        self.table = table


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
        self.pos += 1
        items = []
        while True:
            self.skip_ws_newlines_comments()
            if self.peek() == "]":
                self.pos += 1
                return items
            items.append(self.value())
            self.skip_ws_newlines_comments()
            if self.peek() == ",":
                self.pos += 1
                continue
            if self.peek() == "]":
                self.pos += 1
                return items
            self.fail("expected ',' or ']' in an array")

    def inline_table(self):
        self.pos += 1
        table = {}
        while True:
            self.skip_ws_newlines_comments()
            if self.peek() == "}":
                self.pos += 1
                return table
            key = self.key()
            self.skip_ws()
            if self.peek() != "=":
                self.fail("expected '=' after a key")
            self.pos += 1
            self.skip_ws()
            _assign(table, key, self.value(), self)
            self.skip_ws_newlines_comments()
            if self.peek() == ",":
                self.pos += 1
                continue
            if self.peek() == "}":
                self.pos += 1
                return table
            self.fail("expected ',' or '}' in an inline table")


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
        if reader.peek(2) == "[[":
            reader.pos += 2
            reader.skip_ws()
            path = reader.key()
            reader.skip_ws()
            if reader.peek(2) != "]]":
                reader.fail("expected ']]'")
            reader.pos += 2
            reader.end_of_line()
            table = path
            result.append(Statement("array_table", start, reader.pos, path))
        elif reader.peek() == "[":
            reader.pos += 1
            reader.skip_ws()
            path = reader.key()
            reader.skip_ws()
            if reader.peek() != "]":
                reader.fail("expected ']'")
            reader.pos += 1
            reader.end_of_line()
            table = path
            result.append(Statement("table", start, reader.pos, path))
        else:
            key = reader.key()
            reader.skip_ws()
            if reader.peek() != "=":
                reader.fail("expected '=' after a key")
            reader.pos += 1
            reader.skip_ws()
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


# ---------------------------------------------------------------------------------------------
# The server-entry editor


class ServerEditor(object):
    """Edits ``[<container>.<name>]`` entries of one TOML text (``container`` = ``mcp_servers``)."""

    def __init__(self, text, where="config.toml", container="mcp_servers"):
        self.text = text or ""
        self.where = where
        self.container = container
        self.data = loads(self.text, where)

    def _refresh(self, text):
        self.text = text
        self.data = loads(text, self.where)

    def get(self, name):
        """The server's table as data, or None."""
        servers = self.data.get(self.container)
        if not isinstance(servers, dict):
            return None
        value = servers.get(name)
        return value if isinstance(value, dict) else None

    def _layout(self, name):
        """-> (form, statements): form is 'table', 'inline', 'dotted' or None (absent)."""
        base = (self.container, name)
        found = statements(self.text, self.where)
        tables = [s for s in found if s.kind in ("table", "array_table") and s.path[:2] == base]
        kvs = [s for s in found if s.kind == "kv" and s.path[:2] == base]
        if any(s.kind == "array_table" for s in tables):
            return "unsupported", found
        if any(s.path == base for s in tables):
            if any(s.table is None or s.table[:2] != base for s in kvs):
                return "unsupported", found
            return "table", found
        if kvs:
            inline = [s for s in kvs if s.path == base]
            if inline and len(kvs) == 1 and isinstance(inline[0].value, dict) and not tables:
                return "inline", found
            return "dotted" if not tables else "unsupported", found
        if tables:
            return "unsupported", found
        return None, found

    def _unsupported(self, name):
        return AtkError(
            "%s defines MCP server %r in a layout atk.core does not edit (dotted keys or array tables)." % (self.where, name),
            hint="Rewrite it as a [%s.%s] table (or remove it) and run again." % (self.container, name))

    def _check_container(self):
        servers = self.data.get(self.container)
        if servers is not None and not isinstance(servers, dict):
            raise AtkError("%s: %s is not a table." % (self.where, self.container),
                           hint="Fix the file by hand; atk.core does not overwrite it.")
        for statement in statements(self.text, self.where):
            if statement.kind == "kv" and statement.path == (self.container,):
                raise AtkError("%s defines %s as an inline table; atk.core cannot add tables to it." % (self.where, self.container),
                               hint="Rewrite it as [%s.<name>] tables and run again." % self.container)

    def set(self, name, desired, managed):
        """Make the server ``name`` hold ``desired`` for the keys in ``managed``; other keys stay.

        Returns True when the text changed.
        """
        if not BARE_KEY.match(name):
            raise AtkError("MCP server name %r is not a bare TOML key ([A-Za-z0-9_-])." % name)
        form, found = self._layout(name)
        if form is None:
            self._check_container()
            self._append(name, desired)
            return True
        if form in ("dotted", "unsupported"):
            raise self._unsupported(name)
        current = self.get(name) or {}
        merged = dict((k, v) for k, v in current.items() if k not in managed)
        merged.update(desired)
        if _equal(merged, current):
            return False
        if form == "inline":
            statement = [s for s in found if s.kind == "kv" and s.path == (self.container, name)][0]
            ordered = _ordered(current, merged)
            self._refresh(self.text[:statement.vstart] + dumps_value(ordered) + self.text[statement.vend:])
            return True
        self._edit_table(name, found, current, desired, managed)
        return True

    def _append(self, name, desired):
        text = self.text
        block = "[%s.%s]\n" % (self.container, name)
        block += "".join("%s = %s\n" % (quote_key(k), dumps_value(v)) for k, v in desired.items())
        if text and not text.endswith("\n"):
            text += "\n"
        if text:
            text += "\n"
        self._refresh(text + block)

    def _table_statements(self, found, path):
        """(header, [kv statements]) of the table at ``path``."""
        header = None
        for statement in found:
            if statement.kind == "table" and statement.path == path:
                header = statement
        body = [s for s in found if s.kind == "kv" and s.table == path]
        return header, body

    def _edit_table(self, name, found, current, desired, managed):
        base = (self.container, name)
        edits = []
        header, body = self._table_statements(found, base)
        sub_tables = dict((s.path[2], s) for s in found if s.kind == "table" and len(s.path) == 3 and s.path[:2] == base)
        deeper = [s for s in found if s.kind == "table" and len(s.path) > 3 and s.path[:2] == base]
        last = body[-1] if body else header
        for key in managed:
            key_lines = [s for s in body if s.key[0] == key]
            has_sub = key in sub_tables or any(s.path[2] == key for s in deeper)
            if key not in desired:
                for statement in key_lines:
                    edits.append((statement.start, statement.end, ""))
                if has_sub:
                    for sub in [sub_tables.get(key)] + [s for s in deeper if s.path[2] == key]:
                        if sub is not None:
                            edits.extend(self._table_block_edit(found, sub))
                continue
            want = desired[key]
            have = current.get(key)
            if key in current and _equal(want, have):
                continue
            if has_sub:
                if deeper and any(s.path[2] == key for s in deeper):
                    raise self._unsupported(name)
                sub = sub_tables[key]
                if isinstance(want, dict) and not key_lines:
                    edits.extend(self._edit_sub_table(found, sub, have or {}, want))
                    continue
                edits.extend(self._table_block_edit(found, sub))
            if len(key_lines) == 1 and key_lines[0].key == (key,):
                statement = key_lines[0]
                edits.append((statement.vstart, statement.vend, dumps_value(want)))
                continue
            for statement in key_lines:
                edits.append((statement.start, statement.end, ""))
            edits.append((last.end, last.end, "%s = %s\n" % (quote_key(key), dumps_value(want))))
        self._refresh(_apply(self.text, edits))

    def _edit_sub_table(self, found, sub, have, want):
        """Key-level edits of a ``[mcp_servers.name.<key>]`` sub-table holding a flat dict."""
        dummy, body = self._table_statements(found, sub.path)
        edits = []
        last = body[-1] if body else sub
        for key in list(have) + [k for k in want if k not in have]:
            lines = [s for s in body if s.key[0] == key]
            if key not in want:
                edits.extend((s.start, s.end, "") for s in lines)
            elif key in have and _equal(want[key], have[key]):
                continue
            elif len(lines) == 1 and lines[0].key == (key,):
                edits.append((lines[0].vstart, lines[0].vend, dumps_value(want[key])))
            else:
                edits.extend((s.start, s.end, "") for s in lines)
                edits.append((last.end, last.end, "%s = %s\n" % (quote_key(key), dumps_value(want[key]))))
        return edits

    def _table_block_edit(self, found, header):
        """The edit removing a table: header to its last key line, plus one blank line before it."""
        dummy, body = self._table_statements(found, header.path)
        end = body[-1].end if body else header.end
        start = header.start
        if start >= 2 and self.text[start - 1] == "\n" and self.text[start - 2] == "\n":
            start -= 1
        elif start == 1 and self.text[0] == "\n":
            start = 0
        return [(start, end, "")]

    def remove(self, name):
        """Remove the server ``name`` (every layout but array tables). True when the text changed."""
        form, found = self._layout(name)
        if form is None:
            return False
        if form == "unsupported":
            raise self._unsupported(name)
        base = (self.container, name)
        edits = []
        if form == "table":
            for statement in found:
                if statement.kind == "table" and statement.path[:2] == base:
                    edits.extend(self._table_block_edit(found, statement))
        else:
            for statement in found:
                if statement.kind == "kv" and statement.path[:2] == base:
                    edits.append((statement.start, statement.end, ""))
        self._refresh(_apply(self.text, edits))
        return True


def _ordered(current, merged):
    """``merged`` with the keys of ``current`` first, in their order."""
    result = {}
    for key in current:
        if key in merged:
            result[key] = merged[key]
    for key in merged:
        if key not in result:
            result[key] = merged[key]
    return result


def _equal(left, right):
    """Equality that tells ``1`` from ``true`` and ``1`` from ``1.0`` (TOML does)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return set(left) == set(right) and all(_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return type(left) is type(right) and left == right


def _apply(text, edits):
    """Apply (start, end, replacement) edits, merging overlapping deletions."""
    ordered = sorted(((e[0], e[1], i, e[2]) for i, e in enumerate(edits)), reverse=True)
    floor = None
    for start, end, dummy, replacement in ordered:
        if floor is not None and end > floor:
            end = max(floor, start)
        text = text[:start] + replacement + text[end:]
        floor = start
    return text
