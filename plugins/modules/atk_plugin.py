#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_plugin
short_description: Install, pin, upgrade and remove ATK plugins declaratively
version_added: "0.1.0"
description:
  - Converges the plugins of an ATK home to a desired state, doing what C(atk add), C(atk install --all),
    C(atk upgrade) and C(atk remove) do, idempotently and with full check and diff support.
  - A home written by this module is read by C(atk) 0.4.0 as if C(atk) had written it (manifest.yaml,
    C(.gitignore), C(.atk-ref), plugin folders and commit messages), and a home written by C(atk)
    converges here with nothing to change.
  - Takes one plugin (O(name), O(url) or O(path)) or the whole desired list in O(plugins), so a manifest
    converges in one module call. Each distinct source is contacted at most once per call; when every
    pin is already in place no network is used at all.
  - Registry plugins go to C(plugins/<registry name>) with the plugin.yaml C(name) as display name; git
    plugins (a repository with an C(.atk/) folder) and local plugins go to the sanitised display name,
    exactly as atk does. Local plugins get atk's C(.gitignore) exemption.
author:
  - atk.core maintainers (@atk-core)
options:
  name:
    description:
      - The plugin. For a registry plugin its registry name (for example V(exa)); anything atk would
        classify as a git URL or a local path is treated as one (for example V(github.com/acme/tool) or V(./my-plugin)).
      - With O(state=absent) the plugin's directory or display name, as atk's lookup.
    type: str
  source:
    description: Where the plugin comes from. Inferred as atk does when left out.
    type: str
    choices: [registry, git, local]
  url:
    description: Git URL of a repository with an C(.atk/) folder (source V(git)). Stored in the manifest as typed.
    type: str
  path:
    description: A local plugin folder, or a single C(.yaml)/C(.yml) file (source V(local)).
    type: path
  version:
    description:
      - A commit, tag or branch to pin the plugin to (registry and git sources). Moving it upgrades or downgrades.
      - A full 40-hex commit needs no network when its files are already in place; a tag or branch is resolved
        with one C(git ls-remote) per source.
    type: str
  state:
    description:
      - V(present) installs a missing plugin, restores missing files or files at another ref than the manifest
        pins (a manifest pulled from another machine), and retries an install that failed.
      - V(latest) also moves the plugin to its source's HEAD, like C(atk upgrade), judging change by the plugin's
        own files only (a local C(.env) does not make every upgrade a change, unlike atk).
      - V(absent) runs stop (best effort) and uninstall (must succeed unless O(force)), then deletes the folder,
        the manifest entry and any C(.gitignore) exemption, like C(atk remove).
    type: str
    choices: [present, latest, absent]
    default: present
  env:
    description:
      - Values to set in the plugin's C(.env) before its install runs (merged into the existing file, which
        is written atomically with mode 0600). Never shown in output or diffs.
      - For finer control (remove keys, defaults, required checks) use M(atk.core.atk_env).
    type: dict
  plugins:
    description:
      - The desired plugins, for converging many in one call. Each item takes the single-plugin options.
    type: list
    elements: dict
    suboptions:
      name:
        description: As O(name).
        type: str
      source:
        description: As O(source).
        type: str
        choices: [registry, git, local]
      url:
        description: As O(url).
        type: str
      path:
        description: As O(path).
        type: path
      version:
        description: As O(version).
        type: str
      state:
        description: As O(state); defaults to O(state), except that an item with a O(plugins[].version) defaults to V(present) so it keeps its pin.
        type: str
        choices: [present, latest, absent]
      env:
        description: As O(env).
        type: dict
      drift:
        description: As O(drift), for this plugin.
        type: str
        choices: [repair, report]
  all:
    description:
      - Converge every plugin in the home's manifest.yaml too, with O(state) (V(present) or V(latest)), like
        C(atk install --all) / C(atk upgrade --all); entries in O(plugins) add to or refine that list.
      - With V(present) this restores missing files and brings files back to the refs the manifest pins, which
        is what a fresh clone of a home repository needs.
    type: bool
    default: false
  prune:
    description: With O(plugins), remove installed plugins that are not listed.
    type: bool
    default: false
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements.git
  - atk.core.plugin_run
  - atk.core.in_process
  - atk.core.verify
attributes:
  check_mode:
    details:
      - Nothing in the home changes and no lifecycle command runs. Fetching needed to predict file changes goes to
        a temporary directory or atk.core's download cache, never into the home.
seealso:
  - module: atk.core.atk_home
  - module: atk.core.atk_env
  - module: atk.core.atk_registry
notes:
  - The home must exist (see M(atk.core.atk_home)); in check mode a missing home is treated as an empty one.
  - Install failures do not stop the other plugins; the module fails at the end naming them, and the next run
    retries the install.
  - When an upgrade brings a new required environment variable that is not set, the files are upgraded but the
    install waits; the error names the variables.
