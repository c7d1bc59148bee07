# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The coding agents atk_agent writes into, one adapter each. PRIVATE to the collection.

An adapter is everything atk.core knows about one agent:

* ``name`` (the option value) and ``label`` (for messages);
* where its MCP config lives: ``user_path`` (a path in the user's home) or :meth:`Agent.user_file`
  where the environment moves it, ``project_file`` (a path in the project folder, None: no project
  scope), ``fmt`` (``json``, which reads JSONC too, or ``toml``) and ``container`` (the key path
  of the servers);
* ``managed``: the keys of an entry atk.core writes (other keys a user adds stay);
* how a secret is written: ``env_reference`` for a value in the entry's env (a ``%s`` pattern
  the name goes into, :data:`ENV_VARS`, :data:`ENV_FILE`, or None: the value itself) and
  ``string_reference`` for one inside args or the URL (a pattern, or None);
* the entry's shape: :meth:`Agent.stdio_entry` and :meth:`Agent.remote_entry` from a resolved
  :class:`Server`;
* how atk wires SKILL.md for it (:meth:`Agent.user_skill`) and :meth:`Agent.server_name`.

A new agent is one class here, listed in :data:`ADAPTERS`, plus its tests; the role's
``atk_plugins[].agents`` choices are kept equal to :data:`AGENTS` by a unit test.
"""

from __future__ import annotations

import os
import re
import sys

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _skills

SCOPES = ("user", "project")
ENV_VARS = "env_vars"  # the entry names the variable; the agent forwards it from its own environment
ENV_FILE = "envFile"  # the entry points at the plugin's .env; the agent reads it (stdio servers)


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

    def env_dir(self, name, *default):
        """The folder the variable ``name`` names, else ``user_home/<default...>``."""
        value = self.environ.get(name)
        return os.path.abspath(os.path.expanduser(value)) if value else os.path.join(self.user_home, *default)

    def home(self, *parts):
        return os.path.join(self.user_home, *parts)


class Server(object):
    """One plugin's MCP server as atk resolves it, secrets already written the agent's way.

    ``transport`` (stdio, http, sse), ``command``, ``args``, ``env`` (name -> value or
    reference), ``env_vars`` (names the agent forwards), ``env_file`` (the plugin's .env when the
    agent must read it, else None), ``url``, ``timeout`` (or None).
    """

    def __init__(self, transport, command=None, args=(), env=None, env_vars=(), env_file=None, url=None, timeout=None):
        self.transport = transport
        self.command = command
        self.args = list(args)
        self.env = dict(env or {})
        self.env_vars = list(env_vars)
        self.env_file = env_file
        self.url = url
        self.timeout = timeout


def _compact(entry, **optional):
    """``entry`` plus the ``optional`` keys that have a value, in the order given."""
    entry.update((key, value) for key, value in optional.items() if value)
    return entry


class Agent(object):
    """The adapter contract, with the defaults most agents share (JSON, ``mcpServers``)."""

    name = None
    label = None
    fmt = "json"
    container = ("mcpServers",)
    user_path = None
    project_file = None
    managed = ()
    env_reference = None
    string_reference = None
    skill_kind = None  # line, link or instruction: how atk wires SKILL.md (see skill_target)
    instructions = None  # the key path of the instructions list (kind instruction)

    def user_file(self, ctx):
        return ctx.home(*self.user_path)

    def config_file(self, ctx):
        """(path, format, container key path) of the MCP config in ``ctx``'s scope."""
        if ctx.scope != "project":
            return self.user_file(ctx), self.fmt, self.container
        if self.project_file is None:
            raise AtkError("%s has no project scope; use scope=user for it." % self.label)
        return os.path.join(ctx.project, *self.project_file), self.fmt, self.container

    def entry(self, server):
        return self.stdio_entry(server) if server.transport == "stdio" else self.remote_entry(server)

    def stdio_entry(self, server):
        raise NotImplementedError

    def remote_entry(self, server):
        raise NotImplementedError

    def projection(self, entry):
        """The part of an existing entry atk.core manages (None when it is not a table)."""
        if not isinstance(entry, dict):
            return None
        return dict((key, value) for key, value in entry.items() if key in self.managed)

    def skill_target(self, ctx, directory, display_name, skill_path):
        """How atk wires SKILL.md (user scope only): a dict, or None when atk has no way.

        ``{"kind": "line", "file", "line"}``, ``{"kind": "link", "file" (the link), "target"}``
        or ``{"kind": "instruction", "file", "item"}``.
        """
        return self.user_skill(ctx, directory, display_name, skill_path) if ctx.scope == "user" else None

    def user_skill(self, ctx, directory, display_name, skill_path):
        return None

    def server_name(self, identifier, directory):
        """The entry name: atk's identifier (the display name)."""
        return identifier


class Claude(Agent):
    name, label = "claude", "Claude Code"
    project_file = (".mcp.json",)
    managed = ("type", "command", "args", "env", "url", "timeout")
    env_reference = string_reference = "${%s}"
    skill_kind = "line"

    def user_file(self, ctx):
        return os.path.join(ctx.env_dir("CLAUDE_CONFIG_DIR"), ".claude.json")

    def stdio_entry(self, server):
        return _compact({"type": "stdio", "command": server.command, "args": server.args, "env": server.env},
                        timeout=server.timeout)

    def remote_entry(self, server):
        return _compact({"type": server.transport, "url": server.url}, timeout=server.timeout)

    def user_skill(self, ctx, directory, display_name, skill_path):
        return {"kind": self.skill_kind, "file": os.path.join(ctx.env_dir("CLAUDE_CONFIG_DIR", ".claude"), "CLAUDE.md"),
                "line": _skills.claude_line(skill_path)}


