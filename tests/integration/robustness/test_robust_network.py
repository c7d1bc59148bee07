# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network-fault suite: a source goes away in the middle of a batch.

The registry is served by one git daemon, git-source plugins (host ``net.example``) by a second
one. With plugins from both already installed, a batch that adds and upgrades plugins of both
sources runs while one daemon is stopped: the run must fail with a message naming the unreachable
source, leave every installed plugin (files, ``custom/``, ``.env``, manifest entry, history)
untouched and the home acceptable to atk; once the daemon is back, the same batch completes.
"""

from __future__ import annotations

import re

import yaml

from harness import build_git_source, synthetic_plugins
from robustness_lib import home_git, plugin_tree, temp_leftovers

HOST = 'net.example'


def test_source_unreachable_mid_batch(isolated_env, git_daemon_factory, registry_factory, atk_peer, ansible, figures):
    figure = figures.suite('network', '{faults} faults: {named} named the source, {untouched} left the home untouched, '
                                      '{recovered} recovered on the rerun')
    registry_daemon = git_daemon_factory()
    source_daemon = git_daemon_factory()
    registry = registry_factory(synthetic_plugins(3, prefix='net', env_vars=1), daemon=registry_daemon)
    isolated_env.serve_git_sources(source_daemon, host=HOST, prefix='sources')
    first = build_git_source(source_daemon, 'acme/netgit-one', host=HOST, prefix='sources')
    second = build_git_source(source_daemon, 'acme/netgit-two', host=HOST, prefix='sources')
    atk_peer.init()
    home = isolated_env.atk_home
    setup = ansible.run([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'install', 'atk.core.atk_plugin': {
        'plugins': [{'name': 'net-001', 'env': {'NET_001_VAR_1': 'user value'}}, {'url': first.source}]}}]}])
    assert setup.rc == 0, setup.describe()
    (home / 'plugins' / 'net-001' / 'custom').mkdir()
    (home / 'plugins' / 'net-001' / 'custom' / 'notes.md').write_text('mine\n')
    home_git(isolated_env, home, '-c', 'user.name=U', '-c', 'user.email=u@x', 'add', '-A')
    home_git(isolated_env, home, '-c', 'user.name=U', '-c', 'user.email=u@x', 'commit', '-q', '-m', 'notes')
    # Both sources move on, so the batch has upgrades of installed plugins as well as additions.
    registry.update_plugin('net-001', {'README.md': '# net-001 v2\n'})
    first.update_plugin({'README.md': '# netgit-one v2\n'})
    batch = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'batch', 'atk.core.atk_plugin': {'plugins': [
        {'name': 'net-001', 'state': 'latest'},
        {'name': 'net-002'},
        {'url': first.source, 'state': 'latest'},
        {'url': second.source},
        {'name': 'net-003'},
    ]}}]}]

    def frozen():
        return {'manifest': (home / 'manifest.yaml').read_bytes(),
                'head': home_git(isolated_env, home, 'rev-parse', 'HEAD'),
                'net-001': plugin_tree(home / 'plugins' / 'net-001'),
                'netgit-one': plugin_tree(home / 'plugins' / 'netgit-one'),
                'dirs': sorted(p.name for p in (home / 'plugins').iterdir())}

    problems = []
    faults = [
        ('git source daemon stopped', source_daemon, r'https://%s/acme/netgit-(one|two)' % re.escape(HOST)),
        ('registry daemon stopped', registry_daemon, r'https://github\.com/Svtoo/atk-registry'),
    ]
    for label, daemon, named in faults:
        figure.add('faults')
        before = frozen()
        daemon.stop()
        try:
            failed = ansible.run(batch)
        finally:
            daemon.start()
        msg = str(failed.task('batch').get('msg', '')) if failed.data else failed.describe()
        if failed.rc == 0:
            problems.append('%s: the batch succeeded' % label)
        if re.search(named, msg) and re.search(r'(Cannot reach|not found or not accessible)', msg):
            figure.add('named')
        else:
            problems.append('%s: the message does not name the unreachable source (%s): %s' % (label, named, msg[-1500:]))
        after = frozen()
        changed = [key for key in before if before[key] != after[key]]
        dirty = home_git(isolated_env, home, 'status', '--porcelain')
        status = atk_peer.run('status')
        if changed or dirty or temp_leftovers(home) or status.returncode != 0:
            problems.append('%s: the home changed (%s), dirty %r, leftovers %s, atk status rc %d' % (
                label, changed, dirty, temp_leftovers(home), status.returncode))
        else:
            figure.add('untouched')
    rerun = ansible.run(batch)
    if rerun.rc != 0:
        problems.append('the rerun failed: %s' % rerun.describe()[-3000:])
    else:
        task = rerun.task('batch')
        manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
        directories = sorted(e['directory'] for e in manifest['plugins'])
        want = ['net-001', 'net-002', 'net-003', 'netgit-one', 'netgit-two']
        if directories != want or sorted(task['changed_plugins']) != want:
            problems.append('the rerun did not complete the batch: manifest %s, changed %s' % (directories, task['changed_plugins']))
        elif (home / 'plugins' / 'net-001' / 'custom' / 'notes.md').read_text() != 'mine\n' or \
                'NET_001_VAR_1="user value"' not in (home / 'plugins' / 'net-001' / '.env').read_text():
            problems.append("net-001 lost its custom/ or .env in the upgrade")
        else:
            figure.add('recovered', len(faults))
    assert not problems, '\n'.join(problems)