"""

EXAMPLES = r"""
- name: Install two registry plugins
  atk.core.atk_plugin:
    plugins:
      - name: exa
        env:
          EXA_API_KEY: "{{ vault_exa_api_key }}"
      - name: fetch

- name: Converge the whole desired list, removing what is not listed
  atk.core.atk_plugin:
    home: ~/.atk
    prune: true
    plugins:
      - name: git-local
        version: 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567
      - url: github.com/acme/our-tool
        version: v1.2.0
      - path: ~/src/my-plugin

- name: Preview upgrades of everything to the registry's HEAD
  atk.core.atk_plugin:
    plugins:
      - name: exa
        state: latest
  check_mode: true
  diff: true
  register: preview

- name: Remove a plugin even if its uninstall fails
  atk.core.atk_plugin:
    name: exa
    state: absent
    force: true
"""

RETURN = r"""
counts:
  description: How many plugins were considered (C(plugins)), changed (C(changed)) and left as they were (C(unchanged)).
  returned: always
  type: dict
  sample: {"plugins": 20, "changed": 1, "unchanged": 19}
plugins:
  description: One entry per plugin considered, in order (all of them, or only the changed ones, see O(details)).
  returned: always
  type: list
  elements: dict
  contains:
    plugin:
      description: The plugin's directory under C(plugins/).
      type: str
    name:
      description: The display name (manifest C(name)).
      type: str
    source:
      description: V(registry), V(git) or V(local).
      type: str
    action:
      description:
        - V(add), V(resync), V(upgrade), V(downgrade), V(install), V(configure), V(remove), V(commit) or V(none).
        - V(commit) makes the commit of a change that an interrupted (killed) run made but did not commit.
      type: str
    reason:
      description: Why the action was chosen.
      type: str
    before:
      description: The manifest ref and the ref of the files on disk (C(.atk-ref)) before.
      type: dict
    after:
      description: The ref pinned after.
      type: dict
    files:
      description: Plugin files that change, with V(added), V(modified) or V(removed) (C(custom/), C(.env) never listed).
      type: list
      elements: dict
    new_required_env:
      description: Required environment variables the new version brings.
      type: list
      elements: str
    env:
      description: Names of .env keys added, changed and removed. Never values.
      type: dict
    install:
      description: V(ran), V(failed), V(blocked) (required variables unset), V(will run) (check mode), V(not needed), V(not defined) or V(skipped).
      type: str
    drift:
      description:
        - Source files edited (V(modified)) or deleted (V(deleted)) in place, found before the run; a plugin whose files
          drifted is resynced (action V(resync)) unless O(drift=report).
      type: list
      elements: dict
  sample:
    - {"plugin": "exa", "name": "exa", "source": "registry", "action": "upgrade", "before": {"ref": "4f1c...", "disk_ref": "4f1c..."},
       "after": {"ref": "9e2d..."}, "files": [{"path": "SKILL.md", "status": "modified"}], "new_required_env": [], "install": "not defined"}
actions:
  description: The entries of RV(plugins) whose action is not V(none).
  returned: always
  type: list
  elements: dict
changed_plugins:
  description: Directories of the plugins that changed (or would change).
  returned: always
  type: list
  elements: str
unchanged_plugins:
  description: Directories of the plugins already in the desired state.
  returned: always
  type: list
  elements: str
before:
  description: The manifest's plugins before (directory, name, source type, ref).
  returned: always
  type: dict
after:
  description: The manifest's plugins after (predicted in check mode).
  returned: always
  type: dict
verified:
  description:
    - The commits whose signatures were checked and accepted - C(commit), C(source), C(format) (V(ssh) or V(openpgp)),
      C(key) (its fingerprint), C(signer) (the principal or user id) and C(remembered) (accepted by an earlier run, not
      checked again).
  returned: when O(verify_commit=true)
  type: list
  elements: dict
  sample: [{"commit": "9e2d...", "source": "https://github.com/Svtoo/atk-registry", "format": "ssh", "key": "SHA256:opaY6...",
            "signer": "release@example.org", "remembered": false}]
network:
  description: How many times a remote was contacted, and which (credentials removed).
  returned: always
  type: dict
  sample: {"contacts": 0, "urls": []}
diff:
  description: manifest.yaml before/after, per-plugin file changes and content diffs (see the C(diff_mode) attribute).
  returned: when diff mode is on
  type: list
  elements: dict
"""

from ansible_collections.atk.core.plugins.module_utils import _converge
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_PLUGIN, **_specs.ATK_PLUGIN_RULES), _converge.plugin_task)


if __name__ == "__main__":
    main()
