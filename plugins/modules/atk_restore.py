#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_restore
short_description: Put a backup of an ATK plugin's data back, with the plugin's own restore script
version_added: "0.2.0"
description:
  - Checks a backup folder on the host against its checksums, optionally writes the plugin's C(.env), then runs the
    plugin's C(restore) script. This is the host side of the C(atk.core.restore) playbook.
  - The script is found like C(atk run <plugin> restore) finds it (C(custom/restore), C(custom/restore.sh), C(restore),
    C(restore.sh) in the plugin folder) and run the same way, with one more variable - E(ATK_RESTORE_DIR), the folder
    holding what the plugin's C(backup) script wrote.
  - A plugin without the script is reported as V(skipped), not failed.
  - Idempotent - a backup already restored on this home (the same checksums) is not restored again unless O(force).
author:
  - atk.core maintainers (@atk-core)
options:
  plugin:
    required: true
  src:
    description: The folder on the host that holds the backup's artefacts (the plugin's E(ATK_BACKUP_DIR) as it was).
    type: path
    required: true
  checksums:
    description:
      - The SHA-256 of every artefact, by path relative to O(src). Any file missing, changed or not listed fails the task
        before anything is restored.
    type: dict
  env:
    description:
      - The whole text of the plugin's C(.env) to write (mode 0600) before the restore script runs, for example decrypted
        from the backup's C(env.vault). Left out, the C(.env) is not touched. Never shown.
    type: str
  force:
    description: Restore even when this backup was already restored on this home.
    type: bool
    default: false
  timeout:
    description: Seconds the restore script may run; it is then killed and the task fails.
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
      - The checksums are checked; nothing is written and the script does not run.
  diff_mode:
    support: none
  idempotent:
    details:
      - A backup restored once is remembered in C(<home>/.git/atk-core/restored.json).
seealso:
  - module: atk.core.atk_backup
  - module: atk.core.atk_run
"""

EXAMPLES = r"""
- name: Put OpenMemory's memories back from a copied backup
  atk.core.atk_restore:
    plugin: openmemory
    src: /var/tmp/restore/openmemory
    checksums:
      memories.json: 3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

- name: Restore again on purpose
  atk.core.atk_restore:
    plugin: openmemory
    src: /var/tmp/restore/openmemory
    force: true
"""

RETURN = r"""
plugin:
  description: The plugin's directory under C(plugins/).
  returned: always
  type: str
name:
  description: The plugin's display name.
  returned: always
  type: str
src:
  description: The backup folder's absolute path.
  returned: always
  type: str
id:
  description: The SHA-256 of the backup's checksum lines (the same as atk.core.atk_backup's RV(atk.core.atk_backup#module:plugins[].id)).
  returned: always
  type: str
files:
  description: How many artefacts the backup holds.
  returned: always
  type: int
checksums:
  description: V(verified) or V(not given).
  returned: always
  type: str
env:
  description: What happened to the C(.env) - V(not given), V(unchanged), V(written), V(would be written).
  returned: always
  type: str
status:
  description: V(restored), V(already restored), V(skipped) (no restore script), V(failed), or V(would restore).
  returned: always
  type: str
script:
  description: The restore script found, relative to the plugin folder (null when there is none).
  returned: always
  type: str
stdout:
  description: The end of what the script printed on stdout, secrets masked.
  returned: always
  type: str
stderr:
  description: The end of what the script printed on stderr, secrets masked.
  returned: always
  type: str
home:
  description: The home's absolute path.
  returned: always
  type: str
"""

from ansible_collections.atk.core.plugins.module_utils import _backup
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_RESTORE), _backup.restore_task, git=False)


if __name__ == "__main__":
    main()
