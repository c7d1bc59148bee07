#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_agent
short_description: Wire ATK plugins' MCP servers and SKILL.md into coding agents declaratively
version_added: "0.1.0"
description:
  - Writes each plugin's MCP server, resolved exactly as C(atk mcp <plugin> --json) resolves it, into the agents' own
    config files - Claude Code, Codex, Gemini CLI, Auggie, OpenCode, Cursor and VS Code - and wires the plugin's
    C(SKILL.md) the way C(atk plug) does, so that C(atk unplug) undoes it and the other way round.
  - No agent CLI is needed. Edits are key-level - other settings, other servers and, in JSONC and TOML files, comments
    keep their bytes - written atomically with the file's mode kept (never made read-only). An existing symlink is
    followed and its target is written, so dotfile managers that link these files keep working.
  - Secrets (variables marked C(secret) in plugin.yaml) are written as references the agent expands itself wherever
    the agent supports one; RV(results[].literal_secrets) names those that had to be written as values.
  - atk.core records what it wrote in C(<home>/.git/atk-core/agents.json) (outside the tracked tree). Only recorded
    entries are updated when they drift, removed and pruned; an entry it did not write is adopted when it already
    equals the desired one, and otherwise reported as a conflict and left alone unless O(force).
  - See C(docs/agents.md) in the collection for every agent's file, format and secret strategy.
author:
  - atk.core maintainers (@atk-core)
