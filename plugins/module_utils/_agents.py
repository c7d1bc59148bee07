# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of atk_agent: plugins' MCP servers and SKILL.md wired into coding agents. PRIVATE.

Each agent's own config file is edited directly, key by key (:mod:`_jsonc` for the JSON and
JSONC files, :mod:`_toml_edit` for Codex), so every other setting, server and comment stays.
What an entry holds is what ``atk mcp <plugin> --json`` resolves (:mod:`_mcp`), shaped the way
each agent stores it, with secrets as references the agent expands itself where it can.

Ownership: ``<home>/.git/atk-core/agents.json`` (never in the tracked tree) records, per
agent, scope, root, file and entry, a hash of what atk.core wrote. Entries in that record are
atk.core's: they are updated when they drift, removed with ``state: absent`` and pruned. An
entry atk.core did not write is adopted only when it already equals what would be written;
otherwise it is a conflict, left alone unless ``force``.

Secrets: the values never leave this file except into the agent files (and only where the
agent cannot reference them, or with ``secrets: literal``). Results carry names; diffs are
masked (every known secret value, raw and JSON/TOML-escaped, becomes ``********``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _jsonc
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils import _mcp
from ansible_collections.atk.core.plugins.module_utils import _skills
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _toml
from ansible_collections.atk.core.plugins.module_utils import _toml_edit
from ansible_collections.atk.core.plugins.module_utils import _urls

AGENTS = ("claude", "codex", "gemini", "auggie", "opencode", "cursor", "vscode")
LABELS = {"claude": "Claude Code", "codex": "Codex", "gemini": "Gemini CLI", "auggie": "Auggie",
          "opencode": "OpenCode", "cursor": "Cursor", "vscode": "VS Code"}
SCOPES = ("user", "project")
LEDGER_NAME = "agents.json"
LEDGER_VERSION = 1
MASK = _mask.MASK
NEW_FILE_MODE = 0o600
TEXT_FILE_MODE = 0o644

# The keys atk.core writes per agent. Other keys a user (or the agent) adds to an entry stay.
MANAGED = {
    "claude": ("type", "command", "args", "env", "url", "timeout"),
    "codex": ("command", "args", "env", "env_vars", "url"),
    "gemini": ("command", "args", "env", "url", "httpUrl", "type", "timeout"),
    "auggie": ("type", "command", "args", "env", "url"),
    "opencode": ("type", "command", "environment", "enabled", "url"),
    "cursor": ("type", "command", "args", "env", "envFile", "url"),
    "vscode": ("type", "command", "args", "env", "envFile", "url"),
}

# How a secret is written, per agent: the reference syntax in env values and in args/URLs
# (None: the agent cannot expand one there). Codex forwards names through env_vars; Cursor
# and VS Code read the plugin's .env through envFile (for stdio servers).
ENV_REFERENCE = {
    "claude": "${%s}", "gemini": "$%s", "opencode": "{env:%s}",
    "codex": "env_vars", "cursor": "envFile", "vscode": "envFile", "auggie": None,
}
STRING_REFERENCE = {
    "claude": "${%s}", "gemini": "${%s}", "opencode": "{env:%s}", "cursor": "${env:%s}",
    "codex": None, "vscode": None, "auggie": None,
}

_CODEX_NAME = re.compile(r"[^A-Za-z0-9_-]+")


# ---------------------------------------------------------------------------------------------
# Where things are


class Context(object):
    """Where one call writes: ``user_home``, ``scope``, ``project`` and the environment overrides.

    ``CLAUDE_CONFIG_DIR``, ``CODEX_HOME`` and ``XDG_CONFIG_HOME`` are honoured only when
    ``user_home`` was not given (they describe the real user's setup, not an isolated one).
    """

    def __init__(self, user_home, scope="user", project=None, environ=None, explicit_home=False, platform=None):
        self.user_home = os.path.abspath(user_home)
        self.scope = scope
        self.project = os.path.abspath(project) if project else None
        self.environ = {} if (environ is None or explicit_home) else environ
        self.platform = platform or sys.platform

    @property
    def root(self):
        return self.project if self.scope == "project" else self.user_home

    def _env_dir(self, name, default):
        value = self.environ.get(name)
        return os.path.abspath(os.path.expanduser(value)) if value else default

    def claude_dir(self):
        return self._env_dir("CLAUDE_CONFIG_DIR", os.path.join(self.user_home, ".claude"))

    def codex_dir(self):
        return self._env_dir("CODEX_HOME", os.path.join(self.user_home, ".codex"))

    def xdg_config(self):
        return self._env_dir("XDG_CONFIG_HOME", os.path.join(self.user_home, ".config"))

    def config_file(self, agent):
        """(path, format, container key path) of ``agent``'s MCP config in this scope."""
        home = self.user_home
        if self.scope == "project":
            project = self.project
            files = {
                "claude": (os.path.join(project, ".mcp.json"), "json", ("mcpServers",)),
                "codex": (os.path.join(project, ".codex", "config.toml"), "toml", ("mcp_servers",)),
                "gemini": (os.path.join(project, ".gemini", "settings.json"), "json", ("mcpServers",)),
                "opencode": (os.path.join(project, "opencode.jsonc"), "json", ("mcp",)),
                "cursor": (os.path.join(project, ".cursor", "mcp.json"), "json", ("mcpServers",)),
                "vscode": (os.path.join(project, ".vscode", "mcp.json"), "json", ("servers",)),
            }
            if agent not in files:
                raise AtkError("%s has no project scope; use scope=user for it." % LABELS[agent])
            return files[agent]
        claude_json = os.path.join(self.environ["CLAUDE_CONFIG_DIR"], ".claude.json") \
            if self.environ.get("CLAUDE_CONFIG_DIR") else os.path.join(home, ".claude.json")
        if self.platform == "darwin":
            vscode = os.path.join(home, "Library", "Application Support", "Code", "User", "mcp.json")
        else:
            vscode = os.path.join(self.xdg_config(), "Code", "User", "mcp.json")
        files = {
            "claude": (claude_json, "json", ("mcpServers",)),
            "codex": (os.path.join(self.codex_dir(), "config.toml"), "toml", ("mcp_servers",)),
            "gemini": (os.path.join(home, ".gemini", "settings.json"), "json", ("mcpServers",)),
            "auggie": (os.path.join(home, ".augment", "settings.json"), "json", ("mcpServers",)),
            "opencode": (os.path.join(self.xdg_config(), "opencode", "opencode.jsonc"), "json", ("mcp",)),
            "cursor": (os.path.join(home, ".cursor", "mcp.json"), "json", ("mcpServers",)),
            "vscode": (vscode, "json", ("servers",)),
        }
        return files[agent]

    def skill_target(self, agent, directory, display_name, skill_path):
        """How atk wires SKILL.md for ``agent`` (user scope only): a dict, or None when atk has no way.

        ``{"kind": "line", "file", "line"}``, ``{"kind": "link", "file" (the link), "target"}``
        or ``{"kind": "instruction", "file", "item"}``.
        """
        if self.scope != "user":
            return None
        home = self.user_home
        if agent == "claude":
            return {"kind": "line", "file": os.path.join(self.claude_dir(), "CLAUDE.md"), "line": _skills.claude_line(skill_path)}
        if agent == "codex":
            return {"kind": "line", "file": os.path.join(self.codex_dir(), "AGENTS.md"),
                    "line": _skills.codex_line(display_name, skill_path)}
        if agent == "gemini":
            link, target = _skills.gemini_link(os.path.join(home, ".gemini", "skills"), directory, skill_path)
            return {"kind": "link", "file": link, "target": target}
        if agent == "auggie":
            link, target = _skills.auggie_link(os.path.join(home, ".augment", "rules"), directory, skill_path)
            return {"kind": "link", "file": link, "target": target}
        if agent == "opencode":
            return {"kind": "instruction", "file": self.config_file("opencode")[0], "item": os.path.realpath(skill_path)}
        return None


def server_name(agent, identifier, directory):
    """The entry name: atk's identifier (the display name), sanitised where the agent requires it.

    Codex accepts only ``[A-Za-z0-9_-]`` (its ``validate_server_name``): every run of other
    characters becomes ``-`` (``"Piper TTS"`` -> ``"Piper-TTS"``); an empty result falls back to
    the plugin directory.
    """
    if agent == "codex":
        name = _CODEX_NAME.sub("-", identifier).strip("-")
        return name or directory
    return identifier


# ---------------------------------------------------------------------------------------------
# Entries


def _sentinel(index):
    return "\x00atk-secret-%d\x00" % index


def build_entry(agent, spec, plugin_dir, env_values, secrets="reference"):
    """The entry ``agent`` gets for the plugin -> dict or None (no ``mcp`` section).

    Returns ``{"entry": {...}, "literal_secrets": [names], "missing": [names], "secret_values": [values]}``.
    ``missing``: required variables atk would mark ``<NOT_SET>`` (left out, as atk does).
    """
    section = spec.get("mcp")
    if section is None:
        return None
    env, missing, dummy_optional, sources = _mcp.resolve_env(spec, env_values)
    secret_names = set(var["name"] for var in spec.get("env_vars") or [] if var.get("secret"))
    plugin_real = _mcp.real_plugin_dir(plugin_dir)
    env_file = os.path.join(plugin_real, ".env")
    resolved = [(name, value) for name, value in env if value != _mcp.NOT_SET]
    secret_values = [value for name, value in resolved if name in secret_names]

    # atk's build with every secret replaced by a sentinel, to see where secrets end up
    sentinels = {}
    masked_env = []
    for name, value in env:
        if name in secret_names and value != _mcp.NOT_SET:
            sentinels[name] = _sentinel(len(sentinels))
            masked_env.append((name, sentinels[name]))
        else:
            masked_env.append((name, value))
    traced = list(_mcp.build(spec, plugin_dir, masked_env).values())[0]
    real = list(_mcp.build(spec, plugin_dir, env).values())[0]
    literal = set()

    def strings(text, real_text):
        """A string of args/url: references where the agent expands them, else atk's real text."""
        used = [name for name, token in sentinels.items() if token in text]
        if not used:
            return real_text
        reference = STRING_REFERENCE[agent]
        if secrets == "literal" or reference is None:
            literal.update(used)
            return real_text
        for name in used:
            text = text.replace(sentinels[name], reference % name)
        return text

    stdio = section["transport"] == "stdio"
    command = real.get("command")
    args = [strings(t, r) for t, r in zip(traced.get("args") or [], real.get("args") or [])]
    url = strings(traced["url"], real["url"]) if not stdio else None
    env_out = {}
    env_vars = []
    env_file_needed = False
    for name, value in (resolved if section["transport"] == "stdio" else []):
        if name not in secret_names:
            env_out[name] = value
            continue
        way = ENV_REFERENCE[agent]
        if secrets == "literal" or way is None or (way == "envFile" and sources.get(name) != ".env"):
            env_out[name] = value
            literal.add(name)
        elif way == "env_vars":
            env_vars.append(name)
        elif way == "envFile":
            env_file_needed = True
        else:
            env_out[name] = way % name
    timeout = real.get("timeout")
    transport = section["transport"]

    if agent == "claude":
        entry = {"type": "stdio", "command": command, "args": args, "env": env_out} if stdio else {"type": transport, "url": url}
        if timeout:
            entry["timeout"] = timeout
    elif agent == "gemini":
        if stdio:
            entry = {"command": command}
            if args:
                entry["args"] = args
            if env_out:
                entry["env"] = env_out
        else:
            entry = {"httpUrl": url} if transport == "http" else {"url": url}
        if timeout:
            entry["timeout"] = timeout
    elif agent == "auggie":
        entry = {"command": command, "args": args, "env": env_out} if stdio else {"type": transport, "url": url}
    elif agent == "opencode":
        entry = ({"type": "local", "command": [command] + args, "environment": env_out, "enabled": True} if stdio
                 else {"type": "remote", "url": url, "enabled": True})
    elif agent in ("cursor", "vscode"):
        if stdio:
            entry = {"type": "stdio"} if agent == "vscode" else {}
            entry["command"] = command
            if args:
                entry["args"] = args
            if env_out:
                entry["env"] = env_out
            if env_file_needed:
                entry["envFile"] = env_file
        else:
            entry = {"type": transport, "url": url} if agent == "vscode" else {"url": url}
    elif agent == "codex":
        if stdio:
            entry = {"command": command}
            if args:
                entry["args"] = args
            if env_out:
                entry["env"] = env_out
            if env_vars:
                entry["env_vars"] = env_vars
        else:
            entry = {"url": url}
    else:
        raise AtkError("Unknown agent %r." % agent)
    return {"entry": entry, "literal_secrets": sorted(literal), "missing": list(missing), "secret_values": secret_values}


def projection(agent, entry):
    """The part of an entry atk.core manages (the keys of :data:`MANAGED`)."""
    if not isinstance(entry, dict):
        return None
    return dict((key, value) for key, value in entry.items() if key in MANAGED[agent])


def digest(value):
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def equal(left, right):
    """JSON/TOML equality (``1`` is not ``true``, ``1`` is not ``1.0``)."""
    return _toml.equal(left, right)


# ---------------------------------------------------------------------------------------------
# The ownership record


def ledger_path(home):
    return os.path.join(_home.state_dir(home), LEDGER_NAME)


def load_ledger(home):
    """The records (list of dicts). A missing or unreadable record is empty (nothing is owned)."""
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
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    records = sorted(records, key=record_key)
    text = json.dumps({"version": LEDGER_VERSION, "entries": records}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _fs.atomic_write(path, text, 0o600)


def record_key(record):
    return (record["root"], record["scope"], record["agent"], record["kind"], record["file"], record["name"])


# ---------------------------------------------------------------------------------------------
# Files


class AgentFile(object):
    """One agent config file loaded once, edited in memory by every operation, written once."""

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
            elif fmt == "json":
                self.doc = _jsonc.Document(self.before, where=path)
            else:
                self.doc = None
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

    def set(self, agent, name, entry):
        if self.fmt == "toml":
            return self.doc.set(name, entry, MANAGED[agent])
        current = self.get(name)
        if isinstance(current, dict):
            merged = dict((k, v) for k, v in current.items() if k not in MANAGED[agent])
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
        """Write the text atomically to the file (through a symlink to its target), mode kept."""
        target = self.real
        directory = os.path.dirname(target)
        _fs.makedirs(directory, keep_owner=True)
        if self.exists:
            mode = stat.S_IMODE(os.stat(target).st_mode) | stat.S_IWUSR
        else:
            mode = TEXT_FILE_MODE if self.fmt == "md" else NEW_FILE_MODE
        _fs.atomic_write(target, self.text.encode("utf-8"), mode, keep_owner=True)


class MarkdownFile(AgentFile):
    """CLAUDE.md / AGENTS.md with atk's managed section (atk's read/write rules, see _skills)."""

    def __init__(self, path):  # pylint: disable=super-init-not-called
        self.path = path
        self.fmt = "md"
        self.container = None
        self.error = None
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
            self.real = self.path
        target = self.real
        directory = os.path.dirname(target)
        _fs.makedirs(directory, keep_owner=True)
        mode = (stat.S_IMODE(os.stat(target).st_mode) | stat.S_IWUSR) if self.exists else TEXT_FILE_MODE
        _fs.atomic_write(target, self.doc.encode("utf-8"), mode, keep_owner=True)


# ---------------------------------------------------------------------------------------------
# The converge


class _Run(object):
    """State of one call: files, links, ledger, results."""

    def __init__(self, ctx, records, force):
        self.ctx = ctx
        self.records = dict((record_key(r), r) for r in records)
        self.original_records = dict(self.records)
        self.force = force
        self.files = {}
        self.links = []  # (link, before target or None, after target or None)
        self.results = []
        self.secret_values = set()
        self.warnings = []
        self.errors = []
        self.skipped = set()

    def file(self, agent):
        path, fmt, container = self.ctx.config_file(agent)
        if path not in self.files:
            self.files[path] = AgentFile(path, fmt, container)
        return self.files[path]

    def markdown(self, path):
        if path not in self.files:
            self.files[path] = MarkdownFile(path)
        return self.files[path]

    def key(self, agent, kind, path, name):
        return (self.ctx.root, self.ctx.scope, agent, kind, path, name)

    def record(self, agent, kind, path, name, plugin, display_name, value_hash):
        key = self.key(agent, kind, path, name)
        self.records[key] = {"root": self.ctx.root, "scope": self.ctx.scope, "agent": agent, "kind": kind,
                             "file": path, "name": name, "plugin": plugin, "display_name": display_name,
                             "hash": value_hash}

    def forget(self, agent, kind, path, name):
        self.records.pop(self.key(agent, kind, path, name), None)

    def owned(self, agent, kind, path, name):
        return self.records.get(self.key(agent, kind, path, name))

    def note_current_secrets(self, current, secret_names):
        """Secret values already in an entry (e.g. written literally by ``atk plug``) are masked too."""
        if not isinstance(current, dict):
            return
        for key in ("env", "environment"):
            block = current.get(key)
            if isinstance(block, dict):
                for name, value in block.items():
                    if name in secret_names and isinstance(value, str):
                        self.secret_values.add(value)

    # -- MCP entries ----------------------------------------------------------------------

    def mcp_present(self, agent, plugin, built):
        handle = self.file(agent)
        result = plugin["result"]
        if handle.error is not None:
            return self.fail(result, handle.error)
        name = result["entry"]
        entry = built["entry"]
        current = handle.get(name)
        self.note_current_secrets(current, plugin["secret_names"])
        owned = self.owned(agent, "mcp", handle.path, name)
        value_hash = digest(entry)
        if current is None:
            action = "add"
        elif equal(projection(agent, current), entry):
            action = "none"
            if owned is None:
                result["reason"] = "adopted: the existing entry already equals the desired one"
        elif owned is not None:
            action = "update"
            if owned.get("hash") != digest(projection(agent, current)):
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
                handle.set(agent, name, entry)
        except AtkError as exc:
            return self.fail(result, exc)
        result["action"] = action
        self.record(agent, "mcp", handle.path, name, plugin["directory"], plugin["name"], value_hash)
        return None

    def mcp_absent(self, agent, name, result, desired=None, secret_names=()):
        handle = self.file(agent)
        if handle.error is not None:
            return self.fail(result, handle.error)
        current = handle.get(name)
        owned = self.owned(agent, "mcp", handle.path, name)
        if current is None:
            result["action"] = "none"
            self.forget(agent, "mcp", handle.path, name)
            return None
        self.note_current_secrets(current, secret_names)
        if owned is None and not self.force and not (desired is not None and equal(projection(agent, current), desired)):
            result["action"] = "conflict"
            result["reason"] = "atk.core did not write the entry %r and it differs from what it would write; left alone " \
                               "(force=true removes it)" % name
            return None
        try:
            handle.remove(name)
        except AtkError as exc:
            return self.fail(result, exc)
        result["action"] = "remove"
        self.forget(agent, "mcp", handle.path, name)
        return None

    def fail(self, result, error):
        result["action"] = "failed"
        result["error"] = str(error)
        self.errors.append("%s (%s): %s" % (result.get("name") or result.get("plugin"), LABELS[result["agent"]], error))

    # -- skills ---------------------------------------------------------------------------

    def skill_present(self, agent, target, plugin):
        kind = target["kind"]
        out = {"file": target["file"], "kind": kind, "action": "none"}
        if kind == "line":
            handle = self.markdown(target["file"])
            if handle.error is not None:
                out["action"] = "failed"
                out["error"] = str(handle.error)
                self.errors.append("%s: %s" % (target["file"], handle.error))
                return out
            handle.doc, changed = _skills.add_line(handle.doc, target["line"])
            out["line"] = target["line"]
            out["action"] = "add" if changed else "none"
            self.record(agent, "skill", target["file"], target["line"], plugin["directory"], plugin["name"], digest(target["line"]))
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
            self.record(agent, "skill", target["file"], target["file"], plugin["directory"], plugin["name"], digest(target["target"]))
        else:
            handle = self.file(agent)
            if handle.error is not None:
                out["action"] = "failed"
                out["error"] = str(handle.error)
                return out
            try:
                changed = handle.doc.append_item(("instructions",), target["item"])
            except AtkError as exc:
                out["action"] = "failed"
                out["error"] = str(exc)
                self.errors.append("%s: %s" % (target["file"], exc))
                return out
            out["item"] = target["item"]
            out["action"] = "add" if changed else "none"
            self.record(agent, "skill", target["file"], target["item"], plugin["directory"], plugin["name"], digest(target["item"]))
        return out

    def skill_absent(self, agent, kind, path, name):
        """Remove one piece of skill wiring: a managed line, a symlink, an instructions item."""
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
            handle = self.files.get(path)
            if handle is None:
                handle = self.files[path] = AgentFile(path, "json", ("mcp",))
            if handle.error is None:
                try:
                    changed = handle.doc.remove_item(("instructions",), name)
                except AtkError:
                    changed = False
                out["item"] = name
                out["action"] = "remove" if changed else "none"
        self.forget(agent, "skill", path, name)
        return out


def _skill_kind_of(record_name, path):
    if record_name == path:
        return "link"
    if record_name.startswith("@") or record_name.startswith("Read "):
        return "line"
    return "instruction"


ITEM_KEYS = ("name", "url", "path", "agents", "state", "source", "version")


def _normalise_items(plugin, plugins, agents, state):
    """-> [{"name", "url", "path", "agents", "state"}] from the ``plugin``/``plugins`` options.

    Items may be ``roles/atk``'s ``atk_plugins`` entries as they are: ``url`` and ``path`` find
    the installed plugin by its source, ``source`` and ``version`` are ignored, ``latest``
    counts as ``present``. ``env`` is refused (values must not pass through this module).
    """
    items = []
    if plugin:
        items.append({"name": plugin})
    for item in plugins or []:
        if isinstance(item, str):
            items.append({"name": item})
        elif isinstance(item, dict):
            unknown = set(item) - set(ITEM_KEYS)
            if unknown or not (item.get("name") or item.get("url") or item.get("path")):
                raise AtkError("Each plugins item is a plugin name or a dict with name (or url or path), agents and state%s."
                               % (" (unknown: %s)" % ", ".join(sorted(unknown)) if unknown else ""),
                               hint="Leave env out: values are set with atk.core.atk_plugin or atk.core.atk_env." if "env" in item else None)
            items.append(dict(item))
        else:
            raise AtkError("Each plugins item is a plugin name or a dict with name, agents and state.")
    result = []
    for item in items:
        label = item.get("name") or item.get("url") or item.get("path")
        item_state = item.get("state") or state
        if item_state == "latest":
            item_state = "present"
        if item_state not in ("present", "absent"):
            raise AtkError("state of %s must be present or absent." % label)
        item_agents = item.get("agents")
        if item_agents == []:
            continue  # wired into no agent (with prune, what was wired goes)
        if item_agents is None:
            item_agents = agents if agents else (list(AGENTS) if item_state == "absent" else None)
        if not item_agents:
            raise AtkError("No agents for plugin %s." % label, hint="Set agents (for example [claude, codex]).")
        bad = [a for a in item_agents if a not in AGENTS]
        if bad:
            raise AtkError("Unknown agent(s) %s." % ", ".join(map(str, bad)), hint="Choose from %s." % ", ".join(AGENTS))
        result.append({"name": label, "url": item.get("url"), "path": item.get("path"),
                       "agents": [a for a in AGENTS if a in item_agents], "state": item_state})
    return result


def _identify(manifest, item):
    """The identifier to look up: the name, or the entry a git ``url`` / local ``path`` was installed as."""
    if item.get("url") and manifest is not None:
        wanted = _urls.identity(item["url"])
        for entry in manifest["plugins"]:
            if entry["source"]["type"] == "git" and entry["source"].get("url") and _urls.identity(entry["source"]["url"]) == wanted:
                return entry["directory"]
        return item["url"]
    if item.get("path"):
        path = os.path.expanduser(item["path"])
        try:
            return _spec.load_plugin(path)["name"]
        except AtkError:
            return item["path"]
    return item["name"]


def _load_plugin(home, manifest, identifier):
    """-> (manifest entry, plugin dir, spec, env values) or raises AtkError."""
    entry = _manifest.find_entry(manifest, identifier) if manifest is not None else None
    if entry is None:
        return None
    plugin_dir = _home.plugin_dir(home, entry["directory"])
    if not os.path.isdir(plugin_dir):
        raise AtkError("Plugin '%s' is in the manifest but plugins/%s is missing." % (entry["name"], entry["directory"]),
                       hint="Fetch its files first with atk.core.atk_plugin (or atk install).")
    spec = _spec.load_plugin(plugin_dir)
    return entry, plugin_dir, spec, _lifecycle.read_env(plugin_dir)


def converge_agents(home=None, plugin=None, plugins=None, agents=None, state="present", scope="user", project=None,
                    user_home=None, secrets="reference", skills=True, prune=False, force=False, check_mode=False,
                    want_diff=False, environ=None, lock_timeout=600):
    """Wire plugins into agents. -> result dict (``results``, ``changed``, ``diff``, ``warnings``, ``errors``)."""
    environ = os.environ if environ is None else environ
    if secrets not in ("reference", "literal"):
        raise AtkError("secrets must be reference or literal.")
    if scope not in SCOPES:
        raise AtkError("scope must be user or project.")
    if scope == "project" and not project:
        raise AtkError("scope=project needs project (the project folder).")
    items = _normalise_items(plugin, plugins, agents, state)
    if not items and not prune:
        raise AtkError("Nothing to do: give plugin or plugins (or prune=true).")
    home = _home.resolve_home(home, environ)
    explicit_home = bool(user_home)
    user_home = os.path.expanduser(user_home) if user_home else (environ.get("HOME") or os.path.expanduser("~"))
    ctx = Context(user_home, scope, project, environ=environ, explicit_home=explicit_home)
    for item in items:
        for agent in item["agents"]:
            if scope == "project" and agent == "auggie" and item["state"] == "present":
                raise AtkError("Auggie has no project scope; use scope=user for it.")

    home_errors = _home.validate_home(home)
    if home_errors and not (check_mode and not os.path.isdir(os.path.join(home, ".git"))):
        raise AtkError("ATK Home not initialized at %s: %s." % (home, "; ".join(home_errors)),
                       hint="Create it first with atk.core.atk_home (or atk init).")

    with _home.lock(home, timeout=lock_timeout, shared=check_mode):
        manifest = _manifest.load_manifest(home) if not home_errors else None
        run = _Run(ctx, load_ledger(home) if not home_errors else [], force)
        desired_keys = set()
        for item in items:
            _converge_item(run, home, manifest, item, secrets, skills, check_mode, desired_keys)
        if prune:
            _prune(run, desired_keys)
        changed_files = [f for f in run.files.values() if f.changed and getattr(f, "error", None) is None]
        diffs = []
        for handle in sorted(changed_files, key=lambda f: f.path):
            if want_diff:
                diffs.append({"before_header": handle.path, "after_header": handle.path,
                              "before": _mask.mask(handle.before or "", run.secret_values),
                              "after": _mask.mask(handle.text or "", run.secret_values)})
        for link, before, after in run.links:
            if want_diff:
                diffs.append({"before_header": link, "after_header": link,
                              "before": "symlink -> %s\n" % before if before else "",
                              "after": "symlink -> %s\n" % after if after else ""})
        if not check_mode:
            for handle in changed_files:
                handle.write()
            for link, before, after in run.links:
                _apply_link(link, before, after)
            if not home_errors and run.records != run.original_records:
                save_ledger(home, list(run.records.values()))

    changed = bool(changed_files) or bool(run.links)
    return {
        "changed": changed,
        "results": run.results,
        "files": sorted(f.path for f in changed_files) + [link for link, dummy, dummy2 in run.links],
        "conflicts": [r for r in run.results if r["action"] == "conflict" or (r.get("skill") or {}).get("action") == "conflict"],
        "diff": diffs,
        "warnings": run.warnings,
        "errors": run.errors,
        "ledger": ledger_path(home),
    }


def _apply_link(link, before, after):
    if before is not None or os.path.islink(link):
        if os.path.islink(link):
            os.unlink(link)
    if after is not None:
        directory = os.path.dirname(link)
        _fs.makedirs(directory, keep_owner=True)
        os.symlink(after, link)
        _fs.chown_like(link, _fs.owner_of(directory))


def _result(item_name, agent, ctx, path):
    return {"plugin": item_name, "name": item_name, "agent": agent, "scope": ctx.scope, "file": path,
            "entry": None, "action": "none", "literal_secrets": [], "missing_env": [], "skill": None}


def _converge_item(run, home, manifest, item, secrets, skills, check_mode, desired_keys):
    ctx = run.ctx
    loaded = None
    item = dict(item, name=_identify(manifest, item))
    try:
        loaded = _load_plugin(home, manifest, item["name"]) if manifest is not None else None
    except AtkError as exc:
        if item["state"] == "present":
            raise
        run.warnings.append("Plugin %s cannot be read (%s); removing what the ownership record lists for it." % (item["name"], exc.msg))
    if loaded is None and item["state"] == "present":
        if check_mode:
            run.warnings.append("Plugin '%s' is not installed yet; nothing predicted for it." % item["name"])
            run.skipped.add(item["name"])
            return
        raise AtkError("Plugin '%s' not found in %s." % (item["name"], _manifest.manifest_path(home)),
                       hint="Install it first with atk.core.atk_plugin; 'plugin' is a directory or display name, as atk looks it up.")
    if loaded is not None:
        entry, plugin_dir, spec, env_values = loaded
        plugin = {"directory": entry["directory"], "name": spec["name"], "spec": spec, "dir": plugin_dir,
                  "secret_names": set(v["name"] for v in spec.get("env_vars") or [] if v.get("secret"))}
    else:
        plugin = None
    for agent in item["agents"]:
        path = ctx.config_file(agent)[0]
        if plugin is None:
            _absent_from_ledger(run, item["name"], agent)
            continue
        result = _result(plugin["directory"], agent, ctx, path)
        result["name"] = plugin["name"]
        plugin["result"] = result
        run.results.append(result)
        built = build_entry(agent, plugin["spec"], plugin["dir"], env_values, secrets)
        skill_path = os.path.join(plugin["dir"], "SKILL.md")
        target = ctx.skill_target(agent, plugin["directory"], plugin["name"], skill_path) if skills else None
        has_skill = os.path.isfile(skill_path)
        if built is not None:
            run.secret_values.update(built["secret_values"])
            name = server_name(agent, plugin["name"], plugin["directory"])
            result["entry"] = name
            result["literal_secrets"] = built["literal_secrets"]
            result["missing_env"] = built["missing"]
            if item["state"] == "present":
                desired_keys.add(run.key(agent, "mcp", path, name))
                run.mcp_present(agent, plugin, built)
            else:
                run.mcp_absent(agent, name, result, desired=built["entry"], secret_names=plugin["secret_names"])
        else:
            result["reason"] = "the plugin has no mcp section"
        if target is None:
            continue
        if item["state"] == "present" and has_skill:
            desired_keys.add(run.key(agent, "skill", target["file"], _skill_name(target)))
            result["skill"] = run.skill_present(agent, target, plugin)
        elif item["state"] == "absent":
            result["skill"] = run.skill_absent(agent, target["kind"], target["file"], _skill_name(target))
            # wiring recorded for this plugin elsewhere (e.g. before the home moved) goes too
            for record in list(run.records.values()):
                if (record["agent"] == agent and record["kind"] == "skill" and record["plugin"] == plugin["directory"]
                        and record["root"] == ctx.root and record["scope"] == ctx.scope):
                    run.skill_absent(agent, _skill_kind_of(record["name"], record["file"]), record["file"], record["name"])
    if plugin is not None and item["state"] == "absent":
        # entries recorded under another name (the display name changed) go too
        for agent in item["agents"]:
            for record in list(run.records.values()):
                if (record["agent"] == agent and record["kind"] == "mcp" and record["plugin"] == plugin["directory"]
                        and record["root"] == ctx.root and record["scope"] == ctx.scope):
                    _remove_record(run, record)


def _skill_name(target):
    return target.get("line") or target.get("item") or target["file"]


def _absent_from_ledger(run, identifier, agent):
    """Remove what the record lists for a plugin that is no longer installed."""
    ctx = run.ctx
    for record in list(run.records.values()):
        if record["agent"] != agent or record["root"] != ctx.root or record["scope"] != ctx.scope:
            continue
        if identifier not in (record["plugin"], record.get("display_name")):
            continue
        _remove_record(run, record)


def _remove_record(run, record):
    agent = record["agent"]
    result = _result(record["plugin"], agent, run.ctx, record["file"])
    result["name"] = record.get("display_name") or record["plugin"]
    if record["kind"] == "mcp":
        result["entry"] = record["name"]
        run.results.append(result)
        if run.ctx.config_file(agent)[0] != record["file"]:
            # the file moved (CODEX_HOME, CLAUDE_CONFIG_DIR...): edit the recorded one
            fmt = "toml" if record["file"].endswith(".toml") else "json"
            container = run.ctx.config_file(agent)[2]
            if record["file"] not in run.files:
                run.files[record["file"]] = AgentFile(record["file"], fmt, container)
            handle = run.files[record["file"]]
            current = handle.get(record["name"]) if handle.error is None else None
            if current is not None:
                handle.remove(record["name"])
                result["action"] = "remove"
            run.forget(agent, "mcp", record["file"], record["name"])
            return
        run.mcp_absent(agent, record["name"], result)
    else:
        result["file"] = record["file"]
        result["skill"] = run.skill_absent(agent, _skill_kind_of(record["name"], record["file"]), record["file"], record["name"])
        result["action"] = "none"
        run.results.append(result)


def _prune(run, desired_keys):
    ctx = run.ctx
    for key, record in sorted(run.records.items()):
        if record["root"] != ctx.root or record["scope"] != ctx.scope or key in desired_keys:
            continue
        if record["plugin"] in run.skipped or record.get("display_name") in run.skipped:
            continue
        if key not in run.records:
            continue
        _remove_record(run, record)
