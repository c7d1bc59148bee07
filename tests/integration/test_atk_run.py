# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk_run and atk_logs through real ``ansible-playbook`` runs, with the real atk 0.4.0 as the peer.

* atk_run finds a script as ``atk run`` does (``custom/`` first, ``.sh`` tried) and runs it the same
  way (same output as ``atk run``, cwd, .env); ``creates``/``removes`` make it idempotent; check mode
  runs nothing; the plugin's secret values are masked in stdout and stderr (not a non-secret one);
  ``env`` wins over the .env; clear failures for a missing, non-executable, failing or endless script.
* atk_logs returns the last lines of the ``logs`` command, masked; a following command is stopped
  after ``timeout`` and what it printed is the answer.
"""

from __future__ import annotations

import pytest

from harness import AtkPeer
from harness.dataplugin import data_plugin

TOKEN = 'tok-RUN-4e1d9a7c'


@pytest.fixture
def notes(registry_factory, isolated_env, ansible):
    registry_factory([data_plugin(), data_plugin('tailer', logs='./logs.sh follow')], lifecycle='keep')
    res = ansible.run_tasks([{'name': 'install', 'atk.core.atk_converge': {'plugins': [
        {'name': 'notes', 'env': {'NOTES_TOKEN': TOKEN, 'NOTES_COLOR': 'green'}}, {'name': 'tailer'}]}}])
    assert res.rc == 0, res.describe()
    return isolated_env.atk_home / 'plugins' / 'notes'


def run(ansible, check=False, name='run', play_env=None, **args):
    return ansible.run_tasks([{'name': name, 'atk.core.atk_run': dict({'plugin': 'notes'}, **args)}], check=check,
                             play_env=play_env)


def test_atk_run_is_atk_run_made_idempotent(notes, ansible, isolated_env):
    res = run(ansible, script='hello', args=['a', 'b c'], play_env={'EXTRA': 'from-the-play'})
    assert res.rc == 0, res.describe()
    out = res.task('run')
    assert out['changed'] is True and out['ran'] is True and out['rc'] == 0 and out['script'] == 'hello.sh'
    assert out['stdout_lines'] == ['hello a b c', 'cwd=%s' % notes, 'color=green extra=from-the-play']
    assert out['stderr'] == 'token=********\n' and TOKEN not in res.stdout
    # The real atk runs the same script the same way.
    peer = AtkPeer(isolated_env).run('run', 'notes', 'hello', 'a', 'b c', env={'EXTRA': 'from-the-play'})
    assert peer.returncode == 0 and peer.stdout.splitlines() == out['stdout_lines'], peer.stdout + peer.stderr

    # custom/ first, as atk run
    (notes / 'custom').mkdir()
    (notes / 'custom' / 'hello').write_text('#!/bin/sh\necho "custom hello"\n')
    (notes / 'custom' / 'hello').chmod(0o755)
    custom = run(ansible, script='hello')
    assert custom.task('run')['script'] == 'custom/hello' and custom.task('run')['stdout'] == 'custom hello\n'
    assert AtkPeer(isolated_env).run('run', 'notes', 'hello').stdout == 'custom hello\n'
    (notes / 'custom' / 'hello').unlink()

    # creates: the first run makes the file, the second does not run; check mode never runs
    touch = {'script': 'hello', 'creates': 'data/made.txt', 'env': {'HELLO_TOUCH': 'made.txt'}}
    preview = run(ansible, check=True, **touch)
    assert preview.task('run')['changed'] is True and preview.task('run')['ran'] is False
    assert not (notes / 'data' / 'made.txt').exists()
    first = run(ansible, **touch)
    assert first.task('run')['changed'] is True and (notes / 'data' / 'made.txt').is_file()
    second = run(ansible, **touch)
    # (made.txt is also the value of a no_log option, so Ansible masks it in the message)
    assert second.rc == 0 and second.changed() == 0 and second.task('run')['msg'] == 'skipped, since data/******** exists'
    assert 'rc' not in second.task('run')
    assert run(ansible, check=True, **touch).changed() == 0

    # removes: runs while the file is there, then no more
    rm = {'script': 'hello', 'removes': str(notes / 'data' / 'made.txt'), 'env': {'HELLO_RM': 'made.txt'}}
    assert run(ansible, **rm).task('run')['changed'] is True and not (notes / 'data' / 'made.txt').exists()
    assert run(ansible, **rm).changed() == 0

    # env wins over the .env (and its value is never shown: no_log)
    override = run(ansible, script='hello', env={'NOTES_COLOR': 'red-override'})
    assert 'color=******** extra=' in override.task('run')['stdout'] and 'green' not in override.task('run')['stdout']


def test_atk_run_failures_are_clear(notes, ansible):
    missing = run(ansible, script='nope')
    assert missing.rc != 0
    assert "Script 'nope' not found in plugin directory of 'Notes'" in missing.task('run')['msg']
    failing = run(ansible, script='hello', args=['fail', '3'])
    out = failing.task('run')
    assert failing.rc != 0 and out['rc'] == 3 and 'hello.sh of plugin \'Notes\' failed (exit code 3)' in out['msg']
    assert out['stderr'] == 'token=********\n' and TOKEN not in failing.stdout
    plain = run(ansible, script='plain')
    assert plain.rc != 0 and 'Cannot run plain of plugin \'Notes\'' in plain.task('run')['msg']
    assert 'executable bit' in plain.task('run')['msg']
    slow = run(ansible, script='sleepy', timeout=1)
    assert slow.rc != 0 and 'did not finish within 1 seconds and was killed' in slow.task('run')['msg']
    assert slow.task('run')['stdout'] == 'started\n'
    bad = run(ansible, script='../hello')
    assert bad.rc != 0 and 'Refusing script name' in bad.task('run')['msg']
    unknown = run(ansible, script='hello', plugin='nosuch')
    assert unknown.rc != 0 and "Plugin 'nosuch' not found in manifest" in unknown.task('run')['msg']


def test_atk_logs_bounded_in_lines_and_time_and_masked(notes, ansible):
    res = ansible.run_tasks([{'name': 'logs', 'atk.core.atk_logs': {'plugins': ['notes'], 'lines': 10}}])
    assert res.rc == 0, res.describe()
    out = res.task('logs')
    assert out['changed'] is False
    assert out['logs']['notes'] == ['line %d token=********' % i for i in range(291, 301)]
    entry = out['plugins'][0]
    assert entry['defined'] is True and entry['rc'] == 0 and entry['timed_out'] is False and entry['truncated'] is True
    assert TOKEN not in res.stdout
    checked = ansible.run_tasks([{'name': 'logs', 'atk.core.atk_logs': {'plugins': ['notes'], 'lines': 2}}], check=True)
    assert checked.task('logs')['logs']['notes'] == ['line 299 token=********', 'line 300 token=********']

    follow = ansible.run_tasks([{'name': 'logs', 'atk.core.atk_logs': {'plugins': ['tailer'], 'lines': 3, 'timeout': 2}}])
    assert follow.rc == 0, follow.describe()
    entry = follow.task('logs')['plugins'][0]
    assert entry['timed_out'] is True and entry['rc'] is None and len(entry['lines']) == 3
    assert all(line.startswith('tick ') for line in entry['lines'])

    every = ansible.run_tasks([{'name': 'logs', 'atk.core.atk_logs': {'lines': 1, 'timeout': 1}}])
    assert sorted(every.task('logs')['logs']) == ['notes', 'tailer']