options:
  plugins:
    description:
      - Several plugins. Each item is a dict with C(name) (or C(url) or C(path)), optional C(agents) and optional
        C(state), or a plugin name, short for O(plugins[].name).
      - The items of the C(atk_plugins) list of the role can be passed as they are.
      - With O(state=absent) a plugin that is no longer installed is still found in the ownership record (by directory
        or display name), so its entries can be removed after C(atk remove).
    type: list
    elements: dict
    suboptions:
      name:
        description: The plugin, by directory or display name (atk's lookup).
        type: str
      url:
        description: Instead of O(plugins[].name), a git source, matched against the manifest's source URLs.
        type: str
      path:
        description: Instead of O(plugins[].name), a local plugin folder, found by its display name.
        type: path
      agents:
        description:
          - The agents for this plugin. Defaults to O(agents). An empty list wires it into no agent (with O(prune),
            what was wired goes).
        type: list
        elements: str
        choices: [claude, codex, gemini, auggie, opencode, cursor, vscode]
      state:
        description: Defaults to O(state). V(latest) counts as V(present).
        type: str
        choices: [present, latest, absent]
      source:
        description: Ignored (accepted so that the role's items pass through).
        type: str
      version:
        description: Ignored (accepted so that the role's items pass through).
        type: str
      env:
        description:
          - Refused, so that no value passes through this module; set values with M(atk.core.atk_plugin) or
            M(atk.core.atk_env). Its values are never logged.
        type: dict
  agents:
    description:
      - The agents to wire the plugins into (or remove them from).
      - Required with O(state=present) unless every item of O(plugins) has its own C(agents); with O(state=absent)
        it defaults to all agents.
    type: list
    elements: str
    choices: [claude, codex, gemini, auggie, opencode, cursor, vscode]
  state:
    description:
      - V(present) adds or updates the entries (and repairs recorded entries changed since); V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  scope:
    description:
      - V(user) writes the user-level files (the default, and what C(atk plug) does). V(project) writes the files of
        the folder O(project) (C(.mcp.json), C(.codex/config.toml), C(.gemini/settings.json), C(opencode.jsonc),
        C(.cursor/mcp.json), C(.vscode/mcp.json)); Auggie has no project scope and SKILL.md is wired in user scope only.
    type: str
    choices: [user, project]
    default: user
  project:
    description: The project folder for O(scope=project).
    type: path
  user_home:
    description:
      - The home directory the user-level files live under. Defaults to E(HOME) of the remote user.
      - When left out, E(CLAUDE_CONFIG_DIR), E(CODEX_HOME) and E(XDG_CONFIG_HOME) are honoured as the agents honour
        them; when set, they are ignored, so a test or a provisioning run can target another home exactly.
    type: path
  secrets:
    description:
      - V(reference) writes secret variables as references (Claude C(${VAR}), Gemini C($VAR), OpenCode C({env:VAR}),
        Codex C(env_vars), Cursor and VS Code C(envFile) pointing at the plugin's C(.env)); the agent then needs the
        variable in its environment, except Cursor and VS Code, which read the C(.env). Auggie has no reference syntax,
        so its entries hold values (listed in RV(results[].literal_secrets)).
      - V(literal) writes the values, as C(atk plug) does. Diffs and results mask them either way.
    type: str
    choices: [reference, literal]
    default: reference
  skills:
    description: Wire each plugin's C(SKILL.md) too (as C(atk plug) does, user scope only).
    type: bool
    default: true
  prune:
    description:
      - Also remove every entry and skill wiring atk.core recorded for this O(user_home) (or O(project)) and scope that
        the call does not declare with O(state=present). Entries atk.core did not write are never pruned.
    type: bool
    default: false
  force:
    description:
      - Replace (or with O(state=absent), remove) an entry of the same name that atk.core did not write and that differs
        from the desired one. Without it such an entry is a conflict, reported and left alone.
    type: bool
    default: false
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements
  - atk.core.plugin
attributes:
  check_mode:
    details: Nothing is written (agent files, symlinks, ownership record); the results and diffs say what would change.
  diff_mode:
    support: full
    details: Before and after text of every agent file that changes, and every symlink. Secret values are masked.
seealso:
  - module: atk.core.atk_plugin
  - module: atk.core.atk_env
  - module: atk.core.atk_info
notes:
  - Claude Code, Codex and others rewrite their own files too; run the module again to repair what they dropped
    (recorded entries are restored).
  - C(atk unplug) 0.4.0 parses C(opencode.jsonc) as plain JSON; a file with comments or trailing commas (kept here) makes
    its OpenCode step fail.
"""

EXAMPLES = r"""
- name: Wire two plugins into Claude Code, Codex and Gemini CLI
  atk.core.atk_agent:
    plugins: [exa, serena]
    agents: [claude, codex, gemini]

- name: Per-plugin agents in one call, removing whatever atk.core wired before and is no longer listed
  atk.core.atk_agent:
    prune: true
    plugins:
      - name: exa
        agents: [claude, cursor, vscode]
      - name: serena
        agents: [opencode]

- name: Unwire a plugin everywhere (works after atk remove too)
  atk.core.atk_agent:
    plugin: exa
    state: absent

- name: Preview what would change, secrets masked
  atk.core.atk_agent:
    plugin: exa
    agents: [claude, codex]
  check_mode: true
  diff: true
"""

RETURN = r"""
results:
  description: One entry per plugin and agent (and per pruned record), in order.
  returned: always
  type: list
  elements: dict
  contains:
    plugin:
      description: The plugin's directory.
      type: str
    name:
      description: The plugin's display name (atk's MCP identifier).
      type: str
    agent:
      description: V(claude), V(codex), V(gemini), V(auggie), V(opencode), V(cursor) or V(vscode).
      type: str
    scope:
      description: V(user) or V(project).
      type: str
    file:
      description: The agent config file.
      type: str
    entry:
      description: The server's name in that file (the display name; Codex's sanitised to C([A-Za-z0-9_-])), or null.
      type: str
    action:
      description: V(add), V(update), V(remove), V(none), V(conflict) or V(failed).
      type: str
    reason:
      description: Why, when it is not obvious (adopted, repaired, conflict, no mcp section).
      type: str
    literal_secrets:
      description: Names of secret variables written as values into this agent's entry. Never values.
      type: list
      elements: str
    missing_env:
      description: Required variables that have no value (left out of the entry, as atk does).
      type: list
      elements: str
    skill:
      description: The SKILL.md wiring - C(file), C(kind) (V(line), V(link) or V(instruction)), C(action) - or null.
      type: dict
  sample:
    - {"plugin": "exa", "name": "Exa", "agent": "codex", "scope": "user", "file": "/home/u/.codex/config.toml",
       "entry": "Exa", "action": "add", "literal_secrets": [], "missing_env": [],
       "skill": {"file": "/home/u/.codex/AGENTS.md", "kind": "line", "action": "add"}}
conflicts:
  description: The entries of RV(results) left alone because atk.core did not write them.
  returned: always
  type: list
  elements: dict
files:
  description: The files and symlinks that changed (or would change).
  returned: always
  type: list
  elements: str
ledger:
  description: Path of the ownership record.
  returned: always
  type: str
diff:
  description: Per changed file, before and after text with secret values masked.
  returned: when diff mode is on
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs
from ansible_collections.atk.core.plugins.module_utils._agents import _converge
from ansible_collections.atk.core.plugins.module_utils._agents import _items


class _AgentModule(AnsibleModule):
    """Reads a plugin name given as an item of ``plugins`` as ``{name: ...}`` before Ansible validates the items.

    Suboptions need dict elements; ``plugins: [exa, serena]`` is the short form users write.
    """

    def _load_params(self):
        super(_AgentModule, self)._load_params()
        if "plugins" in self.params:
            self.params["plugins"] = _items.expand_names(self.params["plugins"])


def main():
    module = _module.new(_specs.ATK_AGENT, module_class=_AgentModule, **_specs.ATK_AGENT_RULES)
    _module.run_task(module, _converge.agent_task, git=False)


if __name__ == "__main__":
    main()