class Codex(Agent):
    name, label = "codex", "Codex"
    fmt, container = "toml", ("mcp_servers",)
    project_file = (".codex", "config.toml")
    managed = ("command", "args", "env", "env_vars", "url")
    env_reference = ENV_VARS
    string_reference = None  # Codex expands no variable in args or URLs
    skill_kind = "line"

    _NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")

    def user_file(self, ctx):
        return os.path.join(ctx.env_dir("CODEX_HOME", ".codex"), "config.toml")

    def stdio_entry(self, server):
        return _compact({"command": server.command}, args=server.args, env=server.env, env_vars=server.env_vars)

    def remote_entry(self, server):
        return {"url": server.url}

    def user_skill(self, ctx, directory, display_name, skill_path):
        return {"kind": self.skill_kind, "file": os.path.join(ctx.env_dir("CODEX_HOME", ".codex"), "AGENTS.md"),
                "line": _skills.codex_line(display_name, skill_path)}

    def server_name(self, identifier, directory):
        """Codex accepts only ``[A-Za-z0-9_-]`` (its ``validate_server_name``).

        Every run of other characters becomes ``-`` (``"Piper TTS"`` -> ``"Piper-TTS"``); an
        empty result falls back to the plugin directory.
        """
        return self._NOT_IN_NAME.sub("-", identifier).strip("-") or directory


class Gemini(Agent):
    name, label = "gemini", "Gemini CLI"
    user_path = (".gemini", "settings.json")
    project_file = (".gemini", "settings.json")
    managed = ("command", "args", "env", "url", "httpUrl", "type", "timeout")
    env_reference = "$%s"
    string_reference = "${%s}"  # Gemini expands variables in every settings string
    skill_kind = "link"

    def stdio_entry(self, server):
        return _compact({"command": server.command}, args=server.args, env=server.env, timeout=server.timeout)

    def remote_entry(self, server):
        return _compact({"httpUrl" if server.transport == "http" else "url": server.url}, timeout=server.timeout)

    def user_skill(self, ctx, directory, display_name, skill_path):
        link, target = _skills.gemini_link(ctx.home(".gemini", "skills"), directory, skill_path)
        return {"kind": self.skill_kind, "file": link, "target": target}


class Auggie(Agent):
    name, label = "auggie", "Auggie"
    user_path = (".augment", "settings.json")
    managed = ("type", "command", "args", "env", "url")
    # no documented reference syntax: secrets are values (reported in literal_secrets)
    skill_kind = "link"

    def stdio_entry(self, server):
        return {"command": server.command, "args": server.args, "env": server.env}

    def remote_entry(self, server):
        return {"type": server.transport, "url": server.url}

    def user_skill(self, ctx, directory, display_name, skill_path):
        link, target = _skills.auggie_link(ctx.home(".augment", "rules"), directory, skill_path)
        return {"kind": self.skill_kind, "file": link, "target": target}


class OpenCode(Agent):
    name, label = "opencode", "OpenCode"
    container = ("mcp",)
    project_file = ("opencode.jsonc",)
    managed = ("type", "command", "environment", "enabled", "url")
    env_reference = string_reference = "{env:%s}"
    skill_kind = "instruction"
    instructions = ("instructions",)

    def user_file(self, ctx):
        return os.path.join(ctx.env_dir("XDG_CONFIG_HOME", ".config"), "opencode", "opencode.jsonc")

    def stdio_entry(self, server):
        return {"type": "local", "command": [server.command] + server.args, "environment": server.env, "enabled": True}

    def remote_entry(self, server):
        return {"type": "remote", "url": server.url, "enabled": True}

    def user_skill(self, ctx, directory, display_name, skill_path):
        return {"kind": self.skill_kind, "file": self.user_file(ctx), "item": os.path.realpath(skill_path)}


class Cursor(Agent):
    name, label = "cursor", "Cursor"
    user_path = (".cursor", "mcp.json")
    project_file = (".cursor", "mcp.json")
    managed = ("type", "command", "args", "env", "envFile", "url")
    env_reference = ENV_FILE
    string_reference = "${env:%s}"

    def stdio_entry(self, server):
        return _compact({"command": server.command}, args=server.args, env=server.env, envFile=server.env_file)

    def remote_entry(self, server):
        return {"url": server.url}


class VSCode(Agent):
    name, label = "vscode", "VS Code"
    container = ("servers",)
    project_file = (".vscode", "mcp.json")
    managed = ("type", "command", "args", "env", "envFile", "url")
    env_reference = ENV_FILE
    string_reference = None  # only ${input:...} prompts are documented

    def user_file(self, ctx):
        if ctx.platform == "darwin":
            return ctx.home("Library", "Application Support", "Code", "User", "mcp.json")
        return os.path.join(ctx.env_dir("XDG_CONFIG_HOME", ".config"), "Code", "User", "mcp.json")

    def stdio_entry(self, server):
        return _compact({"type": "stdio", "command": server.command}, args=server.args, env=server.env,
                        envFile=server.env_file)

    def remote_entry(self, server):
        return {"type": server.transport, "url": server.url}


ADAPTERS = (Claude(), Codex(), Gemini(), Auggie(), OpenCode(), Cursor(), VSCode())
AGENTS = tuple(agent.name for agent in ADAPTERS)
_BY_NAME = dict((agent.name, agent) for agent in ADAPTERS)


def adapter(name):
    """The adapter of the agent ``name``."""
    if name not in _BY_NAME:
        raise AtkError("Unknown agent %r." % (name,), hint="Choose from %s." % ", ".join(AGENTS))
    return _BY_NAME[name]
