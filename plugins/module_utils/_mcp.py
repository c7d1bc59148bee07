# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's MCP server config, resolved exactly as ``atk mcp <p> --json`` prints it.

PRIVATE to the collection. atk 0.4.0's ``generate_mcp_config(schema, plugin_dir, schema.name)``:

* the identifier (the JSON key) is the plugin's display ``name`` (after ``custom/overrides.yaml``);
* env: for each name in ``mcp.env``, the value is ``.env[name] or default``. A truthy value is
  included; otherwise a required (or undeclared) variable gets ``<NOT_SET>`` and an optional
  one is left out. The process environment is NOT consulted, and an empty value counts as unset;
* ``$ATK_PLUGIN_DIR`` and ``${ATK_PLUGIN_DIR}`` become the resolved plugin folder in ``command``,
  each of ``args`` and ``endpoint`` (never in env values);
* then ``${VAR}`` and ``$VAR`` of every resolved env var (in ``mcp.env`` order, ``<NOT_SET>``
  skipped) are replaced by plain string replacement in ``args`` and ``endpoint`` only
  (so ``$FOO`` also hits ``$FOOBAR``, as in atk);
* stdio -> ``{"command", "args"?, "env"?, "timeout"?}``; sse/http -> ``{"type", "url", "env"?,
  "timeout"?}``; ``args``/``env`` are left out when empty and ``timeout`` when 0 or null.

The masked view runs the same algorithm with every secret value (:func:`_mask.secret_names`:
declared ``secret``, or not declared at all) replaced by ``********`` (``<NOT_SET>`` stays
visible), so a secret substituted into ``args`` or ``endpoint`` is masked there too, and no real
secret is ever computed into it. Declared non-secret values (a URL, a port) stay readable.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils import _mask

NOT_SET = "<NOT_SET>"
MASK = _mask.MASK
ATK_PLUGIN_DIR = "ATK_PLUGIN_DIR"


def substitute_plugin_dir(value, plugin_dir):
    """atk's ``substitute_plugin_dir``; ``plugin_dir`` is already resolved (absolute, real path)."""
    value = value.replace("${%s}" % ATK_PLUGIN_DIR, plugin_dir)
    return value.replace("$%s" % ATK_PLUGIN_DIR, plugin_dir)


def substitute_env(value, env):
    """atk's ``substitute_env_vars``: ``env`` is an ordered list of (name, value) pairs."""
    for name, resolved in env:
        if resolved == NOT_SET:
            continue
        value = value.replace("${%s}" % name, resolved)
        value = value.replace("$%s" % name, resolved)
    return value


def resolve_env(spec, env_values):
    """The env part of atk's resolution.

    Returns ``(env, missing, optional_unset, sources)``: ``env`` an ordered list of (name, value)
    pairs as atk's dict ends up (a name listed twice keeps its first position), ``missing`` the
    names that got ``<NOT_SET>``, ``optional_unset`` the optional names left out, and ``sources``
    name -> ``".env"``, ``"default"`` or None.
    """
    section = spec.get("mcp") or {}
    declared = spec.get("env_vars") or []
    defaults = dict((var["name"], var.get("default")) for var in declared if var.get("default") is not None)
    required = dict((var["name"], bool(var.get("required", False))) for var in declared)
    order = []
    values = {}
    missing = []
    optional_unset = []
    sources = {}
    for name in section.get("env") or []:
        value = env_values.get(name) or defaults.get(name)
        if value:
            sources[name] = ".env" if env_values.get(name) else "default"
            if name not in values:
                order.append(name)
            values[name] = value
        elif required.get(name, True):
            sources[name] = None
            if name not in values:
                order.append(name)
            values[name] = NOT_SET
            missing.append(name)
        else:
            sources[name] = None
            optional_unset.append(name)
    return [(name, values[name]) for name in order], missing, optional_unset, sources


def real_plugin_dir(plugin_dir):
    """``Path(plugin_dir).resolve()`` as atk computes it."""
    return os.path.realpath(os.path.abspath(plugin_dir))


def build(spec, plugin_dir, env, identifier=None):
    """``{identifier: {...}}`` exactly as ``atk mcp --json`` prints it, for the resolved ``env``.

    ``env`` is the ordered (name, value) list of :func:`resolve_env` (or its masked copy).
    Returns None when the plugin has no ``mcp`` section (atk: exit 5).
    """
    section = spec.get("mcp")
    if section is None:
        return None
    identifier = spec["name"] if identifier is None else identifier
    directory = real_plugin_dir(plugin_dir)
    inner = {}
    if section["transport"] == "stdio":
        inner["command"] = substitute_plugin_dir(section.get("command") or "", directory)
        args = [substitute_env(substitute_plugin_dir(arg, directory), env) for arg in section.get("args") or []]
        if args:
            inner["args"] = args
    else:
        inner["type"] = section["transport"]
        inner["url"] = substitute_env(substitute_plugin_dir(section.get("endpoint") or "", directory), env)
    if env:
        inner["env"] = dict(env)
    if section.get("timeout"):
        inner["timeout"] = section["timeout"]
    return {identifier: inner}


def masked_env(env, spec, mask=MASK):
    """``env`` with every secret value (but ``<NOT_SET>``) replaced by ``mask``."""
    secret = set(_mask.secret_names(spec, [name for name, dummy in env]))
    return [(name, mask if name in secret and value != NOT_SET else value) for name, value in env]


def resolve(spec, plugin_dir, env_values, identifier=None):
    """Everything about one plugin's MCP config.

    Returns None when the plugin has no ``mcp`` section, else a dict with ``masked`` and
    ``revealed`` (each ``{identifier: {...}}``), ``identifier``, ``transport``, ``missing``,
    ``optional_unset`` and ``sources`` (names only). Only ``revealed`` holds values.
    """
    if spec.get("mcp") is None:
        return None
    env, missing, optional_unset, sources = resolve_env(spec, env_values)
    identifier = spec["name"] if identifier is None else identifier
    return {
        "identifier": identifier,
        "transport": spec["mcp"]["transport"],
        "revealed": build(spec, plugin_dir, env, identifier),
        "masked": build(spec, plugin_dir, masked_env(env, spec), identifier),
        "missing": missing,
        "optional_unset": optional_unset,
        "sources": sources,
        "values": [value for dummy, value in env if value != NOT_SET],
    }
