#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_registry
short_description: Cache, search and validate an ATK plugin registry
version_added: "0.1.0"
description:
  - Manages a local cache of an ATK registry (a git repository with C(index.yaml) and C(plugins/<name>/))
    on the managed host, the way C(helm_repository) manages a chart repository.
  - The cache is a partial clone in atk.core's cache directory; plugin files are fetched only when used.
    M(atk.core.atk_plugin) uses the same cache, so a registry fetched here is not fetched again.
  - Returns the resolved commit and the index, optionally filtered like C(atk search), and can validate
    every plugin of the registry at once, as the registry's own CI does.
author:
  - atk.core maintainers (@atk-core)
options:
  url:
    description: The registry's git URL; a mirror or a private registry works too.
    type: str
    default: https://github.com/Svtoo/atk-registry
  version:
    description:
      - A commit, tag or branch. With O(state=present) and no version, whatever commit the cache already
        holds is used (no network), or the remote's HEAD on first use.
    type: str
  state:
    description:
      - V(present) makes sure the cache holds O(version) without touching the network when it already does.
      - V(latest) moves the cache to the remote's HEAD (one C(git ls-remote), plus a fetch when it moved).
      - V(absent) deletes the cache.
    type: str
    choices: [present, latest, absent]
    default: present
  query:
    description: Only return index entries whose name or description contains this text (case-insensitive), like C(atk search).
    type: str
  validate:
    description:
      - Validate every plugin of the registry (plugin.yaml against atk 0.4.0's schema, and a README.md) and report
        all failures at once. Fails the task when any plugin is invalid.
    type: bool
    default: false
  cache_dir:
    description: Where caches live. Defaults to E(XDG_CACHE_HOME)C(/atk-core), else C(~/.cache/atk-core).
    type: path
extends_documentation_fragment:
  - atk.core.attributes
  - atk.core.requirements.git
attributes:
  check_mode:
    details: The cache is not changed; when it lacks the commit, a throw-away copy is used to read the index.
  diff_mode:
    support: full
    details: Shows the cached commit before and after.
seealso:
  - module: atk.core.atk_plugin
"""

EXAMPLES = r"""
- name: Make sure the public registry is cached
  atk.core.atk_registry:

- name: Search the registry like `atk search memory`
  atk.core.atk_registry:
    query: memory
  register: found

- name: Pin a private mirror and validate every plugin in it (registry CI)
  atk.core.atk_registry:
    url: https://git.example.org/ai/atk-registry
    version: main
    validate: true
"""

RETURN = r"""
commit:
  description: The registry commit the cache holds (or would hold).
  returned: when state is not absent
  type: str
  sample: 9e2d1b0c4a6f8e7d5c3b1a09f8e7d6c5b4a39281
index:
  description: Index entries (name, path, description), filtered by O(query).
  returned: when state is not absent
  type: list
  elements: dict
  sample: [{"name": "exa", "path": "plugins/exa", "description": "Web search"}]
validation:
  description: With O(validate), the plugins that validate and the ones that do not, with their errors.
  returned: when validate is true
  type: dict
  sample: {"valid": ["exa"], "invalid": [{"name": "broken", "error": "Invalid plugin ...: 'mcp.command': field is required"}]}
before:
  description: Whether the cache existed and the commit it held.
  returned: always
  type: dict
after:
  description: The same after the run (predicted in check mode).
  returned: always
  type: dict
network:
  description: How many times the remote was contacted.
  returned: always
  type: dict
cache:
  description: The cache directory.
  returned: always
  type: str
url:
  description: The registry URL, credentials removed.
  returned: always
  type: str
"""

from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _registry
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_REGISTRY), _registry.registry_task, git=False)


if __name__ == "__main__":
    main()
