#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_backup
short_description: Back up what ATK plugins store, with their own backup scripts
version_added: "0.2.0"
description:
  - Runs the C(backup) script of every plugin that has one (or of the plugins named) into a new per-run folder on the
    host, one empty folder per plugin, and lists each artefact with its size and SHA-256. This is the host side of the
    C(atk.core.backup) playbook, which fetches the artefacts to the controller.
  - The script is found like C(atk run <plugin> backup) finds it (C(custom/backup), C(custom/backup.sh), C(backup),
    C(backup.sh) in the plugin folder) and run the same way (executed directly, in the plugin folder, with the
    environment plus the plugin's C(.env)), with one more variable - E(ATK_BACKUP_DIR), the empty folder (mode 0700) the
    script writes its artefacts into. It must write regular files and folders only, and exit 0.
  - Plugins without the script are listed in RV(skipped_plugins), not failed.
  - The plugin's C(.env) is never part of the backup. The C(atk.core.backup) playbook adds it only when asked, encrypted
    with Ansible Vault.
author:
  - atk.core maintainers (@atk-core)
options:
  dest:
    description:
      - The folder on the host in which the per-run folder (C(atk-backup-XXXXXXXX)) is made. Defaults to the system's
        temporary folder. Removing the per-run folder once its artefacts are safe is the caller's job.
    type: path
  timeout:
    description: Seconds each backup script may run; it is then killed and that plugin fails.
    type: int
    default: 3600
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements
  - atk.core.plugin.plugins
attributes:
  check_mode:
    details:
      - Nothing runs and no folder is made; the result says which plugins would be backed up and which skipped.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - Every run makes a new backup (and reports a change) when a plugin has a backup script.
seealso:
  - module: atk.core.atk_restore
  - module: atk.core.atk_run
notes:
  - A failed script fails the task after the other plugins were backed up; its entry says why, with the end of its output
    (secrets masked).
"""

EXAMPLES = r"""
- name: Back up every plugin that knows how
  atk.core.atk_backup:
    dest: /var/tmp
  register: backup

- name: Where each artefact is
  ansible.builtin.debug:
    msg: "{{ item.0.dir }}/{{ item.1.path }} ({{ item.1.sha256 }})"
  loop: "{{ backup.plugins | selectattr('status', 'equalto', 'saved') | subelements('files') }}"
"""

RETURN = r"""
dir:
  description: The per-run folder on the host (null when nothing ran).
  returned: always
  type: str
  sample: /var/tmp/atk-backup-k2j4h1x8
plugins:
  description: One entry per plugin considered.
  returned: always
  type: list
  elements: dict
  contains:
    plugin:
      description: The plugin's directory under C(plugins/).
      type: str
    name:
      description: The plugin's display name.
      type: str
    ref:
      description: The commit the manifest pins the plugin to (null for a local plugin).
      type: str
    script:
      description: The backup script found, relative to the plugin folder (null when there is none).
      type: str
    status:
      description: V(saved), V(skipped) (no backup script), V(failed), or in check mode V(would back up).
      type: str
    dir:
      description: The plugin's folder of artefacts (E(ATK_BACKUP_DIR) of its script).
      type: str
    files:
      description: The artefacts, relative to RV(plugins[].dir) - C(path), C(size) and C(sha256).
      type: list
      elements: dict
    id:
      description: The SHA-256 of the backup's checksum lines (what atk.core.atk_restore calls the backup's id).
      type: str
    stdout:
      description: The end of what the script printed on stdout, secrets masked.
      type: str
    stderr:
      description: The end of what the script printed on stderr, secrets masked.
      type: str
    error:
      description: Why the backup of this plugin failed.
      type: str
  sample:
    - {"plugin": "openmemory", "name": "OpenMemory", "ref": "9e2d...", "script": "backup.sh", "status": "saved",
       "dir": "/var/tmp/atk-backup-k2j4h1x8/openmemory", "files": [{"path": "memories.json", "size": 5120,
       "sha256": "3b0c..."}], "id": "77a0...", "stdout": "", "stderr": "", "error": null}
saved:
  description: Directories of the plugins backed up (in check mode, that would be).
  returned: always
  type: list
  elements: str
skipped_plugins:
  description: Directories of the plugins without a backup script.
  returned: always
  type: list
  elements: str
failed_plugins:
  description: Directories of the plugins whose backup failed.
  returned: always
  type: list
  elements: str
home:
  description: The home's absolute path.
  returned: always
  type: str
"""

from ansible_collections.atk.core.plugins.module_utils import _backup
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_BACKUP), _backup.backup_task, git=False)


if __name__ == "__main__":
    main()
