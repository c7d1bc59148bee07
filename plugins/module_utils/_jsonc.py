# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key-level edits of JSON and JSONC files that keep every untouched byte. PRIVATE to the collection.

Agent config files (``~/.claude.json``, ``settings.json``, ``mcp.json``, ``opencode.jsonc``)
are co-owned by the agents and by their users: they hold other settings, other servers and,
in the JSONC ones, comments and trailing commas. Re-serialising the whole document would lose
all of that, so this module parses the text into a tree that remembers where every value
starts and ends, and edits are text splices:

* :meth:`Document.set_member` replaces one member's value in place, or inserts a new member
  after the last one (same indentation, the object's trailing-comma style kept, never after a
  comment that belongs to the previous line);
* :meth:`Document.delete_member` removes a member with the whole lines it occupied and the
  right comma;
* :meth:`Document.append_item` / :meth:`Document.remove_item` do the same for array items.

Values that are written are rendered with ``json.dumps`` at the document's indentation, so a
file that was strict JSON stays strict JSON (atk 0.4.0 reads ``opencode.jsonc`` with
``json.loads``). A missing or empty file starts as ``{}``; then the result of the first
``set_member`` calls is exactly ``json.dumps(data, indent=2) + "\\n"``, what atk writes.

Accepted syntax: JSON plus ``//`` and ``/* */`` comments, trailing commas and a leading BOM
(what VS Code's and Gemini CLI's JSONC readers accept). Duplicate keys: the last one wins, as
in ``JSON.parse``; deleting removes every occurrence.
"""

from __future__ import annotations

import json
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

_SKIP = re.compile(r"(?:[ \t\r\n]+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERAL = re.compile(r"true|false|null")
_LITERALS = {"true": True, "false": False, "null": None}
_DECODER = json.JSONDecoder(strict=False)


def _parsed(slot):
    """A container's part that the parser fills in on first access (see :class:`Node`)."""
    def get(node):
        node._expand()
        return getattr(node, slot)
    return property(get)


class Node(object):
    """A parsed value: ``kind`` (object, array, string, number, literal), ``start``/``end`` offsets.

    Objects have ``members`` (list of :class:`Member`), arrays ``items`` (list of Node) and
    ``commas`` (offset of the comma after each item, or None); both have ``close`` (offset of
    ``}``/``]``). A container that is plain JSON is decoded at C speed by ``json`` and its
    children are parsed only when asked for, so a multi-megabyte ``~/.claude.json`` costs
    little more than ``json.loads``.
    """

    __slots__ = ("kind", "start", "end", "_value", "_members", "_items", "_commas", "_close", "_parser")

    def __init__(self, kind, start, end=None, value=None, parser=None):
        self.kind = kind
        self.start = start
        self.end = end
        self._value = value
        self._members = None
        self._items = None
        self._commas = None
        self._close = None
        self._parser = parser  # set while the children are not parsed yet

    def _expand(self):
        if self._parser is not None:
            parser, self._parser = self._parser, None
            if self.kind == "object":
                parser.object(self.start, self)
            else:
                parser.array(self.start, self)

    members = _parsed("_members")
    items = _parsed("_items")
    commas = _parsed("_commas")
    close = _parsed("_close")

    def python(self):
        """The plain Python value (dict, list, str, int/float, bool, None)."""
        if self._parser is not None:
            return self._value
        if self.kind == "object":
            return dict((member.key, member.value.python()) for member in self._members)
        if self.kind == "array":
            return [item.python() for item in self._items]
        return self._value

    def member(self, key):
        """The last member named ``key`` (JSON.parse semantics), or None."""
        found = None
        for member in self.members or ():
            if member.key == key:
                found = member
        return found


class Member(object):
    __slots__ = ("key", "key_start", "value", "comma")

    def __init__(self, key, key_start, value):
        self.key = key
        self.key_start = key_start
        self.value = value
        self.comma = None  # offset of the comma that follows the value, if any


