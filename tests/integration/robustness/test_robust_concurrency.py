# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrency suite: four real ansible-playbook runs converge different plugins of one home at once.

Each round starts four playbooks together (threads, real processes) on the same home and the same
download cache. Afterwards every run must have succeeded with no git lock error anywhere in its
output, every run's effect must be there (its manifest entry, its files, its .env value, its
removal: anything missing is a lost update), every change committed exactly once, and the history
linear. A race shows only now and then, so rounds repeat: at least MIN_ROUNDS, then more while
the time budget lasts, at most MAX_ROUNDS (``ATK_CORE_LONG=1`` allows more of both).
"""

from __future__ import annotations

import threading
import time

import yaml

from harness import stub_lifecycle, synthetic_plugin, synthetic_plugins
from robustness_lib import LONG, history_is_linear, home_git, subjects

MIN_ROUNDS = 3
MAX_ROUNDS = 10 if LONG else 5
SECONDS = 300 if LONG else 40
LOCK_ERRORS = ('index.lock', 'cannot lock ref', 'Unable to create', 'Another atk.core run', 'unable to write new index')


def _write_local(root, name):
    files = stub_lifecycle(synthetic_plugin(name, env_vars=1).files, name)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        path.chmod(0o755 if rel.endswith('.sh') else 0o644)
    return str(root)


def _task(module, args):
    return [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'converge', module: args}]}]


def _run_all(ansible, playbooks):
    """Start every playbook at the same moment (threads around real processes); -> results in order."""
    results = [None] * len(playbooks)
    barrier = threading.Barrier(len(playbooks))

    def one(index):
        barrier.wait()
        results[index] = ansible.run(playbooks[index])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(playbooks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_four_playbooks_on_one_home(isolated_env, registry_factory, git_source_factory, atk_peer, ansible, figures, tmp_path):
    figure = figures.suite('concurrency', '{runs} runs, {lost} lost updates')
    plugins = synthetic_plugins(4 * MAX_ROUNDS, prefix='par', env_vars=1)
    registry_factory(plugins)
    gits = [git_source_factory('acme/gitpar%d' % n) for n in range(1, MAX_ROUNDS + 1)]
    locals_ = [_write_local(tmp_path / ('localpar%d' % n), 'localpar%d' % n) for n in range(1, MAX_ROUNDS + 1)]
    atk_peer.init()
    home = isolated_env.atk_home
    head = home_git(isolated_env, home, 'rev-parse', 'HEAD').strip()
    expected_present, expected_absent, expected_env, expected_subjects = set(), set(), {}, []
    problems = []
    slugs = iter(p.slug for p in plugins)
    registry_present = []
    deadline = time.monotonic() + SECONDS
    number = 0
    while number < MAX_ROUNDS and (number < MIN_ROUNDS or time.monotonic() < deadline):
        number += 1
        first, second = next(slugs), next(slugs)
        next(slugs), next(slugs)
        secret = 'round-%d-value' % number
        playbooks = [
            _task('atk.core.atk_plugin', {'plugins': [{'name': first, 'env': {'%s_VAR_1' % first.upper().replace('-', '_'): secret}}]}),
            _task('atk.core.atk_plugin', {'name': second}),
            _task('atk.core.atk_plugin', {'url': gits[number - 1].source}),
            _task('atk.core.atk_plugin', {'path': locals_[number - 1]}),
        ]
        additions = [first, second, 'gitpar%d' % number, 'localpar%d' % number]
        if number > 1:
            # Later rounds mix in the other writers: remove a plugin of the previous round, and set
            # a .env value with atk_env, while two new plugins are added.
            gone = registry_present.pop()
            configured = registry_present[0]
            key = '%s_VAR_1' % configured.upper().replace('-', '_')
            playbooks[1] = _task('atk.core.atk_plugin', {'name': gone, 'state': 'absent'})
            playbooks[2] = _task('atk.core.atk_env', {'plugin': configured, 'values': {key: 'changed-in-round-%d' % number}})
            additions = [first, 'localpar%d' % number]
            expected_present.discard(gone)
            expected_absent.add(gone)
            expected_env[configured] = (key, 'changed-in-round-%d' % number)
            expected_subjects.append("Remove plugin '%s'" % gone)
        expected_present.update(additions)
        registry_present.extend(name for name in additions if name.startswith('par-'))
        expected_env.setdefault(first, ('%s_VAR_1' % first.upper().replace('-', '_'), secret))
        expected_subjects.extend("Add plugin '%s'" % name for name in additions)
        results = _run_all(ansible, playbooks)
        figure.add('runs', len(results))
        for index, result in enumerate(results):
            if result.rc != 0:
                problems.append('round %d run %d failed: %s' % (number, index + 1, result.describe()[-2000:]))
            for marker in LOCK_ERRORS:
                if marker in result.stdout or marker in result.stderr:
                    problems.append('round %d run %d shows a lock error (%r)' % (number, index + 1, marker))
        manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
        directories = [e['directory'] for e in manifest['plugins']]
        lost = [name for name in expected_present if name not in directories or not (home / 'plugins' / name / 'plugin.yaml').is_file()]
        lost += [name for name in expected_absent if name in directories or (home / 'plugins' / name).exists()]
        for name, (key, value) in expected_env.items():
            if name in expected_present:
                text = (home / 'plugins' / name / '.env').read_text() if (home / 'plugins' / name / '.env').exists() else ''
                if '%s=%s\n' % (key, value) not in text:
                    lost.append('%s .env %s' % (name, key))
        if len(directories) != len(set(directories)):
            problems.append('round %d: duplicate manifest entries: %s' % (number, directories))
        figure.add('lost', len(lost))
        if lost:
            problems.append('round %d: lost updates: %s' % (number, sorted(lost)))
    got = subjects(isolated_env, home, head)
    if sorted(got) != sorted(expected_subjects):
        problems.append('commits: got %s, expected each of %s once' % (got, sorted(expected_subjects)))
    if not history_is_linear(isolated_env, home):
        problems.append('history is not linear')
    dirty = home_git(isolated_env, home, 'status', '--porcelain')
    if dirty:
        problems.append('uncommitted changes: %s' % dirty)
    # Every install ran exactly once, and atk itself accepts the result.
    for name in expected_present:
        calls = isolated_env.calls(name, 'install')
        if len(calls) != 1:
            problems.append('%s: install ran %d times' % (name, len(calls)))
    status = atk_peer.run('status')
    if status.returncode != 0:
        problems.append('atk status failed: %s %s' % (status.stdout, status.stderr))
    assert not problems, '\n'.join(problems)
