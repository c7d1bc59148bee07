#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_home
short_description: Create, clone, repair and configure an ATK home
version_added: "0.1.0"
description:
  - Makes sure an ATK home (the git repository holding C(manifest.yaml), C(plugins/) and
    C(.gitignore) that the C(atk) CLI works on) exists and is accepted by C(atk) 0.4.0.
  - A missing home is initialised byte-identically to C(atk init) (same C(manifest.yaml),
    C(.gitignore), commit author C(ATK <atk@localhost>) and message C(Initialize ATK Home)),
    or cloned from O(repo), the user's own home repository (the multi-machine case).
  - A clone lacks C(plugins/) when every plugin is a registry or git plugin (git keeps no empty
    directories) and C(atk) then refuses the home; this module creates it.
  - Can set the manifest's C(config) (C(auto_commit), C(auto_push)), the C(origin) remote,
    fast-forward the home from its remote (O(update)) and push local commits (O(push)).
  - Installing plugins is the job of M(atk.core.atk_plugin).
author:
  - atk.core maintainers (@atk-core)
options:
  path:
    description:
      - Path of the ATK home.
      - Defaults to E(ATK_HOME) of the managed host when set, else C(~/.atk) of the remote user
        (C(~) follows E(HOME)).
    type: path
    aliases: [home]
  state:
    description:
      - V(present) makes sure the home exists and is valid; V(absent) deletes it, which needs O(force=true).
    type: str
    choices: [present, absent]
    default: present
  repo:
    description:
      - Git URL of the user's own ATK home repository. When the home does not exist yet it is cloned
        from there instead of being initialised empty.
      - Credentials in the URL are never shown in results or messages.
    type: str
  remote_url:
    description:
      - Make the home's C(origin) remote point at this URL (added when missing).
    type: str
  update:
    description:
      - Fast-forward an existing home to the remote branch its current branch tracks.
      - Never merges or rebases; fails with an explanation when the home has diverged.
      - In check mode only C(git ls-remote) is run.
    type: bool
    default: false
  push:
    description:
      - Push commits the home has and its upstream lacks (sets the upstream on first push to C(origin)).
    type: bool
    default: false
  config:
    description:
      - The manifest's C(config) section. Keys left out keep their current value.
    type: dict
    suboptions:
      auto_commit:
        description: Commit the home after each change (atk's default V(true)).
        type: bool
      auto_push:
        description: Push after each commit (atk's default V(false)).
        type: bool
  force:
    description:
      - Required with O(state=absent), since deleting a home deletes every plugin's C(custom/) and C(.env).
    type: bool
    default: false
extends_documentation_fragment:
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements.git
  - atk.core.verify
attributes:
  check_mode:
    details: Nothing is written; O(update) runs only C(git ls-remote); a clone that would happen is reported, not made.
  diff_mode:
    support: full
    details: Shows the home's summary (validity, HEAD, remote, config, plugin directories) before and after.
seealso:
  - module: atk.core.atk_plugin
  - module: atk.core.atk_env
notes:
  - atk.core keeps its lock and state in C(<home>/.git/atk-core/), never in the tracked tree.
"""

EXAMPLES = r"""
- name: Make sure ~/.atk exists (same result as `atk init`)
  atk.core.atk_home:

- name: Clone my home repository on a new laptop
  atk.core.atk_home:
    path: ~/.atk
    repo: git@github.com:me/atk-home.git

- name: Keep a fleet machine's home current and auto-pushing
  atk.core.atk_home:
    path: /srv/atk
    update: true
    config:
      auto_commit: true
      auto_push: true

- name: Delete a throw-away home
  atk.core.atk_home:
    path: /tmp/atk-demo
    state: absent
    force: true
"""

RETURN = r"""
path:
  description: The home's absolute path.
  returned: always
  type: str
  sample: /home/me/.atk
actions:
  description: What was done (or, in check mode, would be done), in order.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "clone", "repo": "https://example.org/me/atk-home"}, {"action": "repair", "create": "plugins/"}]
before:
  description: The home before the run.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether the path exists.
      type: bool
    valid:
      description: Whether atk 0.4.0 accepts it as a home.
      type: bool
    errors:
      description: atk's validation errors.
      type: list
      elements: str
    head:
      description: The home repository's HEAD commit.
      type: str
    branch:
      description: The current branch.
      type: str
    remote_url:
      description: The C(origin) URL, credentials removed.
      type: str
    config:
      description: The manifest's config section.
      type: dict
    plugins:
      description: Directories of the installed plugins, in manifest order.
      type: list
      elements: str
  sample: {"exists": false, "valid": false, "errors": [], "head": null, "config": null, "plugins": []}
after:
  description: The home after the run (in check mode, the prediction where it can be known).
  returned: always
  type: dict
  sample: {"exists": true, "valid": true, "errors": [], "config": {"auto_commit": true, "auto_push": false}, "plugins": []}
diff:
  description: Before and after summaries, with headers, when run with C(--diff).
  returned: when diff mode is on
  type: dict
verified:
  description:
    - The commits whose signatures were checked and accepted - C(commit), C(source), C(format) (V(ssh) or V(openpgp)),
      C(key) (its fingerprint), C(signer) (the principal or user id) and C(remembered) (accepted by an earlier run).
  returned: when O(verify_commit=true)
  type: list
  elements: dict
  sample: [{"commit": "9e2d...", "source": "the home repository https://git.example.org/team/atk-home", "format": "ssh",
            "key": "SHA256:opaY6...", "signer": "release@example.org", "remembered": false}]
"""


from ansible_collections.atk.core.plugins.module_utils import _home_repo
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_HOME), _home_repo.home_task)


if __name__ == "__main__":
    main()
