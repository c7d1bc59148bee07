#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_converge
short_description: Converge a whole ATK home in one call - the home, its repository, every plugin, the push
version_added: "0.2.0"
description:
  - Brings an ATK home to its desired state in one module call, under one lock, with one plan for check mode, C(--diff)
    and the real run. This is what the role M(atk.core.atk) runs.
  - B(The home.) Creates it like C(atk init), or clones O(repo) (the home repository you keep with atk), repairs a
    clone's missing C(plugins/), applies O(config), and with O(update) takes every change of the branch the home
    tracks. A host's own commits (what inventory declared, and what a person did there by hand, for example
    C(atk add)) are replayed on top of upstream plugin by plugin, so a fleet home never stops syncing; see
    the fleet guide for who wins.
  - B(The plugins.) Converges the manifest (O(all)) and/or O(plugins), exactly as M(atk.core.atk_plugin) does; a
    plugin that left the desired state by any route (removed upstream, or O(prune)) is stopped, uninstalled and
    deleted in the same run; source files edited in place are repaired (or reported, O(drift)).
  - B(The agents.) Items with C(agents) are wired into those coding agents, as M(atk.core.atk_agent) does.
  - B(The push.) With O(push), the home's commits go to the branch it tracks, never forced.
  - In check mode the plugins are planned against the home as the home step would leave it; a repository not cloned
    yet is cloned to a temporary folder outside the home to preview every plugin of its manifest.
  - For composing your own plays, M(atk.core.atk_home), M(atk.core.atk_plugin) and M(atk.core.atk_agent) do the
    same steps one at a time.
author:
  - atk.core maintainers (@atk-core)
options:
  repo:
    description:
      - Git URL of the home repository. Cloned when the home does not exist; with O(update) the home follows it.
    type: str
  update:
    description:
      - Take the changes of the branch the home tracks before converging the plugins (one fetch). Defaults to
        V(true) when O(repo) is given.
      - Local commits are replayed on upstream plugin by plugin. Where atk.core's own commit and upstream changed the
        same plugin, upstream wins and the plugins step recomputes what inventory wants. Where a person's commit and
        upstream did, the run fails naming the plugin, and changes nothing.
    type: bool
  config:
    description: The manifest's C(config) section (C(auto_commit), C(auto_push)); keys left out keep their value.
    type: dict
    suboptions:
      auto_commit:
        description: Commit every change (atk's default V(true)).
        type: bool
      auto_push:
        description: Push after every commit, as atk does (best effort, a warning when it fails).
        type: bool
  push:
    description: At the end, push the home's commits to the branch it tracks (never forced; a refused push fails).
    type: bool
    default: false
  plugins:
    description: Desired plugins, as the O(atk.core.atk_plugin#module:plugins) option of M(atk.core.atk_plugin).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Registry name, or anything atk classifies as a git URL or a local path.
        type: str
      source:
        description: Where the plugin comes from; inferred as atk does when left out.
        type: str
        choices: [registry, git, local]
      url:
        description: Git URL of a repository with an C(.atk/) folder.
        type: str
      path:
        description: A local plugin folder or a single plugin file.
        type: path
      version:
        description: A commit (full or a unique abbreviation), tag or branch to pin.
        type: str
      state:
        description: V(present), V(latest) or V(absent); defaults to O(state) (an item with a version to V(present)).
        type: str
        choices: [present, latest, absent]
      env:
        description: Values for the plugin's C(.env) (never shown).
        type: dict
      drift:
        description: As O(drift), for this plugin.
        type: str
        choices: [repair, report]
      agents:
        description:
          - Coding agents to wire the plugin's MCP server and SKILL.md into, as M(atk.core.atk_agent) does. Left out,
            the plugin's wiring is not managed; V([]) unwires it when O(agents_prune) is on.
        type: list
        elements: str
        choices: [claude, codex, gemini, auggie, opencode, cursor, vscode]
  agents_prune:
    description: Remove agent wiring atk.core made earlier that no O(plugins) item declares any more.
    type: bool
    default: false
  agents_secrets:
    description: How secrets reach agent configs - V(reference) (the agent expands an environment reference) or V(literal).
    type: str
    choices: [reference, literal]
    default: reference
  all:
    description: The manifest is desired state too; every plugin of it converges (like C(atk install --all)).
    type: bool
    default: true
  state:
    description: V(present) keeps the manifest's pins; V(latest) moves every plugin to its source's HEAD.
    type: str
    choices: [present, latest]
    default: present
  prune:
    description: Remove installed plugins O(plugins) does not list (needs O(all=false)).
    type: bool
    default: false
  plan_record:
    description:
      - Also return RV(plan_record), this host's part of a saved plan - the home it was computed against, and per
        changed plugin its action, its C(from) and C(to) refs and a digest of the files it will install.
      - Check mode only (a saved plan is what a preview computed). The role gathers the records of every host into
        one plan file on the controller (its C(atk_plan_out) variable).
    type: bool
    default: false
  plan:
    description:
      - A saved plan to apply exactly, as the JSON text of the plan file (or the parsed document). The role reads it
        from the controller (its C(atk_plan_in) variable).
      - Verified against its digest before anything else - an edited plan is refused and nothing is written.
      - A plan that does not name O(plan_host) leaves this host untouched (a warning says so). Otherwise the home
        must be the one the plan was computed against (every manifest entry, at the same refs, other than what the
        plan itself changes), or this host is refused with a message that says what differs, and nothing is
        written.
      - Only the plugins the plan names are converged, each to the commit the plan records (even when its source
        moved on since), and only when its files are the ones the plan's digest says. O(plugins) gives only their
        C(.env) values and drift handling (values are never part of a plan). The home step (O(repo), O(update),
        O(config)) and the agents step do not run; O(push) does.
      - Cannot be combined with O(plan_record).
    type: raw
  plan_host:
    description: The name of this host in O(plan) (the role passes C(inventory_hostname)). Required with O(plan).
    type: str
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
      - Nothing in the home changes and no lifecycle command runs. A repository to clone is cloned to a temporary
        folder, upstream changes are fetched to one, and plugin files to the download cache.
seealso:
  - module: atk.core.atk_home
  - module: atk.core.atk_plugin
  - module: atk.core.atk_agent
notes:
  - A failure names the step - the home step (clone, update) fails before any plugin is touched; plugins whose
    install fails or is blocked by unset required variables leave every other plugin converged.
"""

EXAMPLES = r"""
- name: A new laptop from the home repository you keep with atk
  atk.core.atk_converge:
    repo: git@github.com:me/atk-home.git

- name: A fleet host - the team's home, plus what inventory adds, pushed back
  atk.core.atk_converge:
    repo: https://git.example.org/team/atk-home.git
    plugins:
      - name: exa
        env:
          EXA_API_KEY: "{{ vault_exa_api_key }}"
    push: false

- name: Preview an upgrade of everything
  atk.core.atk_converge:
    state: latest
  check_mode: true
  diff: true
  register: preview
"""

RETURN = r"""
counts:
  description: How many plugins were considered (C(plugins)), changed (C(changed)) and left as they were (C(unchanged)).
  returned: always
  type: dict
  sample: {"plugins": 20, "changed": 1, "unchanged": 19}
home:
  description: The home's absolute path.
  returned: always
  type: str
home_actions:
  description: What the home step did (or would do) - V(init), V(clone), V(repair), V(remote), V(update), V(config), V(push).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "update", "from": "4f1c...", "to": "9e2d...", "upstream": "77a0...", "remote": "origin/main",
            "replayed": [{"from": "1b2c...", "to": "9e2d...", "subject": "Add plugin 'exa'"}], "dropped": []}]
