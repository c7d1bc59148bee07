# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk_agent's ``plugin``/``plugins`` options: what the items may hold and mean. PRIVATE.

Items may be ``roles/atk``'s ``atk_plugins`` entries as they are: ``url`` and ``path`` find the
installed plugin by its source, ``source`` and ``version`` are ignored, ``latest`` counts as
``present``. ``env`` is refused (values must not pass through this module).
"""

from __future__ import annotations

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters

ITEM_KEYS = ("name", "url", "path", "agents", "state", "source", "version")


def normalise(plugin, plugins, agents, state):
    """-> [{"name", "url", "path", "agents", "state"}] from the ``plugin``/``plugins`` options."""
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
            item_agents = agents if agents else (list(_adapters.AGENTS) if item_state == "absent" else None)
        if not item_agents:
            raise AtkError("No agents for plugin %s." % label, hint="Set agents (for example [claude, codex]).")
        bad = [a for a in item_agents if a not in _adapters.AGENTS]
        if bad:
            raise AtkError("Unknown agent(s) %s." % ", ".join(map(str, bad)), hint="Choose from %s." % ", ".join(_adapters.AGENTS))
        result.append({"name": label, "url": item.get("url"), "path": item.get("path"),
                       "agents": [a for a in _adapters.AGENTS if a in item_agents], "state": item_state})
    return result
