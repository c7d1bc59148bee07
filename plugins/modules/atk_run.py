#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_run
short_description: Run a script of an ATK plugin, as atk run does, idempotently
version_added: "0.2.0"
description:
  - Runs a script that ships with a plugin (or that you keep in its C(custom/) folder) the way C(atk run <plugin> <script>)
    does. The script is the first of C(custom/<script>), C(custom/<script>.sh), C(<script>) and C(<script>.sh) in the
    plugin folder that exists, executed directly (no shell, so it needs the executable bit and a C(#!) line), with the
    plugin folder as working directory and the environment of the user running the module plus the plugin's C(.env)
    (the C(.env) wins).
  - Idempotent through O(creates) and O(removes), as M(ansible.builtin.command) is. Without them the script runs every
    time and the task reports a change.
  - What the script prints is returned with the values of the plugin's secret variables masked (the variables
    plugin.yaml declares C(secret), and any C(.env) key it does not declare), never as they are; only the end of each
    stream is kept.
author:
  - atk.core maintainers (@atk-core)
options:
  plugin:
    required: true
  script:
    description:
      - The script's name, one path component (for example V(backup)); C(.sh) is tried too, and C(custom/) first.
    type: str
    required: true
  args:
    description: Arguments passed to the script, as they are (no shell).
    type: list
    elements: str
    default: []
  env:
    description:
      - More environment variables for the script; they win over the environment and the plugin's C(.env). Their values
        are never shown.
    type: dict
  creates:
    description:
      - A path (relative to the plugin folder, or absolute); when it exists, the script does not run.
    type: path
  removes:
    description:
      - A path (relative to the plugin folder, or absolute); when it does not exist, the script does not run.
    type: path
  timeout:
    description:
      - Seconds the script may run; it is then killed with everything it started in its session, and the task fails.
    type: int
    default: 3600
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements
  - atk.core.plugin
attributes:
  check_mode:
    details:
      - Nothing runs. O(creates) and O(removes) are checked, and the result says whether the script would run.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - Only with O(creates) or O(removes); otherwise the script runs on every call.
seealso:
  - module: atk.core.atk_logs
  - module: atk.core.atk_backup
  - module: ansible.builtin.command
notes:
  - The output goes to files under C(<home>/.git/atk-core/logs/) while the script runs (so a process the script leaves
    running cannot hold the task open) and is deleted once read. Each script runs in its own session.
  - Runs while holding the home's lock shared - a converge of the same home waits until the script is done.
"""

EXAMPLES = r"""
- name: Export OpenMemory's memories (the plugin's own backup script)
  atk.core.atk_run:
    plugin: openmemory
    script: backup
    env:
      OPENMEMORY_BACKUP_DIR: /srv/backups/openmemory
    creates: /srv/backups/openmemory/latest.json

- name: Run a helper of your own, kept in custom/
  atk.core.atk_run:
    plugin: langfuse
    script: seed-projects
    args: [--org, acme]
  register: seeded

- name: What would run?
  atk.core.atk_run:
    plugin: serena
    script: reindex
  check_mode: true
"""

RETURN = r"""
plugin:
  description: The plugin's directory under C(plugins/).
  returned: always
  type: str
  sample: openmemory
name:
  description: The plugin's display name.
  returned: always
  type: str
  sample: OpenMemory
script:
  description: The script that was found, relative to the plugin folder.
  returned: always
  type: str
  sample: custom/backup.sh
args:
  description: The arguments given.
  returned: always
  type: list
  elements: str
ran:
  description: Whether the script ran (false when O(creates) or O(removes) said no, and in check mode).
  returned: always
  type: bool
rc:
  description: The script's exit code, V(-9) when it was killed (O(timeout)).
  returned: when the script ran
  type: int
  sample: 0
stdout:
  description: The end of what the script printed on stdout, secrets masked.
  returned: always
  type: str
stderr:
  description: The end of what the script printed on stderr, secrets masked.
  returned: always
  type: str
stdout_lines:
  description: RV(stdout) split into lines.
  returned: always
  type: list
  elements: str
stderr_lines:
  description: RV(stderr) split into lines.
  returned: always
  type: list
  elements: str
truncated:
  description: Whether an output was longer than what is returned (64 KiB per stream, the end is kept).
  returned: always
  type: bool
msg:
  description: What happened, or why the script did not run.
  returned: always
  type: str
  sample: skipped, since data/export.json exists
home:
  description: The home's absolute path.
  returned: always
  type: str
"""

from ansible_collections.atk.core.plugins.module_utils import _run
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_RUN), _run.script_task, git=False)


if __name__ == "__main__":
    main()
