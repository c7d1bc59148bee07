#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_info
short_description: Report an ATK home, its plugins' drift, env, services, MCP configs and secret hygiene
version_added: "0.1.0"
description:
  - Returns, as data, what C(atk status), C(atk mcp <plugin> --json) and C(atk doctor) would tell about an ATK home,
    plus how each plugin's files compare with what C(manifest.yaml) pins. Never changes anything.
  - RV(home) is the Repository block of C(atk status) (branch, first remote with credentials removed,
    ahead/behind its upstream, last commit, modified/untracked counts from C(git status --porcelain)), plus
    validity and the manifest config.
  - RV(plugins) lists each manifest entry with its source, the manifest ref, the ref of the files on disk
    (C(.atk-ref)) and a drift state; RV(orphans) lists plugin folders no manifest entry names.
  - RV(env) gives, per plugin, the NAMES of the set and unset variables by atk's rule (set in C(.env), even empty,
    or in the environment of the user running the module). Values are never returned.
  - RV(service) is the STATUS and PORTS columns of C(atk status), by atk's rules; plugins' C(status) commands run
    (without the C(.env)), and an C(sse) MCP endpoint gets a short HTTP request.
  - RV(mcp) is, per plugin with an C(mcp) section, exactly what C(atk mcp <plugin> --json) prints, except that
    every secret value (and each place one is substituted into C(args) or the URL) reads C(********). Secret values
    are those of variables plugin.yaml declares C(secret), and of names it does not declare; declared non-secret
    values (a URL, a port) and C(<NOT_SET>) stay visible.
  - RV(hygiene) is what C(atk doctor) would repair (see M(atk.core.atk_doctor)).
author:
  - atk.core maintainers (@atk-core)