def _position(text, offset):
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class _Parser(object):
    def __init__(self, text, where):
        self.text = text
        self.where = where

    def fail(self, offset, what):
        line, column = _position(self.text, offset)
        raise AtkError("Cannot parse %s: %s at line %d column %d." % (self.where, what, line, column),
                       hint="Fix the file (it must be JSON, comments and trailing commas allowed) and run again.")

    def skip(self, pos):
        """Past whitespace and comments."""
        pos = _SKIP.match(self.text, pos).end()
        if self.text.startswith("/*", pos):
            self.fail(pos, "unterminated /* comment")
        return pos

    def describe(self, pos):
        if pos >= len(self.text):
            return "end of file"
        return repr(self.text[pos])

    def value(self, pos):
        """-> (node, end) for the value at ``pos`` (after whitespace and comments)."""
        text = self.text
        pos = self.skip(pos)
        char = text[pos:pos + 1]
        if char in ("{", "["):
            kind = "object" if char == "{" else "array"
            try:
                value, end = _DECODER.raw_decode(text, pos)
            except ValueError:
                node = Node(kind, pos)
                end = self.object(pos, node) if kind == "object" else self.array(pos, node)
                return node, end
            return Node(kind, pos, end, value, parser=self), end
        if char == '"':
            match = _STRING.match(text, pos)
            if match is None:
                self.fail(pos, "unterminated string")
            return Node("string", pos, match.end(), self.decode(match)), match.end()
        match = _NUMBER.match(text, pos)
        if match is not None:
            raw = match.group(0)
            number = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return Node("number", pos, match.end(), number), match.end()
        match = _LITERAL.match(text, pos)
        if match is not None:
            return Node("literal", pos, match.end(), _LITERALS[match.group(0)]), match.end()
        self.fail(pos, "expected a value, found %s" % self.describe(pos))
        return None, None

    def decode(self, match):
        try:
            return json.loads(match.group(0), strict=False)
        except ValueError:
            self.fail(match.start(), "invalid string escape")
            return None

    @staticmethod
    def close(node, pos):
        """Record the closing bracket at ``pos`` of a container ``node``; -> end offset."""
        node._close = pos
        node.end = pos + 1
        return pos + 1

    def object(self, start, node):
        """Parse the members of the object at ``start`` into ``node``; -> end offset."""
        text = self.text
        node._members = []
        pos = start + 1
        while True:
            pos = self.skip(pos)
            if text.startswith("}", pos):
                return self.close(node, pos)
            match = _STRING.match(text, pos) if text.startswith('"', pos) else None
            if match is None:
                self.fail(pos, "expected a member name or '}'" if pos < len(text) else "unterminated object")
            key = self.decode(match)
            pos = self.skip(match.end())
            if not text.startswith(":", pos):
                self.fail(pos, "expected ':' after the member name")
            value, pos = self.value(pos + 1)
            member = Member(key, match.start(), value)
            node._members.append(member)
            pos = self.skip(pos)
            if text.startswith(",", pos):
                member.comma = pos
                pos += 1
                continue
            if text.startswith("}", pos):
                return self.close(node, pos)
            self.fail(pos, "expected ',' or '}'")

    def array(self, start, node):
        """Parse the items of the array at ``start`` into ``node``; -> end offset."""
        text = self.text
        node._items = []
        node._commas = []
        pos = start + 1
        while True:
            pos = self.skip(pos)
            if text.startswith("]", pos):
                return self.close(node, pos)
            if pos >= len(text):
                self.fail(pos, "unterminated array")
            item, pos = self.value(pos)
            node._items.append(item)
            pos = self.skip(pos)
            if text.startswith(",", pos):
                node._commas.append(pos)
                pos += 1
                continue
            if text.startswith("]", pos):
                node._commas.append(None)
                return self.close(node, pos)
            self.fail(pos, "expected ',' or ']'")


def parse(text, where="the file"):
    """Parse JSONC ``text`` -> root :class:`Node`. Raises AtkError naming line and column."""
    parser = _Parser(text, where)
    start = 1 if text.startswith(u"\ufeff") else 0
    root, end = parser.value(start)
    end = parser.skip(end)
    if end < len(text):
        parser.fail(end, "unexpected content after the top-level value")
    return root


def loads(text, where="the file"):
    """The plain Python value of JSONC ``text``."""
    return parse(text, where).python()


# ---------------------------------------------------------------------------------------------
# Layout helpers


def _line_start(text, offset):
    return text.rfind("\n", 0, offset) + 1


def _indent_at(text, offset):
    """The whitespace that starts the line holding ``offset``."""
    start = _line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def _only_space_before(text, offset):
    start = _line_start(text, offset)
    return text[start:offset].strip(" \t") == ""


def _rest_of_line_end(text, offset):
    """If only spaces and comments follow ``offset`` on its line, the offset just after the newline; else None."""
    pos = offset
    length = len(text)
    while pos < length:
        char = text[pos]
        if char in " \t\r":
            pos += 1
        elif char == "\n":
            return pos + 1
        elif text.startswith("//", pos):
            newline = text.find("\n", pos)
            return length if newline < 0 else newline + 1
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0 or "\n" in text[pos:close]:
                return None
            pos = close + 2
        else:
            return None
    return length


def _line_end_after(text, offset):
    """The offset of the newline ending the line of ``offset``, if only spaces/comments lie between; else None."""
    end = _rest_of_line_end(text, offset)
    if end is None:
        return None
    if end > 0 and text[end - 1] == "\n":
        return end - 1
    return end


