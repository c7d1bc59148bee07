# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of atk_agent: plugins' MCP servers and SKILL.md wired into coding agents. PRIVATE.

One file per concept; each imports only those above it in this list:

* ``_adapters``: each coding agent as one adapter (its files per scope, format, managed keys,
  entry shape, secret syntax, SKILL.md wiring), and :data:`_adapters.AGENTS`, the one list of
  agents the module's and the role's ``choices`` come from;
* ``_entry``: the entry one agent gets for one plugin, secrets as the agent's references;
* ``_files``: the agent config files, CLAUDE.md/AGENTS.md and the ownership record;
* ``_items``: the ``plugins`` option, its argument spec and its meaning;
* ``_wiring``: the operations of one call on entries and skills, and ownership;
* ``_converge``: :func:`_converge.converge_agents`, what the module calls.

This file imports nothing, so that importing one of them loads only what it needs.
"""
