# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk_agent's ``plugin``/``plugins`` options: the items' argument spec and their meaning. PRIVATE.

Items may be ``roles/atk``'s ``atk_plugins`` entries as they are: ``url`` and ``path`` find the
installed plugin by its source, ``source`` and ``version`` are ignored, ``latest`` counts as
``present``. ``env`` is refused (values must not pass through this module); it is in the spec
so that Ansible hides its values (``no_log``) in the failure it leads to. A plain string is a
plugin name (:func:`expand_names`, applied before Ansible validates the items).

Ansible validates what the spec states (:data:`PLUGINS_OPTION`: keys, types, choices, one of
name, url or path); :func:`normalise` adds what a spec cannot state.
"""

from __future__ import annotations

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters

ITEM_OPTIONS = {
    "name": {"type": "str"},
    "url": {"type": "str"},
    "path": {"type": "path"},
    "agents": {"type": "list", "elements": "str", "choices": list(_adapters.AGENTS)},
    "state": {"type": "str", "choices": ["present", "latest", "absent"]},
    "source": {"type": "str"},
    "version": {"type": "str"},
    "env": {"type": "dict", "no_log": True},
}
PLUGINS_OPTION = {"type": "list", "elements": "dict", "options": ITEM_OPTIONS, "required_one_of": [("name", "url", "path")]}


def expand_names(plugins):
    """``plugins`` with each plain string item (a plugin name) as ``{"name": ...}``.

    A string stands for a comma-separated list, as Ansible reads a ``list`` option.
    """
    if isinstance(plugins, str):
        plugins = plugins.split(",")
    if not isinstance(plugins, list):
        return plugins
    return [{"name": item} if isinstance(item, str) else item for item in plugins]


def normalise(plugin, plugins, agents, state):
    """-> [{"name", "url", "path", "agents", "state"}] from the ``plugin``/``plugins`` options.

    ``name`` is the item's name, url or path (how messages name it); ``agents`` is in
    :data:`_adapters.AGENTS` order; an item with ``agents: []`` is left out (wired into no agent).
    """
    items = [{"name": plugin}] if plugin else []
    for item in expand_names(plugins) or []:
        item = dict((key, value) for key, value in item.items() if value is not None)
        if "env" in item:
            raise AtkError("Each plugins item is a plugin name or a dict with name (or url or path), agents and state "
                           "(unknown: env).", hint="Leave env out: values are set with atk.core.atk_plugin or atk.core.atk_env.")
        items.append(item)
    result = []
    for item in items:
        label = item.get("name") or item.get("url") or item.get("path")
        item_state = item.get("state") or state
        if item_state == "latest":
            item_state = "present"
        item_agents = item.get("agents")
        if item_agents == []:
            continue  # wired into no agent (with prune, what was wired goes)
        if item_agents is None:
            item_agents = agents if agents else (list(_adapters.AGENTS) if item_state == "absent" else None)
        if not item_agents:
            raise AtkError("No agents for plugin %s." % label, hint="Set agents (for example [claude, codex]).")
        result.append({"name": label, "url": item.get("url"), "path": item.get("path"),
                       "agents": [a for a in _adapters.AGENTS if a in item_agents], "state": item_state})
    return result
