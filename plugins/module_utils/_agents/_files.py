# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files atk_agent reads and writes. PRIVATE to the collection.

* :class:`AgentFile`: one agent config file, edited key by key (:mod:`_jsonc` for JSON and
  JSONC, :mod:`_toml_edit` for Codex), so every other setting, server and comment stays;
* :class:`MarkdownFile`: ``CLAUDE.md`` / ``AGENTS.md`` with atk's managed section (:mod:`_skills`);
* the ownership record, ``<home>/.git/atk-core/agents.json`` (never in the tracked tree): per
  agent, scope, root, file and entry, a hash (:func:`digest`) of what atk.core wrote.

Each file is read once, edited in memory by every operation of a call and written once,
atomically, through a symlink to its target, with its mode kept (but never read-only).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _jsonc
from ansible_collections.atk.core.plugins.module_utils import _skills
from ansible_collections.atk.core.plugins.module_utils import _toml_edit

LEDGER_NAME = "agents.json"
LEDGER_VERSION = 1
NEW_FILE_MODE = 0o600  # agent configs may hold secret values
TEXT_FILE_MODE = 0o644


def _write(target, text, existed, new_mode):
    _fs.makedirs(os.path.dirname(target), keep_owner=True)
    mode = (stat.S_IMODE(os.stat(target).st_mode) | stat.S_IWUSR) if existed else new_mode
    _fs.atomic_write(target, text.encode("utf-8"), mode, keep_owner=True)


class AgentFile(object):
    """One agent config file (``fmt`` json or toml, servers under the key path ``container``)."""

    def __init__(self, path, fmt, container):
        self.path = path
        self.fmt = fmt
        self.container = container
        self.real = os.path.realpath(path)
        data = _fs.read_bytes(self.real)
        self.exists = data is not None
        try:
            self.before = data.decode("utf-8") if data is not None else None
        except UnicodeDecodeError:
            raise AtkError("%s is not valid UTF-8." % path, hint="Fix its encoding; atk.core does not rewrite it.")
        self.error = None
        self.doc = None
        try:
            if fmt == "toml":
                self.doc = _toml_edit.ServerEditor(self.before or "", where=path)
            else:
                self.doc = _jsonc.Document(self.before, where=path)
        except AtkError as exc:
            self.error = exc
        self.initial = self.doc.text if self.doc is not None else None

    @property
    def text(self):
        return self.doc.text

    @property
    def changed(self):
        return self.doc is not None and self.doc.text != self.initial

    def get(self, name):
        if self.fmt == "toml":
            return self.doc.get(name)
        servers = self.doc.get(self.container)
        if not isinstance(servers, dict):
            return None
        return servers.get(name)

    def set(self, name, entry, managed):
        """Make the entry ``name`` hold ``entry`` for the ``managed`` keys; its other keys stay."""
        if self.fmt == "toml":
            return self.doc.set(name, entry, managed)
        current = self.get(name)
        if isinstance(current, dict):
            merged = dict((k, v) for k, v in current.items() if k not in managed)
            merged.update(entry)
            ordered = dict((k, merged[k]) for k in current if k in merged)
            ordered.update((k, v) for k, v in merged.items() if k not in ordered)
            entry = ordered
        return self.doc.set_member(tuple(self.container) + (name,), entry)

    def remove(self, name):
        if self.fmt == "toml":
            return self.doc.remove(name)
        return self.doc.delete_member(tuple(self.container) + (name,))

    def write(self):
        _write(self.real, self.text, self.exists, NEW_FILE_MODE)


class MarkdownFile(object):
    """CLAUDE.md / AGENTS.md: ``doc`` is the text (None: no file), edited with :mod:`_skills`."""

    def __init__(self, path):
        self.path = path
        self.error = None
        # a dangling symlink is replaced by a regular file when written
        self.broken_link = os.path.islink(path) and not os.path.exists(path)
        self.real = path if self.broken_link else os.path.realpath(path)
        data = None if self.broken_link else _fs.read_bytes(self.real)
        self.exists = data is not None
        try:
            self.before = _skills.read_universal(data) if data is not None else None
        except UnicodeDecodeError:
            self.before = None
            self.error = AtkError("%s is not valid UTF-8." % path)
        self.doc = self.before

    @property
    def text(self):
        return self.doc

    @property
    def changed(self):
        return self.doc != self.before

    def write(self):
        if self.broken_link:
            os.unlink(self.path)
        _write(self.real, self.doc, self.exists, TEXT_FILE_MODE)


# ---------------------------------------------------------------------------------------------
# The ownership record


def digest(value):
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def ledger_path(home):
    return os.path.join(_home.state_dir(home), LEDGER_NAME)


def load_ledger(home):
    """The records (list of dicts). A missing record is empty (nothing is owned)."""
    text = _fs.read_text(ledger_path(home))
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        raise AtkError("%s is not valid JSON." % ledger_path(home),
                       hint="It is atk.core's record of the agent entries it wrote; delete it to start over "
                            "(entries already written are then adopted when they match).")
    return list(data.get("entries") or [])


def save_ledger(home, records):
    path = ledger_path(home)
    _fs.makedirs(os.path.dirname(path))
    records = sorted(records, key=record_key)
    text = json.dumps({"version": LEDGER_VERSION, "entries": records}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _fs.atomic_write(path, text, 0o600)


def record_key(record):
    return (record["root"], record["scope"], record["agent"], record["kind"], record["file"], record["name"])
