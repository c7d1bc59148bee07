# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entry one agent gets for one plugin. PRIVATE to the collection.

What an entry holds is what ``atk mcp <plugin> --json`` resolves (:mod:`_mcp`); each secret
(a variable plugin.yaml declares ``secret: true``) is written with the agent's reference syntax
where it has one (:mod:`._adapters`), else as its value, and then named in
``literal_secrets``. With ``secrets: literal`` every secret is a value, as ``atk plug`` writes.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils import _mcp
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters

SECRETS = ("reference", "literal")


def declared_secrets(spec):
    """The names plugin.yaml declares ``secret: true`` (the ones written as references)."""
    return set(var["name"] for var in spec.get("env_vars") or [] if var.get("secret"))


def _sentinel(index):
    return "\x00atk-secret-%d\x00" % index


def build_entry(agent, spec, plugin_dir, env_values, secrets="reference"):
    """The entry the adapter ``agent`` gets for the plugin -> dict, or None (no ``mcp`` section).

    Returns ``{"entry": {...}, "literal_secrets": [names], "missing": [names], "secret_values": [values]}``.
    ``missing``: required variables atk would mark ``<NOT_SET>`` (left out, as atk does).
    """
    section = spec.get("mcp")
    if section is None:
        return None
    env, missing, dummy_optional, sources = _mcp.resolve_env(spec, env_values)
    secret_names = declared_secrets(spec)
    resolved = [(name, value) for name, value in env if value != _mcp.NOT_SET]
    literal = set()

    # atk's build with every secret replaced by a sentinel shows where secrets end up in args/URL
    sentinels = {}
    traced_env = []
    for name, value in env:
        if name in secret_names and value != _mcp.NOT_SET:
            sentinels[name] = _sentinel(len(sentinels))
            value = sentinels[name]
        traced_env.append((name, value))
    traced = list(_mcp.build(spec, plugin_dir, traced_env).values())[0]
    real = list(_mcp.build(spec, plugin_dir, env).values())[0]

    def string(text, real_text):
        """A string of args/url: references where the agent expands them, else atk's real text."""
        used = [name for name, token in sentinels.items() if token in text]
        if not used:
            return real_text
        if secrets == "literal" or agent.string_reference is None:
            literal.update(used)
            return real_text
        for name in used:
            text = text.replace(sentinels[name], agent.string_reference % name)
        return text

    server = _adapters.Server(section["transport"], timeout=real.get("timeout") or None)
    if server.transport == "stdio":
        server.command = real.get("command")
        server.args = [string(t, r) for t, r in zip(traced.get("args") or [], real.get("args") or [])]
        for name, value in resolved:
            way = agent.env_reference
            if name not in secret_names:
                server.env[name] = value
            elif secrets == "literal" or way is None or (way == _adapters.ENV_FILE and sources.get(name) != ".env"):
                # a secret that only has a plugin.yaml default is not in .env: envFile cannot give it
                server.env[name] = value
                literal.add(name)
            elif way == _adapters.ENV_VARS:
                server.env_vars.append(name)
            elif way == _adapters.ENV_FILE:
                server.env_file = os.path.join(_mcp.real_plugin_dir(plugin_dir), ".env")
            else:
                server.env[name] = way % name
    else:
        server.url = string(traced["url"], real["url"])
    return {"entry": agent.entry(server), "literal_secrets": sorted(literal), "missing": list(missing),
            "secret_values": [value for name, value in resolved if name in secret_names]}