def detect_indent(text, root):
    """The document's indentation unit: that of the root object's first member line, else two spaces."""
    if root is not None and root.kind == "object" and root.members:
        first = root.members[0]
        if _only_space_before(text, first.key_start):
            unit = _indent_at(text, first.key_start)
            if unit:
                return unit
    return "  "


def render(value, base_indent, unit):
    """``value`` as JSON text, nested lines indented from ``base_indent`` by ``unit``."""
    text = json.dumps(value, indent=unit, ensure_ascii=False)
    return text.replace("\n", "\n" + base_indent)


class Document(object):
    """A JSONC text being edited. ``text`` is the current text; ``data`` its Python value."""

    def __init__(self, text, where="the file"):
        self.where = where
        if text is None or text.strip(u"\ufeff \t\r\n") == "":
            text = "{}\n"
        self.text = text
        self.root = parse(text, where)
        if self.root.kind != "object":
            raise AtkError("%s does not hold a JSON object at the top level." % where,
                           hint="atk.core edits only files whose top level is an object.")
        self.unit = detect_indent(text, self.root)

    @property
    def data(self):
        return self.root.python()

    def _splice(self, edits):
        """Apply (start, end, replacement) edits (non-overlapping) and re-parse."""
        text = self.text
        # from the end backwards; at one offset the edit listed last is applied first, so the
        # replacements end up in the order they were listed
        ordered = sorted(((e[0], e[1], i, e[2]) for i, e in enumerate(edits)), reverse=True)
        for start, end, dummy, replacement in ordered:
            text = text[:start] + replacement + text[end:]
        self.text = text
        self.root = parse(text, self.where)

    def node(self, path):
        """The node at ``path`` (a sequence of keys), or None."""
        node = self.root
        for key in path:
            if node is None or node.kind != "object":
                return None
            member = node.member(key)
            node = member.value if member is not None else None
        return node

    def get(self, path, default=None):
        node = self.node(path)
        return default if node is None else node.python()

    # -- objects --------------------------------------------------------------------------

    def _member_indent(self, obj):
        """Indentation for members of ``obj``: that of its members, else its own line's plus one unit."""
        for member in obj.members:
            if _only_space_before(self.text, member.key_start):
                return _indent_at(self.text, member.key_start)
        return _indent_at(self.text, obj.start) + self.unit

    def _container(self, path):
        """The object at ``path``, creating missing objects along the way."""
        node = self.root
        for depth, key in enumerate(path):
            member = node.member(key)
            if member is None:
                self.set_member(path[:depth + 1], {})
                node = self.node(path[:depth + 1])
                continue
            if member.value.kind != "object":
                raise AtkError("%s: %s is not an object." % (self.where, ".".join(path[:depth + 1])),
                               hint="Fix or remove that key by hand; atk.core does not overwrite it.")
            node = member.value
        return node

    def set_member(self, path, value):
        """Set ``path[-1]`` of the object at ``path[:-1]`` (created when missing) to ``value``.

        Returns True when the text changed. An existing member whose value already equals
        ``value`` is left byte for byte.
        """
        parent = self._container(path[:-1])
        key = path[-1]
        member = parent.member(key)
        indent = self._member_indent(parent)
        if member is not None:
            if member.value.python() == value and _same_types(member.value.python(), value):
                return False
            rendered = render(value, _indent_at(self.text, member.key_start) if _only_space_before(self.text, member.key_start)
                              else indent, self.unit)
            self._splice([(member.value.start, member.value.end, rendered)])
            return True
        entry = "%s: %s" % (json.dumps(key, ensure_ascii=False), render(value, indent, self.unit))
        self._insert(parent, parent.members, entry, indent)
        return True

    def _insert(self, container, children, entry, indent):
        """Insert ``entry`` (member or item text) as the last child of ``container``."""
        text = self.text
        if not children:
            inner_start = container.start + 1
            inner = text[inner_start:container.close]
            if "\n" in inner:
                self._splice([(inner_start, inner_start, "\n" + indent + entry)])
            else:
                outer = _indent_at(text, container.start)
                self._splice([(inner_start, container.close, "\n" + indent + entry + "\n" + outer)])
            return
        last = children[-1]
        last_end = last.value.end if isinstance(last, Member) else last.end
        comma = last.comma if isinstance(last, Member) else container.commas[-1]
        last_start = last.key_start if isinstance(last, Member) else last.start
        multiline = _only_space_before(text, last_start)
        edits = []
        after = last_end if comma is None else comma + 1
        if comma is None:
            edits.append((last_end, last_end, ","))
        suffix = "," if comma is not None else ""
        if multiline:
            line_end = _line_end_after(text, after)
            if line_end is not None and line_end < container.close:
                edits.append((line_end, line_end, "\n" + indent + entry + suffix))
            else:
                edits.append((after, after, "\n" + indent + entry + suffix))
        else:
            edits.append((after, after, " " + entry + suffix))
        self._splice(edits)

    def delete_member(self, path):
        """Remove every member ``path[-1]`` of the object at ``path[:-1]``. True when something was removed."""
        parent = self.node(path[:-1])
        if parent is None or parent.kind != "object":
            return False
        indexes = [i for i, member in enumerate(parent.members) if member.key == path[-1]]
        if not indexes:
            return False
        for index in reversed(indexes):
            parent = self.node(path[:-1])
            self._remove_child(parent, parent.members, index)
        return True

    def _remove_child(self, container, children, index):
        text = self.text
        child = children[index]
        is_member = isinstance(child, Member)
        start = child.key_start if is_member else child.start
        end = child.value.end if is_member else child.end
        comma = child.comma if is_member else container.commas[index]
        edits = []
        if comma is None and index > 0:
            previous = children[index - 1]
            prev_comma = previous.comma if is_member else container.commas[index - 1]
            if prev_comma is not None:
                edits.append((prev_comma, prev_comma + 1, ""))
        span_end = end if comma is None else comma + 1
        rest = _rest_of_line_end(text, span_end)
        if _only_space_before(text, start) and rest is not None and rest <= container.close:
            # the child has its own line(s): remove them whole
            edits.append((_line_start(text, start), rest, ""))
        elif (_only_space_before(text, start) and index == len(children) - 1 and _line_start(text, start) > container.start + 1
              and "//" not in text[_line_start(text, _line_start(text, start) - 1):_line_start(text, start)]):
            # the last child starts a line the closing bracket shares: remove it with the line break before it
            edits.append((_line_start(text, start) - 1, span_end, ""))
        else:
            # the child shares its line with something before it: remove it with the spaces
            # before it when it is the last child, else with the spaces after it
            begin, stop = start, span_end
            if index == len(children) - 1:
                while begin > container.start + 1 and text[begin - 1] in " \t":
                    begin -= 1
            else:
                while stop < container.close and text[stop] in " \t":
                    stop += 1
            edits.append((begin, stop, ""))
        self._splice(edits)
        # an object or array left with only whitespace inside collapses to {} / []
        container = self._refind(container)
        if container is not None and not (container.members or container.items):
            inner = self.text[container.start + 1:container.close]
            if inner.strip(" \t\r\n") == "" and inner:
                self._splice([(container.start + 1, container.close, "")])

    def _refind(self, old):
        """The node starting at ``old.start`` after a splice that only touched its inside."""
        def walk(node):
            if node.start == old.start and node.kind == old.kind:
                return node
            for child in (node.members or ()):
                if child.value.start <= old.start <= child.value.end:
                    return walk(child.value)
            for child in (node.items or ()):
                if child.start <= old.start <= child.end:
                    return walk(child)
            return None
        return walk(self.root)

    # -- arrays ---------------------------------------------------------------------------

    def _array(self, path, create):
        node = self.node(path)
        if node is None:
            if not create:
                return None
            self.set_member(path, [])
            return self.node(path)
        if node.kind != "array":
            raise AtkError("%s: %s is not an array." % (self.where, ".".join(path)),
                           hint="Fix or remove that key by hand; atk.core does not overwrite it.")
        return node

    def append_item(self, path, value):
        """Append ``value`` to the array at ``path`` (created when missing) unless it is there. True when changed."""
        array = self._array(path, create=False)
        if array is not None and value in array.python():
            return False
        if array is None:
            self.set_member(path, [value])
            return True
        indent = None
        for item in array.items:
            if _only_space_before(self.text, item.start):
                indent = _indent_at(self.text, item.start)
                break
        if indent is None:
            indent = _indent_at(self.text, array.start) + self.unit
        self._insert(array, array.items, render(value, indent, self.unit), indent)
        return True

    def remove_item(self, path, value):
        """Remove every item equal to ``value`` from the array at ``path``. True when changed."""
        array = self._array(path, create=False)
        if array is None:
            return False
        indexes = [i for i, item in enumerate(array.items) if item.python() == value]
        if not indexes:
            return False
        for index in reversed(indexes):
            array = self.node(path)
            self._remove_child(array, array.items, index)
        return True


def _same_types(left, right):
    """``1 == 1.0 == True`` in Python; JSON tells them apart."""
    if isinstance(left, dict) and isinstance(right, dict):
        return all(_same_types(left[k], right[k]) for k in left if k in right)
    if isinstance(left, list) and isinstance(right, list):
        return all(_same_types(a, b) for a, b in zip(left, right))
    return type(left) is type(right) or (isinstance(left, str) and isinstance(right, str))
