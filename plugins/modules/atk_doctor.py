#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_doctor
short_description: Keep an ATK home's secrets out of git, like atk doctor
version_added: "0.1.0"
description:
  - Makes the repair C(atk doctor) makes. Homes made before atk 0.4 had the C(*.env) rules before the local
    plugins' C(.gitignore) exemptions, so local plugins' C(.env) files got committed.
  - Rewrites C(.gitignore) so the secrets block (C(*.env), C(.env.*) under atk's header) is last, exactly as atk
    normalises it.
  - Removes from the git index every tracked file whose name is C(.env), ends with C(.env) or starts with C(.env.)
    (C(git rm --cached)); the files stay on disk. Their names (never their contents) are returned, with a warning
    that the secrets were committed before and must be rotated, as they remain in git history.
  - "With the manifest's C(auto_commit), commits C(atk doctor: keep secrets out of git) as C(ATK <atk@localhost>),
    then pushes when C(auto_push) is on (best effort, warnings only). The commit holds only the doctor's changes:
    anything else staged in the home stays staged. Without C(auto_commit) the changes are left staged, as atk does."
  - Reports V(changed) only when it repaired something.
author:
  - atk.core maintainers (@atk-core)
options: {}
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements.git
attributes:
  check_mode:
    details: Reports what would be repaired; only C(git ls-files) runs.
  diff_mode:
    support: full
    details: Shows C(.gitignore) before and after, and the secret files leaving the index (names only).
seealso:
  - module: atk.core.atk_info
  - module: atk.core.atk_home
"""

EXAMPLES = r"""
- name: Keep secrets out of the home repository
  atk.core.atk_doctor:
  register: doctor

- name: Tell which secrets need rotating
  ansible.builtin.debug:
    msg: "Rotate the keys in {{ doctor.untracked_secrets | join(', ') }}"
  when: doctor.untracked_secrets | length > 0

- name: Only look
  atk.core.atk_doctor:
    home: /srv/atk
  check_mode: true
  diff: true
"""

RETURN = r"""
home:
  description: The home's absolute path.
  returned: always
  type: str
gitignore_fixed:
  description: Whether C(.gitignore) was (or would be) rewritten to keep the secrets block last.
  returned: always
  type: bool
untracked_secrets:
  description: Repository-relative paths of the secret files removed (or to remove) from the index; kept on disk.
  returned: always
  type: list
  elements: str
  sample: ["plugins/my-tool/.env"]
committed:
  description: Whether the repair was committed (in check mode, whether it would be).
  returned: always
  type: bool
commit:
  description: The repair commit.
  returned: always
  type: str
messages:
  description: atk doctor's report lines.
  returned: always
  type: list
  elements: str
  sample: ["Re-ordered .gitignore so secret rules stay last", "Committed the repair"]
gitignore:
  description: C(.gitignore) C(before) and C(after) (it holds patterns, never secrets).
  returned: always
  type: dict
diff:
  description: C(.gitignore) before/after and the secret files leaving the index.
  returned: when diff mode is on
  type: list
  elements: dict
"""

from ansible_collections.atk.core.plugins.module_utils import _doctor
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_DOCTOR), _doctor.doctor_task)


if __name__ == "__main__":
    main()
