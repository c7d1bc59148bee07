# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run leaves nothing behind outside the home, the cache and its own temporary files.

Runs against a home that does not exist yet take atk.core's home lock before there is a
``.git`` to keep it in, so the lock file goes to the system temp directory
(``atk-core-<uid>-<hash>.lock``). Here that directory is the isolated environment's TMPDIR, and
nothing named ``atk-core-*`` may be left in it after the playbook.
"""

from __future__ import annotations

import pytest

from harness import AnsibleRunner, IsolatedEnv, fixture_plugins

CASES = [
    pytest.param({'atk.core.atk_home': {}}, False, id='atk_home creates the home'),
    pytest.param({'atk.core.atk_env': {'plugin': 'fetch', 'values': {'USER_AGENT': 'x'}}}, True,
                 id='atk_env previews on a missing home'),
    pytest.param({'atk.core.atk_plugin': {'plugins': [{'name': 'fetch'}]}}, True, id='atk_plugin previews on a missing home'),
]


@pytest.mark.parametrize('task, check', CASES)
def test_no_lock_file_left_in_the_temp_dir(task, check, registry_factory, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    registry_factory(fixture_plugins(['fetch']))
    tmp = isolated_env.root / 'tmp'
    before = set(p.name for p in tmp.iterdir()) if tmp.is_dir() else set()
    result = ansible.run_tasks([dict(task, name='run')], check=check)
    assert result.rc == 0, result.describe()
    assert isolated_env.atk_home.exists() is not check
    left = sorted(p.name for p in tmp.iterdir() if p.name not in before and p.name.startswith('atk-core-'))
    assert left == [], left