home_before:
  description: The home before the run (path, validity, head, branch, remote, config, plugins).
  returned: always
  type: dict
home_after:
  description: The home after the run (predicted in check mode).
  returned: always
  type: dict
plugins:
  description: One entry per plugin considered, as M(atk.core.atk_plugin) returns them (all of them, or only the changed ones, see O(details)).
  returned: always
  type: list
  elements: dict
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
agents:
  description: What the agents step did, as M(atk.core.atk_agent) returns it (C(results), C(files), C(conflicts)).
  returned: when an item has C(agents) or O(agents_prune) is on
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
  description: Network contacts of the plugins step (C(contacts), C(urls)); 0 when every pin is in place.
  returned: always
  type: dict
plan_record:
  description:
    - This host's part of a saved plan (with O(plan_record)) - C(home) (C(path), and C(plugins), every manifest
      entry by directory with C(name), C(source), C(url) and C(ref)), C(home_actions) (the home step's pending
      actions), and C(plugins), one entry per changed plugin with C(plugin), C(name), C(source), C(location)
      (registry name, git URL without credentials, or local path), C(action), C(from), C(to), C(files) (the
      C(sha256:) digest of the files it will install) and C(new_required_env).
  returned: when O(plan_record) is on
  type: dict
  sample: {"home": {"path": "/home/me/.atk", "plugins": {"fetch": {"name": "fetch", "source": "registry",
           "url": null, "ref": "15f5..."}}}, "home_actions": [], "plugins": [{"plugin": "fetch", "name": "fetch",
           "source": "registry", "location": "fetch", "action": "upgrade", "from": "15f5...", "to": "0d06...",
           "files": "sha256:9c1e...", "new_required_env": []}]}
saved_plan:
  description: The saved plan this run applied - its C(digest), C(host) (O(plan_host)) and whether it C(named) this host.
  returned: when O(plan) is given
  type: dict
  sample: {"digest": "sha256:4be1...", "host": "build-01", "named": true}
diff:
  description:
    - The home, manifest.yaml and per-plugin file lists, before and after, and the content diffs of the plugins whose
      files move (with C(--diff)); see the C(diff_mode) attribute.
  returned: when diff mode is on
  type: list
  elements: dict
"""

from ansible_collections.atk.core.plugins.module_utils import _converge
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_CONVERGE), _converge.converge_task)


if __name__ == "__main__":
    main()