options:
  plugins:
    description:
      - Restrict the per-plugin sections to these plugins (directory or display name, atk's lookup). An unknown
        name fails. RV(orphans) is only computed for the whole home.
    type: list
    elements: str
  gather:
    description:
      - The sections to gather. V(service) runs the plugins' C(status) commands (read-only, as in atk) and may
        take a moment; leave it out for a quick look.
    type: list
    elements: str
    choices: [home, plugins, env, service, mcp, hygiene]
    default: [home, plugins, env, service, mcp, hygiene]
  reveal_secrets:
    description:
      - Also return the MCP configs with their real env values, in RV(mcp_revealed), for instance to configure an
        agent. The task must set C(no_log=true), otherwise the module refuses (the values would be printed and
        logged).
    type: bool
    default: false
  status_timeout:
    description: Seconds a C(status) command may take before it is killed (its service is then V(unknown)).
    type: int
    default: 60
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements.git
attributes:
  check_mode:
    details: The module never changes anything; it runs the same in check mode.
  diff_mode:
    support: none
seealso:
  - module: atk.core.atk_service
  - module: atk.core.atk_doctor
  - module: atk.core.atk_plugin
notes:
  - A missing or invalid home is reported (RV(home.valid=false)), not a failure.
  - RV(plugins[].state) is V(in sync), V(files missing) (no plugin.yaml in the folder), V(ref mismatch) (the files are
    at another ref than the manifest pins, as after pulling a home from another machine; M(atk.core.atk_plugin) with
    C(state=present) resyncs them), V(drifted) (source files edited or deleted in place, named in
    RV(plugins[].drift); M(atk.core.atk_plugin) resyncs them) or V(invalid) (plugin.yaml or C(custom/overrides.yaml) fails atk's schema;
    RV(plugins[].error) says why).
"""

EXAMPLES = r"""
- name: Everything about ~/.atk
  atk.core.atk_info:
  register: atk

- name: Fail when a plugin drifted from the manifest
  ansible.builtin.assert:
    that: atk.plugins | rejectattr('state', 'eq', 'in sync') | list | length == 0
    fail_msg: "{{ atk.plugins | rejectattr('state', 'eq', 'in sync') | map(attribute='directory') | list }} drifted"

- name: Quick look, no status commands
  atk.core.atk_info:
    gather: [home, plugins, hygiene]

- name: The exa MCP config with its real values, for an agent's config file
  atk.core.atk_info:
    plugins: [exa]
    gather: [mcp]
    reveal_secrets: true
  no_log: true
  register: exa_mcp
"""

RETURN = r"""
home:
  description: The home and its repository, as the Repository block of C(atk status).
  returned: when V(home) is gathered
  type: dict
  contains:
    path:
      description: Absolute path.
      type: str
    exists:
      description: Whether the path is a directory.
      type: bool
    valid:
      description: Whether atk 0.4.0 accepts the home.
      type: bool
    errors:
      description: atk's validation errors.
      type: list
      elements: str
    branch:
      description: C(git branch --show-current); null when detached.
      type: str
    detached:
      description: Whether HEAD is detached.
      type: bool
    head:
      description: The HEAD commit.
      type: str
    remote:
      description: The first remote's C(name) and C(url) (credentials removed), null without a remote.
      type: dict
    tracking:
      description: Whether the branch tracks an upstream.
      type: bool
    ahead:
      description: Commits the home has that its upstream lacks (null without upstream).
      type: int
    behind:
      description: Commits the upstream has that the home lacks (null without upstream).
      type: int
    last_commit:
      description: C(sha), C(subject) and C(relative) date of the last commit.
      type: dict
    dirty:
      description: C(modified) and C(untracked) counts and C(clean), from C(git status --porcelain) as atk counts them.
      type: dict
    config:
      description: The manifest's config (C(auto_commit), C(auto_push)).
      type: dict
  sample: {"path": "/home/me/.atk", "exists": true, "valid": true, "errors": [], "branch": "main", "detached": false,
           "remote": {"name": "origin", "url": "https://example.org/me/atk-home.git"}, "tracking": true, "ahead": 0, "behind": 1,
           "dirty": {"modified": 0, "untracked": 1, "clean": false}, "config": {"auto_commit": true, "auto_push": false}}
plugins:
  description: The manifest's plugins, in manifest order, with their drift state.
  returned: when V(plugins) is gathered
  type: list
  elements: dict
  contains:
    name:
      description: The manifest's display name.
      type: str
    directory:
      description: The folder under C(plugins/).
      type: str
    path:
      description: The folder's absolute path.
      type: str
    source:
      description: V(registry), V(git) or V(local).
      type: str
    url:
      description: A git source's URL, credentials removed.
      type: str
    ref:
      description: The ref the manifest pins.
      type: str
    disk_ref:
      description: The ref of the files on disk (C(.atk-ref)).
      type: str
    state:
      description: V(in sync), V(files missing), V(ref mismatch), V(drifted) or V(invalid).
      type: str
    drift:
      description:
        - Source files edited (V(modified)) or deleted (V(deleted)) in place since atk.core put them there, each
          C({path, status}); files an install created are not looked at. Empty when nothing was recorded.
      type: list
      elements: dict
    valid:
      description: Whether plugin.yaml (with C(custom/overrides.yaml)) passes atk's schema.
      type: bool
    error:
      description: Why the plugin is invalid or missing.
      type: str
    maturity:
      description: The plugin's maturity.
      type: str
    display_name:
      description: The plugin.yaml C(name) (the MCP identifier).
      type: str
  sample:
    - {"name": "Piper TTS", "directory": "piper", "source": "registry", "url": null, "ref": "9e2d...", "disk_ref": "4f1c...",
       "state": "ref mismatch", "valid": true, "error": null}
orphans:
  description: Folders under C(plugins/) that no manifest entry names.
  returned: when V(plugins) is gathered
  type: list
  elements: str
env:
  description:
    - Per plugin directory, NAMES of environment variables (never values) - C(declared), C(set), C(required_unset),
      C(optional_unset), C(secret), C(sources) (name -> V(.env) or V(environment)), and for MCP C(mcp_not_set)
      (C(<NOT_SET>) in the MCP config) and C(mcp_optional_unset).
  returned: when V(env) is gathered
  type: dict
  sample: {"exa": {"declared": ["EXA_API_KEY"], "set": [], "required_unset": ["EXA_API_KEY"], "optional_unset": [],
                   "secret": ["EXA_API_KEY"], "sources": {}, "mcp_not_set": ["EXA_API_KEY"], "mcp_optional_unset": []}}
service:
  description:
    - Per plugin directory, C(status) (V(running), V(stopped), V(mcp-only), V(invalid) or V(unknown), by atk status's
      rules), C(ports) (each with C(listening), probed only when running), C(via) and C(error).
  returned: when V(service) is gathered
  type: dict
  sample: {"piper": {"status": "stopped", "ports": [{"port": 5847, "description": "Piper TTS HTTP API endpoint", "listening": null}],
                     "via": "status command", "error": null}}
mcp:
  description:
    - "Per plugin directory, the C(atk mcp <plugin> --json) document (C({identifier: {...}})) with env values masked."
  returned: when V(mcp) is gathered
  type: dict
  sample: {"exa": {"exa": {"command": "bash", "args": ["/home/me/.atk/plugins/exa/mcp.sh"], "env": {"EXA_API_KEY": "********"}}}}
mcp_revealed:
  description: As RV(mcp), with the real values. Only with O(reveal_secrets) (and C(no_log)).
  returned: when O(reveal_secrets=true)
  type: dict
hygiene:
  description:
    - C(tracked_secrets) (secret files git tracks, as C(atk doctor) finds them), C(gitignore_present),
      C(gitignore_secrets_last) and C(doctor_needed).
  returned: when V(hygiene) is gathered
  type: dict
  sample: {"tracked_secrets": ["plugins/my-tool/.env"], "gitignore_present": true, "gitignore_secrets_last": false,
           "doctor_needed": true}
"""

from ansible_collections.atk.core.plugins.module_utils import _info
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    module = _module.new(_specs.ATK_INFO)
    if module.params["reveal_secrets"] and not module.no_log:
        module.fail_json(msg="reveal_secrets returns the plugins' secret values: set no_log: true on the task.")
    _module.run_task(module, _info.info_task)


if __name__ == "__main__":
    main()
