# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new user's first commands, run for real: ansible without warnings, the README's git install.

* Every ansible command of the venv printed a CryptographyDeprecationWarning (ansible-core 2.19
  imports cryptography's DSA classes, which cryptography 51 deprecated); tests/requirements.txt
  keeps cryptography below 51. A play, ansible-galaxy and ansible-doc must print no such warning.
* The README's "install straight from git" line is run as written, inside a git clone of the
  collection, with HOME in a temporary folder: the collection lands in ~/.ansible/collections.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from harness import REPO_ROOT, AnsibleRunner, IsolatedEnv, git
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


def test_readme_install_from_a_git_clone_works_as_written(tmp_path, collection_path, isolated_env: IsolatedEnv):
    readme = (REPO_ROOT / 'README.md').read_text(encoding='utf-8')
    line = next(text for text in readme.splitlines() if text.startswith('ansible-galaxy collection install "git+file://'))
    command = line.split(' #', 1)[0].strip()
    # A clone of the collection as it is now (the layout holds exactly the files git would show).
    clone = tmp_path / 'atk.core'
    shutil.copytree(collection_path / 'ansible_collections' / 'atk' / 'core', clone,
                    ignore=shutil.ignore_patterns('output', '.hypothesis', '__pycache__'))
    git('init', '-q', '-b', 'main', cwd=clone)
    git('add', '-A', cwd=clone)
    git('commit', '-q', '-m', 'snapshot', cwd=clone)
    env = isolated_env.environ({'PATH': '%s:%s' % (ansible_bin().parent, os.environ['PATH'])})
    proc = subprocess.run(['bash', '-c', command], cwd=str(clone), env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    installed = isolated_env.home / '.ansible' / 'collections' / 'ansible_collections' / 'atk' / 'core'
    assert (installed / 'MANIFEST.json').is_file(), (proc.stdout, proc.stderr)
    assert (installed / 'plugins' / 'modules' / 'atk_plugin.py').is_file()
    assert re.search(r'atk\.core:0\.1\.0 was installed successfully', proc.stdout), proc.stdout
