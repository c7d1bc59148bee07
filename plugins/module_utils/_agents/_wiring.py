# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wiring operations of one atk_agent call, and what they decide on ownership. PRIVATE.

:class:`Run` holds the state of one call (files loaded once, symlinks to change, the ownership
record, results) and does each operation in memory: put or remove an MCP entry, put or remove
a SKILL.md wiring (a managed line, a symlink, an instructions item). Nothing is written here;
:mod:`._converge` writes the files at the end (unless in check mode).

Ownership: an entry the record lists is atk.core's; it is updated when it drifts and removed
with ``state: absent``. An entry atk.core did not write is adopted only when it already equals
what would be written; otherwise it is a conflict, left alone unless ``force``.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _skills
from ansible_collections.atk.core.plugins.module_utils import _toml
from ansible_collections.atk.core.plugins.module_utils._agents import _files


class Run(object):
    """State of one call in ``ctx`` (an :class:`_adapters.Context`): files, links, records, results."""

    def __init__(self, ctx, records, force):
        self.ctx = ctx
        self.records = dict((_files.record_key(r), r) for r in records)
        self.original_records = dict(self.records)
        self.force = force
        self.files = {}
        self.links = []  # (link, before target or None, after target or None)
        self.results = []
        self.secret_values = set()
        self.warnings = []
        self.errors = []
        self.skipped = set()

    def file(self, agent, path=None):
        """The config file of the adapter ``agent`` in this scope (or at ``path``, where a record points)."""
        if path is None:
            path = agent.config_file(self.ctx)[0]
        if path not in self.files:
            self.files[path] = _files.AgentFile(path, agent.fmt, agent.container)
        return self.files[path]

    def markdown(self, path):
        if path not in self.files:
            self.files[path] = _files.MarkdownFile(path)
        return self.files[path]

    # -- the ownership record -------------------------------------------------------------

    def key(self, agent, kind, path, name):
        return (self.ctx.root, self.ctx.scope, agent, kind, path, name)

    def record(self, agent, kind, path, name, plugin, value):
        """Record that atk.core wrote ``value`` as ``name`` in ``path`` for ``plugin`` (a dict)."""
        self.records[self.key(agent, kind, path, name)] = {
            "root": self.ctx.root, "scope": self.ctx.scope, "agent": agent, "kind": kind, "file": path, "name": name,
            "plugin": plugin["directory"], "display_name": plugin["name"], "hash": _files.digest(value)}

    def forget(self, agent, kind, path, name):
        self.records.pop(self.key(agent, kind, path, name), None)

    def owned(self, agent, kind, path, name):
        return self.records.get(self.key(agent, kind, path, name))

    def mine(self, record):
        """Whether ``record`` belongs to this call's root and scope."""
        return record["root"] == self.ctx.root and record["scope"] == self.ctx.scope

    def note_current_secrets(self, current, secret_names):
        """Secret values already in an entry (e.g. written literally by ``atk plug``) are masked too."""
        if not isinstance(current, dict):
            return
        for key in ("env", "environment"):  # every agent's env key: masking errs on the safe side
            block = current.get(key)
            if isinstance(block, dict):
                for name, value in block.items():
                    if name in secret_names and isinstance(value, str):
                        self.secret_values.add(value)

    def fail(self, result, error, label):
        result["action"] = "failed"
        result["error"] = str(error)
        self.errors.append("%s (%s): %s" % (result.get("name") or result.get("plugin"), label, error))

    # -- MCP entries ----------------------------------------------------------------------

    def mcp_present(self, agent, plugin, built):
        handle = self.file(agent)
        result = plugin["result"]
        if handle.error is not None:
            return self.fail(result, handle.error, agent.label)
        name = result["entry"]
        entry = built["entry"]
        current = handle.get(name)
        self.note_current_secrets(current, plugin["secret_names"])
        owned = self.owned(agent.name, "mcp", handle.path, name)
        if current is None:
            action = "add"
        elif _toml.equal(agent.projection(current), entry):
            action = "none"
            if owned is None:
                result["reason"] = "adopted: the existing entry already equals the desired one"
        elif owned is not None:
            action = "update"
            if owned.get("hash") != _files.digest(agent.projection(current)):
                result["reason"] = "repaired: the entry was changed outside atk.core"
        elif self.force:
            action = "update"
            result["reason"] = "replaced an entry atk.core did not write (force)"
        else:
            result["action"] = "conflict"
            result["reason"] = ("an entry named %r exists and differs from the desired one; atk.core did not write it, "
                                "so it is left alone (force=true replaces it)" % name)
            return None
        try:
            if action != "none":
                handle.set(name, entry, agent.managed)
        except AtkError as exc:
            return self.fail(result, exc, agent.label)
        result["action"] = action
        self.record(agent.name, "mcp", handle.path, name, plugin, entry)
        return None

    def mcp_absent(self, agent, name, result, desired=None, secret_names=(), path=None):
        """Remove the entry ``name`` when atk.core owns it (or it equals ``desired``, or ``force``)."""
        handle = self.file(agent, path)
        if handle.error is not None:
            return self.fail(result, handle.error, agent.label)
        current = handle.get(name)
        if current is None:
            result["action"] = "none"
            self.forget(agent.name, "mcp", handle.path, name)
            return None
        self.note_current_secrets(current, secret_names)
        owned = self.owned(agent.name, "mcp", handle.path, name)
        if owned is None and not self.force and not (desired is not None and _toml.equal(agent.projection(current), desired)):
            result["action"] = "conflict"
            result["reason"] = "atk.core did not write the entry %r and it differs from what it would write; left alone " \
                               "(force=true removes it)" % name
            return None
        try:
            handle.remove(name)
        except AtkError as exc:
            return self.fail(result, exc, agent.label)
        result["action"] = "remove"
        self.forget(agent.name, "mcp", handle.path, name)
        return None

    # -- skills ---------------------------------------------------------------------------

    def skill_present(self, agent, target, plugin):
        """Wire SKILL.md as ``target`` (:meth:`_adapters.Agent.skill_target`) says -> the result's ``skill``."""
        kind = target["kind"]
        out = {"file": target["file"], "kind": kind, "action": "none"}
        if kind == "line":
            handle = self.markdown(target["file"])
            if handle.error is not None:
                return self._skill_failed(out, handle.error)
            handle.doc, changed = _skills.add_line(handle.doc, target["line"])
            out["line"] = target["line"]
            out["action"] = "add" if changed else "none"
            self.record(agent.name, "skill", target["file"], target["line"], plugin, target["line"])
        elif kind == "link":
            out["target"] = target["target"]
            state = _skills.link_state(target["file"], target["target"])
            if state == "blocked":
                out["action"] = "conflict"
                out["reason"] = "%s exists and is not a symlink managed by ATK" % target["file"]
                return out
            if state != "correct":
                before = os.readlink(target["file"]) if state == "other" else None
                self.links.append((target["file"], before, target["target"]))
                out["action"] = "update" if state == "other" else "add"
            self.record(agent.name, "skill", target["file"], target["file"], plugin, target["target"])
        else:
            handle = self.file(agent)
            if handle.error is not None:
                # the MCP entry of this file has already reported the error
                return self._skill_failed(out, handle.error, report=False)
            try:
                changed = handle.doc.append_item(agent.instructions, target["item"])
            except AtkError as exc:
                return self._skill_failed(out, exc)
            out["item"] = target["item"]
            out["action"] = "add" if changed else "none"
            self.record(agent.name, "skill", target["file"], target["item"], plugin, target["item"])
        return out

    def _skill_failed(self, out, error, report=True):
        out["action"] = "failed"
        out["error"] = str(error)
        if report:
            self.errors.append("%s: %s" % (out["file"], error))
        return out

    def skill_absent(self, agent, path, name):
        """Remove one piece of the adapter's skill wiring: a managed line, a symlink, an instructions item."""
        kind = agent.skill_kind
        out = {"file": path, "kind": kind, "action": "none"}
        if kind == "line":
            handle = self.markdown(path)
            if handle.error is None:
                handle.doc, changed = _skills.remove_line(handle.doc, name)
                out["line"] = name
                out["action"] = "remove" if changed else "none"
        elif kind == "link":
            if os.path.islink(path) and not any(link == path for link, dummy, dummy2 in self.links):
                self.links.append((path, os.readlink(path), None))
                out["action"] = "remove"
        else:
            handle = self.file(agent, path)
            if handle.error is None:
                try:
                    changed = handle.doc.remove_item(agent.instructions, name)
                except AtkError:
                    changed = False
                out["item"] = name
                out["action"] = "remove" if changed else "none"
        self.forget(agent.name, "skill", path, name)
        return out
