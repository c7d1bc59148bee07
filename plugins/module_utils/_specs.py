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
from ansible_collections.atk.core.plugins.module_utils import _info
from ansible_collections.atk.core.plugins.module_utils import _service
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters
from ansible_collections.atk.core.plugins.module_utils._agents import _items

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
    # A saved plan (see _saved_plan): apply one (plan, plan_host), or return this host's record of one.
    plan=dict(type="raw"),
    plan_host=dict(type="str"),
    plan_record=dict(type="bool", default=False),
    **dict(PLUGIN_RUN, **dict(VERIFY, **IN_PROCESS))
)

ATK_HOME = dict(
    HOME,
    path=dict(type="path", aliases=["home"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    repo=dict(type="str"),
    remote_url=dict(type="str"),
    update=dict(type="bool", default=False),
    push=dict(type="bool", default=False),
    config=dict(type="dict", options=dict(auto_commit=dict(type="bool"), auto_push=dict(type="bool"))),
    force=dict(type="bool", default=False),
    **VERIFY
)
del ATK_HOME["home"]   # atk_home calls it path (home is its alias)

ATK_ENV = dict(
    HOME,
    home=dict(type="path", aliases=["path"]),
    plugin=dict(type="str", required=True),
    values=dict(type="dict", no_log=True),
    keys=dict(type="list", elements="str", no_log=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    exclusive=dict(type="bool", default=False),
    defaults=dict(type="bool", default=False),
    check_required=dict(type="bool", default=True),
)

ATK_DOCTOR = dict(HOME)

ATK_INFO = dict(
    HOME,
    plugins=dict(type="list", elements="str"),
    gather=dict(type="list", elements="str", choices=list(_info.SECTIONS), default=list(_info.SECTIONS)),
    reveal_secrets=dict(type="bool", default=False),
    status_timeout=dict(type="int", default=60),
)

ATK_SERVICE = dict(
    HOME,
    name=dict(type="str"),
    names=dict(type="list", elements="str"),
    all=dict(type="bool", default=False),
    state=dict(type="str", choices=list(_service.STATES), default="started"),
    wait_health=dict(type="bool", default=False),
    health_timeout=dict(type="int", default=60),
    status_timeout=dict(type="int", default=60),
)
ATK_SERVICE_RULES = dict(
    mutually_exclusive=[("name", "names"), ("name", "all"), ("names", "all")],
    required_one_of=[("name", "names", "all")],
)

ATK_REGISTRY = dict(
    url=dict(type="str", default=_urls.DEFAULT_REGISTRY_URL),
    version=dict(type="str"),
    state=dict(type="str", choices=["present", "latest", "absent"], default="present"),
    query=dict(type="str"),
    validate=dict(type="bool", default=False),
    cache_dir=dict(type="path"),
)

ATK_AGENT = dict(
    HOME,
    plugin=dict(type="str"),
    plugins=_items.PLUGINS_OPTION,
    agents=dict(type="list", elements="str", choices=list(_adapters.AGENTS)),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    scope=dict(type="str", choices=["user", "project"], default="user"),
    project=dict(type="path"),
    user_home=dict(type="path"),
    secrets=dict(type="str", choices=["reference", "literal"], default="reference"),
    skills=dict(type="bool", default=True),
    prune=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
)
ATK_AGENT_RULES = dict(mutually_exclusive=[("plugin", "plugins")], required_if=[("scope", "project", ("project",))])

ATK_RUN = dict(
    HOME,
    plugin=dict(type="str", required=True),
    script=dict(type="str", required=True),
    args=dict(type="list", elements="str", default=[]),
    env=dict(type="dict", no_log=True),
    creates=dict(type="path"),
    removes=dict(type="path"),
    timeout=dict(type="int", default=3600),
)

ATK_LOGS = dict(
    HOME,
    plugins=dict(type="list", elements="str", default=[]),
    lines=dict(type="int", default=100),
    timeout=dict(type="int", default=10),
)

ATK_BACKUP = dict(
    HOME,
    plugins=dict(type="list", elements="str", default=[]),
    dest=dict(type="path"),
    timeout=dict(type="int", default=3600),
)

ATK_RESTORE = dict(
    HOME,
    plugin=dict(type="str", required=True),
    src=dict(type="path", required=True),
    checksums=dict(type="dict"),
    env=dict(type="str", no_log=True),
    force=dict(type="bool", default=False),
    timeout=dict(type="int", default=3600),
)
