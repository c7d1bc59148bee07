# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A key-level editor for Codex's ``[mcp_servers.<name>]`` tables. PRIVATE to the collection.

It edits the text by splices (reading it with :mod:`_toml`), so that every byte outside the
server entry it manages stays as it was: other tables, comments, ``[projects."<path>"]`` trust
entries Codex writes, key order, quoting style.

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

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _toml


class ServerEditor(object):
    """Edits ``[<container>.<name>]`` entries of one TOML text (``container`` = ``mcp_servers``)."""

    def __init__(self, text, where="config.toml", container="mcp_servers"):
        self.text = text or ""
        self.where = where
        self.container = container
        self.data = _toml.loads(self.text, where)

    def _refresh(self, text):
        self.text = text
        self.data = _toml.loads(text, self.where)

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
        found = _toml.statements(self.text, self.where)
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
        for statement in _toml.statements(self.text, self.where):
            if statement.kind == "kv" and statement.path == (self.container,):
                raise AtkError("%s defines %s as an inline table; atk.core cannot add tables to it." % (self.where, self.container),
                               hint="Rewrite it as [%s.<name>] tables and run again." % self.container)

    def set(self, name, desired, managed):
        """Make the server ``name`` hold ``desired`` for the keys in ``managed``; other keys stay.

        Returns True when the text changed.
        """
        if not _toml.BARE_KEY.match(name):
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
        if _toml.equal(merged, current):
            return False
        if form == "inline":
            statement = [s for s in found if s.kind == "kv" and s.path == (self.container, name)][0]
            ordered = _ordered(current, merged)
            self._refresh(self.text[:statement.vstart] + _toml.dumps_value(ordered) + self.text[statement.vend:])
            return True
        self._edit_table(name, found, current, desired, managed)
        return True

    def _append(self, name, desired):
        text = self.text
        block = "[%s.%s]\n" % (self.container, name)
        block += "".join("%s = %s\n" % (_toml.quote_key(k), _toml.dumps_value(v)) for k, v in desired.items())
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
            if key in current and _toml.equal(want, have):
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
                edits.append((statement.vstart, statement.vend, _toml.dumps_value(want)))
                continue
            for statement in key_lines:
                edits.append((statement.start, statement.end, ""))
            edits.append((last.end, last.end, "%s = %s\n" % (_toml.quote_key(key), _toml.dumps_value(want))))
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
            elif key in have and _toml.equal(want[key], have[key]):
                continue
            elif len(lines) == 1 and lines[0].key == (key,):
                edits.append((lines[0].vstart, lines[0].vend, _toml.dumps_value(want[key])))
            else:
                edits.extend((s.start, s.end, "") for s in lines)
                edits.append((last.end, last.end, "%s = %s\n" % (_toml.quote_key(key), _toml.dumps_value(want[key]))))
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
