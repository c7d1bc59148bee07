# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs of the modules, in one place. PRIVATE to the collection.

A module passes its spec to AnsibleModule; the action plugin that runs a converge in the worker
process validates the same spec with ``ansible.module_utils.common.arg_spec``, so both paths
accept, refuse and default exactly alike. Plain data: nothing here imports Ansible.
"""

from __future__ import annotations

from ansible_collections.atk.core.plugins.module_utils import _desired
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters

SOURCES = ["registry", "git", "local"]

# The modules with an action plugin in front: false forces the module path (docs: atk.core.in_process).
IN_PROCESS = dict(in_process=dict(type="bool"))

# What every module that works on a home takes (docs: the atk.core.home doc fragment).
HOME = dict(
    home=dict(type="path"),
    lock_timeout=dict(type="int", default=600),
)

# Verified pins (docs: the atk.core.verify doc fragment; _signatures.Policy).
VERIFY = dict(
    verify_commit=dict(type="bool", default=False),
    gpg_allowlist=dict(type="list", elements="str", default=[]),
    ssh_allowed_signers=dict(type="path"),
)

# One desired plugin (atk_plugin's and atk_converge's ``plugins`` items).
PLUGIN_ITEM = dict(
    name=dict(type="str"),
    source=dict(type="str", choices=SOURCES),
    url=dict(type="str"),
    path=dict(type="path"),
    version=dict(type="str"),
    state=dict(type="str", choices=list(_desired.STATES)),
    env=dict(type="dict", no_log=True),
    drift=dict(type="str", choices=list(_desired.DRIFT)),
)

# How a run converges plugins (atk_plugin and atk_converge alike).
PLUGIN_RUN = dict(
    prune=dict(type="bool", default=False),
    registry_url=dict(type="str", default=_urls.DEFAULT_REGISTRY_URL),
    force=dict(type="bool", default=False),
    lifecycle=dict(type="bool", default=True),
    drift=dict(type="str", choices=list(_desired.DRIFT), default="repair"),
    cache_dir=dict(type="path"),
    details=dict(type="str", choices=["auto", "all", "changed"], default="auto"),
)

ATK_PLUGIN = dict(
    HOME,
    name=dict(type="str"),
    source=dict(type="str", choices=SOURCES),
    url=dict(type="str"),
    path=dict(type="path"),
    version=dict(type="str"),
    state=dict(type="str", choices=list(_desired.STATES), default="present"),
    env=dict(type="dict", no_log=True),
    plugins=dict(type="list", elements="dict", options=PLUGIN_ITEM),
    all=dict(type="bool", default=False),
    **dict(PLUGIN_RUN, **dict(VERIFY, **IN_PROCESS))
)
ATK_PLUGIN_RULES = dict(
    mutually_exclusive=[("plugins", "name"), ("plugins", "url"), ("plugins", "path"), ("plugins", "version")],
    required_one_of=[("plugins", "name", "url", "path", "all")],
)

# atk_converge's items: a plugin, and the coding agents it is wired into (roles/atk's atk_plugins items).
CONVERGE_ITEM = dict(PLUGIN_ITEM, agents=dict(type="list", elements="str", choices=list(_adapters.AGENTS)))

ATK_CONVERGE = dict(
    HOME,
    repo=dict(type="str"),
    update=dict(type="bool"),
    config=dict(type="dict", options=dict(auto_commit=dict(type="bool"), auto_push=dict(type="bool"))),
    push=dict(type="bool", default=False),
    plugins=dict(type="list", elements="dict", options=CONVERGE_ITEM, default=[]),
    all=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "latest"], default="present"),
    agents_prune=dict(type="bool", default=False),
    agents_secrets=dict(type="str", choices=["reference", "literal"], default="reference"),
    **dict(PLUGIN_RUN, **dict(VERIFY, **IN_PROCESS))
)
