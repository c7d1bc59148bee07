# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new user's first commands, run for real.

* Every ansible command of the venv printed a CryptographyDeprecationWarning (ansible-core 2.19
  imports cryptography's DSA classes, which cryptography 51 deprecated); tests/requirements.txt
  keeps cryptography below 51. A play, ansible-galaxy and ansible-doc must print no such warning.
"""

from __future__ import annotations

import subprocess

from harness import AnsibleRunner, IsolatedEnv
from harness.paths import ansible_bin

WARNING = 'CryptographyDeprecationWarning'


def test_ansible_commands_print_no_cryptography_warning(ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    result = ansible.run_tasks([{'name': 'hello', 'ansible.builtin.debug': {'msg': 'hello'}}])
    assert result.rc == 0, result.describe()
    assert WARNING not in result.stderr and WARNING not in result.stdout, result.describe()
    for tool, args in (('ansible-galaxy', ['collection', 'list']), ('ansible-doc', ['-t', 'module', 'atk.core.atk_env']),
                       ('ansible', ['--version'])):
        proc = subprocess.run([str(ansible_bin(tool))] + args, env=ansible.environ(), cwd=str(isolated_env.work),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, (tool, proc.stdout, proc.stderr)
        assert WARNING not in proc.stderr and WARNING not in proc.stdout, (tool, proc.stderr)
