# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acceptance tests of atk.core.atk_plugin through real ``ansible-playbook`` runs.

Registries and git sources are served by a real ``git daemon`` on loopback (reached through
git ``insteadOf`` exactly as atk reaches them), lifecycle commands are the harness's recording
stub scripts, and the real atk-cli 0.4.0 is the interoperability peer.

Covered: byte-identical interop with ``atk add`` (and atk reading, upgrading and removing in an
atk.core home); an atk-built home converging unchanged; offline second runs; ``state: latest``
in check mode vs real run; a second machine (clone, then a pulled newer pin); version pins up and
down by tag, branch and sha; absent/prune with lifecycle; one fetch for many plugins; errors that
change nothing; install failures retried; a new required variable blocking until set.
"""

from __future__ import annotations

import itertools
import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from harness import (
    AnsibleRunner,
    AtkPeer,
    IsolatedEnv,
    build_git_source,
    build_registry,
    fixture_plugins,
    stub_lifecycle,
    stub_script,
    synthetic_plugin,
    synthetic_plugins,
)
from harness.gitrepo import git as hgit

_IDS = itertools.count(1)


# ---------------------------------------------------------------------------------------------
# helpers


def snapshot(root, dir_mtimes=False):
    """Every path under ``root`` (``.git`` included): files with bytes, mode and mtime; symlinks; dirs."""
    root = Path(root)
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = str(full.relative_to(root))
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel + '/'] = ('dir', stat.S_IMODE(st.st_mode), st.st_mtime_ns if dir_mtimes else None)
            else:
                out[rel] = ('file', stat.S_IMODE(st.st_mode), st.st_mtime_ns, full.read_bytes())
    return out


def snapshot_diff(before, after):
    """Readable differences between two snapshots (empty when equal)."""
    lines = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            lines.append('removed: %s' % key)
        elif key not in before:
            lines.append('added:   %s' % key)
        elif before[key] != after[key]:
            what = [n for n, (a, b) in enumerate(zip(before[key], after[key])) if a != b]
            lines.append('changed: %s (fields %s)' % (key, what))
    return lines


def assert_unchanged(before, root, dir_mtimes=False, ignore=()):
    diff = [line for line in snapshot_diff(before, snapshot(root, dir_mtimes)) if line.split()[1] not in ignore]
    assert not diff, 'the home changed:\n' + '\n'.join(diff)


def plugin_tree(folder):
    """relpath -> (kind, mode, content) of a plugin folder; ``.env`` compared by content only."""
    folder = Path(folder)
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = str(full.relative_to(folder))
            st = os.lstat(full)
            mode = stat.S_IMODE(st.st_mode)
            if rel == '.env':
                mode = None  # atk.core writes .env 0600 on purpose; atk leaves it to the umask
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', None, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel + '/'] = ('dir', mode, None)
            else:
                out[rel] = ('file', mode, full.read_bytes())
    return out


USER_IDENTITY = {'GIT_AUTHOR_NAME': 'A User', 'GIT_AUTHOR_EMAIL': 'user@example.invalid',
                 'GIT_COMMITTER_NAME': 'A User', 'GIT_COMMITTER_EMAIL': 'user@example.invalid'}


def home_git(env, home, *args, check=True):
    proc = subprocess.run(['git'] + list(args), cwd=str(home), env=env.environ(USER_IDENTITY), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if check:
        assert proc.returncode == 0, 'git %s: %s' % (' '.join(args), proc.stderr)
    return proc.stdout


def commit_log(env, home):
    """Per commit, oldest first: author, committer, subject, tree and the files it touched."""
    out = home_git(env, home, 'log', '--reverse', '--format=%x00%an <%ae>|%cn <%ce>|%s|%T', '--name-status')
    commits = []
    for chunk in out.split('\0')[1:]:
        head, rest = chunk.split('\n', 1) if '\n' in chunk else (chunk, '')
        commits.append((head, sorted(line for line in rest.splitlines() if line.strip())))
    return commits


def read_manifest(home):
    return yaml.safe_load((Path(home) / 'manifest.yaml').read_text(encoding='utf-8'))


def entry(manifest, directory):
    for item in manifest['plugins']:
        if item['directory'] == directory:
            return item
    return None


def by_plugin(result):
    return {p['plugin']: p for p in result['plugins']}


def run_ok(ansible, tasks, **kw):
    res = ansible.run_tasks(tasks, **kw)
    assert res.rc == 0, res.describe()
    return res


def task_plugin(title, /, **args):
    """An atk_plugin task called ``title`` with module arguments ``args``."""
    return {'name': title, 'atk.core.atk_plugin': args}


def playbook_plugin(ansible, args, check=False, diff=False, env=None):
    """One atk_plugin task (failure allowed: the caller asserts). Returns (PlaybookResult, module result)."""
    res = ansible.run_tasks([{'name': 'converge', 'atk.core.atk_plugin': args, 'ignore_errors': True}], check=check,
                            diff=diff, env=env)
    assert res.data is not None, res.describe()
    return res, res.task('converge')


def converge(ansible, args, check=False, diff=False, env=None):
    """One atk_plugin task that must succeed -> its result."""
    res, result = playbook_plugin(ansible, args, check=check, diff=diff, env=env)
    assert res.entry('converge')['status'] == 'ok', res.describe()
    return result


def compose_tasks(args, prefix='step', diff=True):
    """check, real, check, real of the same atk_plugin task (the compose pattern)."""
    return [{'name': '%s%d' % (prefix, number), 'atk.core.atk_plugin': args, 'check_mode': check, 'diff': diff}
            for number, check in enumerate((True, False, True, False))]


def compose_steps(ansible, args, diff=True, before=(), prefix='step'):
    """The four compose steps in ONE playbook run (after the tasks ``before``) -> the four results."""
    res = run_ok(ansible, list(before) + compose_tasks(args, prefix, diff))
    return [res.task('%s%d' % (prefix, n)) for n in range(4)]


def make_world(tmp_root, git_daemon, tag):
    """A module-scoped isolated user (own HOME/ATK_HOME/gitconfig), serving git sources of ``tag``."""
    env = IsolatedEnv(Path(tmp_root) / 'env')
    git_daemon.ensure_running()
    env.serve_git_sources(git_daemon, prefix='sources/%s' % tag)
    return env


def local_plugin_dir(root, name='Demo Plugin_X', key='demo', env_vars=None, extra=None):
    """A local plugin folder (plugin.yaml + stub lifecycle + an executable script + a sub folder)."""
    folder = Path(root)
    spec = {
        'schema_version': '2026-01-23',
        'name': name,
        'description': 'A local plugin for atk.core tests.',
        'maturity': 'verified',
        'env_vars': env_vars if env_vars is not None else [
            {'name': 'DEMO_TOKEN', 'required': True, 'secret': True, 'description': 'A secret token'}],
        'lifecycle': {'install': 'x', 'uninstall': 'x'},
        'mcp': {'transport': 'stdio', 'command': 'echo', 'args': ['hi']},
    }
    files = {'plugin.yaml': yaml.safe_dump(spec, sort_keys=False), 'SKILL.md': '# demo\n',
             'hello.sh': '#!/bin/sh\necho hello\n', 'docs/usage.txt': 'usage\n'}
    files.update(extra or {})
    files = stub_lifecycle(files, key, 'replace')
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding='utf-8')
        target.chmod(0o755 if rel.endswith('.sh') else 0o644)
    return folder


# ---------------------------------------------------------------------------------------------
# 1-3. Interoperability: the same five plugins added by atk.core and by atk


GIT_SPEC = {
    'schema_version': '2026-01-23',
    'name': 'Git Thing',
    'description': 'A plugin shipped in a git repository.',
    'maturity': 'verified',
    'env_vars': [{'name': 'GIT_THING_TOKEN', 'required': False, 'description': 'Token for Git Thing'}],
    'lifecycle': {'install': 'x', 'uninstall': 'x'},
    'mcp': {'transport': 'stdio', 'command': 'echo', 'args': ['git-thing']},
}

# (what atk add is given, its prompt answers, the atk_plugin item with the .env atk setup writes)
INTEROP = [
    ('exa', ['exa-key-1'], {'name': 'exa', 'env': {'EXA_API_KEY': 'exa-key-1'}}),
    ('serena', ['', ''], {'name': 'serena', 'env': {'SERENA_CONTEXT': 'ide', 'SERENA_DASHBOARD': 'off'}}),
    ('piper', ['', ''], {'name': 'piper', 'env': {'PIPER_VOICE': 'en_GB-alba-medium', 'PIPER_TTS_URL': 'http://localhost:5847'}}),
    ('example.org/acme/gitplug', ['gt-1'], {'url': 'example.org/acme/gitplug', 'env': {'GIT_THING_TOKEN': 'gt-1'}}),
    (None, ['tok-123'], {'path': None, 'env': {'DEMO_TOKEN': 'tok-123'}}),
]
INTEROP_DIRS = ['exa', 'serena', 'piper', 'git-thing', 'demo-plugin-x']


class Interop(object):
    """Two homes of one user: ``atk_home`` built by atk, ``core_home`` by atk.core, same plugins, same order."""


@pytest.fixture(scope='module')
def interop(tmp_path_factory, git_daemon, collection_path):
    """atk adds the five plugins to its home (answers piped), then atk.core adds the same five to another."""
    world = Interop()
    root = tmp_path_factory.mktemp('interop')
    tag = 'interop-%d' % next(_IDS)
    world.env = env = make_world(root, git_daemon, tag)
    world.registry = build_registry(git_daemon.init_repo('registries/%s' % tag))
    env.use_registry(world.registry)
    world.gitsrc = build_git_source(git_daemon, 'acme/gitplug', spec=GIT_SPEC, prefix='sources/%s' % tag)
    world.local = local_plugin_dir(env.root / 'src' / 'demo-plugin')
    world.atk = AtkPeer(env)
    world.ansible = AnsibleRunner(env, collections_path=collection_path)
    world.atk_home = env.atk_home
    world.core_home = env.root / 'core-home'
    items = []
    for source, answers, item in INTEROP:
        item = dict(item)
        if 'path' in item:
            item['path'] = str(world.local)
            source = str(world.local)
        items.append(item)
        if source == INTEROP[0][0]:
            world.atk.init()
        world.atk.add(source, answers=answers)
    world.items = items
    res = world.ansible.run_tasks([
        {'name': 'home', 'atk.core.atk_home': {'path': str(world.core_home)}},
        {'name': 'plugins', 'atk.core.atk_plugin': {'home': str(world.core_home), 'plugins': items}},
    ])
    world.first = res
    return world


def test_interop_five_plugins_byte_identical_to_atk(interop):
    """1. Three registry, one git (insteadOf URL), one local plugin: the atk.core home equals atk's byte for byte."""
    res = interop.first
    assert res.rc == 0, res.describe()
    result = res.task('plugins')
    assert result['changed'] is True
    assert result['changed_plugins'] == INTEROP_DIRS
    assert [p['action'] for p in result['plugins']] == ['add'] * 5
    for name in ('manifest.yaml', '.gitignore'):
        assert (interop.core_home / name).read_bytes() == (interop.atk_home / name).read_bytes(), name
    manifest = read_manifest(interop.core_home)
    assert [e['directory'] for e in manifest['plugins']] == INTEROP_DIRS
    git_entry = entry(manifest, 'git-thing')
    assert git_entry['source'] == {'type': 'git', 'ref': interop.gitsrc.head(), 'url': 'example.org/acme/gitplug'}
    assert entry(manifest, 'piper')['name'] == 'Piper TTS'
    assert entry(manifest, 'exa')['source']['ref'] == interop.registry.head()
    assert sorted(p.name for p in (interop.core_home / 'plugins').iterdir()) == sorted(INTEROP_DIRS)
    for directory in INTEROP_DIRS:
        ours = plugin_tree(interop.core_home / 'plugins' / directory)
        theirs = plugin_tree(interop.atk_home / 'plugins' / directory)
        assert ours == theirs, directory
        assert 'plugin.yaml' in ours and '.env' in ours, sorted(ours)
        if directory != 'demo-plugin-x':
            ref = (interop.core_home / 'plugins' / directory / '.atk-ref').read_text()
            assert ref == entry(manifest, directory)['source']['ref'] + '\n'
        env_file = interop.core_home / 'plugins' / directory / '.env'
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert not (interop.core_home / 'plugins' / 'demo-plugin-x' / '.atk-ref').exists()
    local = plugin_tree(interop.core_home / 'plugins' / 'demo-plugin-x')
    assert local['hello.sh'][1] == 0o755 and local['docs/usage.txt'][1] == 0o644 and local['docs/'][0] == 'dir'
    ours, theirs = commit_log(interop.env, interop.core_home), commit_log(interop.env, interop.atk_home)
    assert [c[0].split('|')[2] for c in ours] == [
        'Initialize ATK Home', "Add plugin 'exa'", "Add plugin 'serena'", "Add plugin 'Piper TTS'",
        "Add plugin 'Git Thing'", "Add plugin 'Demo Plugin_X'"]
    assert ours == theirs  # author, committer, subject, tree and touched files of every commit
    # the lifecycle install ran for both homes, in each plugin folder
    for key, directory in (('serena', 'serena'), ('piper', 'piper'), ('gitplug', 'git-thing'), ('demo', 'demo-plugin-x')):
        cwds = [c[2] for c in interop.env.calls(key, 'install')]
        assert cwds == [str(interop.atk_home / 'plugins' / directory), str(interop.core_home / 'plugins' / directory)]


def test_interop_atk_reads_the_atk_core_home(interop):
    """atk status lists the five, atk upgrade --all finds all of them up to date and writes nothing."""
    env = {'ATK_HOME': str(interop.core_home)}
    before = snapshot(interop.core_home)
    status = interop.atk.run('status', env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    for name, directory in zip(('exa', 'serena', 'Piper TTS', 'Git Thing', 'Demo Plugin_X'), INTEROP_DIRS):
        assert '%s (%s)' % (name, directory) in status.stdout, status.stdout
    assert 'invalid' not in status.stdout.lower() and 'Working dir: clean' in status.stdout, status.stdout
    upgrade = interop.atk.run('upgrade', '--all', env=env)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    for name in ('exa', 'serena', 'Piper TTS', 'Git Thing'):
        assert "Plugin '%s' is already up to date" % name in upgrade.stdout, upgrade.stdout
    assert "Skipping local plugin 'Demo Plugin_X'" in upgrade.stdout
    assert 'All plugins are up to date' in upgrade.stdout
    # (`git status` inside atk status refreshes the stat cache of .git/index, same bytes)
    assert_unchanged(before, interop.core_home, ignore=('.git/index',))


def test_interop_home_built_by_atk_converges_unchanged(interop):
    """2. The home atk built converges under atk.core, same desired list: nothing to do, no network."""
    before = snapshot(interop.atk_home)
    result = converge(interop.ansible, {'home': str(interop.atk_home), 'plugins': interop.items})
    assert result['changed'] is False, result['actions']
    assert result['unchanged_plugins'] == INTEROP_DIRS
    assert [p['action'] for p in result['plugins']] == ['none'] * 5
    assert result['network']['contacts'] == 0, result['network']
    # nothing of the home's tracked or plugin files changed (atk.core only adds its lock under .git/atk-core/)
    after = snapshot(interop.atk_home)
    assert not [line for line in snapshot_diff(before, after) if not line.split()[-1].startswith('.git/atk-core')], \
        snapshot_diff(before, after)


def test_interop_second_run_offline(interop, git_daemon):
    """3. The second run with the same list needs nothing from the network: the daemon is stopped."""
    before = snapshot(interop.core_home)
    git_daemon.stop()
    try:
        result = converge(interop.ansible, {'home': str(interop.core_home), 'plugins': interop.items})
    finally:
        git_daemon.ensure_running()
    assert result['changed'] is False, result['actions']
    assert result['network'] == {'contacts': 0, 'urls': []}
    assert_unchanged(before, interop.core_home, dir_mtimes=False)


def test_interop_atk_removes_from_the_atk_core_home(interop):
    """atk remove --force of the local plugin leaves the atk.core home as atk leaves its own."""
    for home in (interop.core_home, interop.atk_home):
        proc = interop.atk.run('remove', 'demo-plugin-x', '--force', env={'ATK_HOME': str(home)})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Removed plugin 'demo-plugin-x'" in proc.stdout
    core = interop.core_home
    assert not (core / 'plugins' / 'demo-plugin-x').exists()
    assert [e['directory'] for e in read_manifest(core)['plugins']] == INTEROP_DIRS[:4]
    assert '!plugins/demo-plugin-x/' not in (core / '.gitignore').read_text()
    for name in ('manifest.yaml', '.gitignore'):
        assert (core / name).read_bytes() == (interop.atk_home / name).read_bytes(), name
    ours, theirs = commit_log(interop.env, core), commit_log(interop.env, interop.atk_home)
    assert ours[-1][0].split('|')[2] == "Remove plugin 'Demo Plugin_X'"
    assert ours == theirs
    assert home_git(interop.env, core, 'status', '--porcelain') == ''
    # uninstall ran in the atk.core home's plugin folder
    assert [c[2] for c in interop.env.calls('demo', 'uninstall')][-2] == str(core / 'plugins' / 'demo-plugin-x')


# ---------------------------------------------------------------------------------------------
# 4. state: latest after a registry commit; check mode == real run


def test_latest_after_registry_commit_check_then_real(isolated_env, registry_factory, ansible):
    """4. One plugin changes upstream: check mode predicts exactly it and writes nothing; the real run does it."""
    registry = registry_factory(fixture_plugins(['exa', 'fetch', 'serena']))
    home = isolated_env.atk_home
    # add: check == real, then both idempotent
    add = {'plugins': [{'name': 'exa'}, {'name': 'fetch'}, {'name': 'serena', 'env': {'SERENA_CONTEXT': 'claude-code'}}]}
    steps = compose_steps(ansible, add, before=[{'name': 'home', 'atk.core.atk_home': {}}])
    assert [s['changed'] for s in steps] == [True, True, False, False]
    assert steps[0]['changed_plugins'] == steps[1]['changed_plugins'] == ['exa', 'fetch', 'serena']
    old = registry.head()
    # a tracked custom/ file, committed the way a user (or atk's next `git add -A`) would
    custom = home / 'plugins' / 'serena' / 'custom' / 'notes.md'
    custom.parent.mkdir()
    custom.write_text('my notes\n')
    home_git(isolated_env, home, 'add', 'plugins/serena/custom/notes.md')
    home_git(isolated_env, home, 'commit', '-q', '-m', 'my notes')
    env_file = home / 'plugins' / 'serena' / '.env'
    env_bytes = env_file.read_bytes()
    assert b'SERENA_CONTEXT=claude-code' in env_bytes
    new = registry.update_plugin('serena', {'SKILL.md': '# serena\n\nNew skill text.\n', 'EXTRA.md': 'extra\n'})
    installs = len(isolated_env.calls('serena', 'install'))

    latest = {'all': True, 'state': 'latest'}
    before = snapshot(home, dir_mtimes=True)
    checked = converge(ansible, latest, check=True, diff=True)
    assert_unchanged(before, home, dir_mtimes=True)
    assert checked['changed'] is True
    assert checked['changed_plugins'] == ['serena'], checked['actions']
    assert [a['plugin'] for a in checked['actions']] == ['serena']
    action = checked['actions'][0]
    assert action['action'] == 'upgrade'
    assert action['before'] == {'ref': old, 'disk_ref': old}
    assert action['after'] == {'ref': new}
    assert action['files'] == [{'path': 'EXTRA.md', 'status': 'added'}, {'path': 'SKILL.md', 'status': 'modified'}]
    assert action['install'] == 'will run'
    assert len(isolated_env.calls('serena', 'install')) == installs  # check mode runs no lifecycle

    real = converge(ansible, latest, diff=True)
    assert real['changed'] is True
    assert real['changed_plugins'] == checked['changed_plugins']
    assert [(a['plugin'], a['action'], a['before'], a['after'], a['files']) for a in real['actions']] == \
        [(a['plugin'], a['action'], a['before'], a['after'], a['files']) for a in checked['actions']]
    assert real['actions'][0]['install'] == 'ran'
    assert len(isolated_env.calls('serena', 'install')) == installs + 1
    folder = home / 'plugins' / 'serena'
    assert (folder / 'SKILL.md').read_text() == '# serena\n\nNew skill text.\n'
    assert (folder / 'EXTRA.md').read_text() == 'extra\n'
    assert (folder / '.atk-ref').read_text() == new + '\n'
    assert custom.read_text() == 'my notes\n'
    assert env_file.read_bytes() == env_bytes
    manifest = read_manifest(home)
    assert entry(manifest, 'serena')['source']['ref'] == new
    assert entry(manifest, 'exa')['source']['ref'] == old  # its files did not change: its pin stays
    assert home_git(isolated_env, home, 'log', '-1', '--format=%an <%ae>|%s') == "ATK <atk@localhost>|Upgrade plugin 'serena'\n"
    assert home_git(isolated_env, home, 'status', '--porcelain') == ''
    assert home_git(isolated_env, home, 'show', 'HEAD:plugins/serena/custom/notes.md') == 'my notes\n'

    # third run: check and real both report nothing to do; then absent: check == real, then idempotent
    again = run_ok(ansible, [dict(task_plugin('check', **latest), check_mode=True), task_plugin('real', **latest)]
                   + compose_tasks({'name': 'serena', 'state': 'absent'}, prefix='absent'))
    assert again.task('check')['changed'] is False and again.task('real')['changed'] is False
    assert again.task('real')['actions'] == []
    steps = [again.task('absent%d' % n) for n in range(4)]
    assert [s['changed'] for s in steps] == [True, True, False, False]
    assert [c[1] for c in isolated_env.calls('serena')][-1] == 'uninstall'
    assert len(isolated_env.calls('serena', 'uninstall')) == 1
    assert not folder.exists() and entry(read_manifest(home), 'serena') is None


# ---------------------------------------------------------------------------------------------
# 5. A second machine: clone of the home repository, then a pulled manifest with a newer pin


def test_second_machine_clone_then_pulled_newer_pin(isolated_env, registry_factory, git_source_factory, ansible, atk_peer):
    """5. A clone of the home reaches the pinned refs in one call; a pulled newer pin resyncs the files (atk does not)."""
    registry = registry_factory(fixture_plugins(['exa', 'serena']))
    gitsrc = git_source_factory('acme/gitplug', spec=GIT_SPEC)
    machine_a = isolated_env.atk_home
    machine_b = isolated_env.root / 'machine-b' / '.atk'
    run_ok(ansible, [
        {'name': 'home', 'atk.core.atk_home': {}},
        task_plugin('add', plugins=[{'name': 'exa'}, {'name': 'serena', 'env': {'SERENA_CONTEXT': 'agent'}},
                                    {'url': gitsrc.source}]),
    ])
    custom = machine_a / 'plugins' / 'serena' / 'custom' / 'overrides.yaml'
    custom.parent.mkdir()
    custom.write_text('description: Serena, customised\n')
    home_git(isolated_env, machine_a, 'add', 'plugins/serena/custom')
    home_git(isolated_env, machine_a, 'commit', '-q', '-m', 'customise serena')
    old = registry.head()

    # machine B: clone the home repository, converge everything the manifest lists, in one call
    cache_b = str(isolated_env.root / 'machine-b' / 'cache')
    res = run_ok(ansible, [
        {'name': 'clone', 'atk.core.atk_home': {'path': str(machine_b), 'repo': str(machine_a)}},
        task_plugin('sync', home=str(machine_b), all=True, cache_dir=cache_b),
    ])
    sync = res.task('sync')
    assert sync['changed'] is True
    assert [(p['plugin'], p['action']) for p in sync['plugins']] == [
        ('exa', 'resync'), ('serena', 'resync'), ('git-thing', 'resync')]
    assert sync['network']['contacts'] <= 4, sync['network']  # registry + git source, each cold
    for directory in ('exa', 'serena', 'git-thing'):
        ours = plugin_tree(machine_b / 'plugins' / directory)
        theirs = plugin_tree(machine_a / 'plugins' / directory)
        theirs.pop('.env', None)  # secrets do not travel with the home repository
        assert ours == theirs, directory
    assert (machine_b / 'manifest.yaml').read_bytes() == (machine_a / 'manifest.yaml').read_bytes()
    assert home_git(isolated_env, machine_b, 'status', '--porcelain') == ''
    assert atk_peer.run('status', env={'ATK_HOME': str(machine_b)}).returncode == 0

    # machine A upgrades serena and commits; machine B pulls that manifest and converges
    new = registry.update_plugin('serena', {'SKILL.md': '# serena v2\n'})
    res = run_ok(ansible, [
        task_plugin('upgrade-a', name='serena', state='latest'),
        {'name': 'pull-b', 'ansible.builtin.command': {'argv': ['git', 'pull', '-q', '--ff-only'], 'chdir': str(machine_b)}},
        task_plugin('sync-b', home=str(machine_b), all=True, cache_dir=cache_b),
    ])
    assert res.task('upgrade-a')['changed_plugins'] == ['serena']
    sync = res.task('sync-b')
    assert sync['changed'] is True and sync['changed_plugins'] == ['serena'], sync['actions']
    action = sync['actions'][0]
    assert action['action'] == 'resync' and action['before'] == {'ref': new, 'disk_ref': old}
    serena_b = machine_b / 'plugins' / 'serena'
    assert (serena_b / 'SKILL.md').read_text() == '# serena v2\n'
    assert (serena_b / '.atk-ref').read_text() == new + '\n'
    assert (serena_b / 'custom' / 'overrides.yaml').read_text() == 'description: Serena, customised\n'
    assert plugin_tree(serena_b) == {k: v for k, v in plugin_tree(machine_a / 'plugins' / 'serena').items() if k != '.env'}
    assert entry(read_manifest(machine_b), 'exa')['source']['ref'] == old
    assert home_git(isolated_env, machine_b, 'status', '--porcelain') == ''


# ---------------------------------------------------------------------------------------------
# 6. version pins (tag, branch, sha; up and down), absent, prune, one fetch for many plugins


def _show(home, *directories):
    """A command task printing .atk-ref and SKILL.md of each plugin (one line each)."""
    argv = ['sh', '-c', 'for d in "$@"; do printf "%s|%s|%s\\n" "$d" "$(cat plugins/$d/.atk-ref)" "$(cat plugins/$d/SKILL.md)"; done',
            'show'] + list(directories)
    return argv


def test_version_pins_absent_prune(isolated_env, registry_factory, git_source_factory, ansible):
    """6. version: moves registry and git plugins to exactly that commit; absent and prune run the lifecycle."""
    registry = registry_factory(fixture_plugins(['exa', 'piper', 'codanna']))
    gitsrc = git_source_factory('acme/gitplug', spec=GIT_SPEC, files={'SKILL.md': 'g1'})
    c1, g1 = registry.head(), gitsrc.head()
    registry.git('tag', 'v1')
    gitsrc.git('tag', 'v1')
    c2 = registry.update_plugin('exa', {'SKILL.md': 'c2'})
    g2 = gitsrc.update_plugin({'SKILL.md': 'g2'})
    registry.git('branch', 'stable')
    gitsrc.git('branch', 'stable')
    c3 = registry.update_plugin('exa', {'SKILL.md': 'c3'})
    g3 = gitsrc.update_plugin({'SKILL.md': 'g3'})
    home = isolated_env.atk_home
    exa_skill_c1 = registry.read('plugins/exa/SKILL.md', c1)

    def pin(title, exa_version, git_version, **kw):
        return [task_plugin(title, plugins=[{'name': 'exa', 'version': exa_version},
                                            {'url': gitsrc.source, 'version': git_version}], **kw),
                {'name': title + '-files', 'ansible.builtin.command': {'argv': _show(home, 'exa', 'git-thing'),
                                                                       'chdir': str(home)}}]

    tasks = [{'name': 'home', 'atk.core.atk_home': {}},
             task_plugin('add-services', plugins=[{'name': 'piper'}, {'name': 'codanna'}])]
    tasks += pin('tag', 'v1', 'v1') + pin('branch', 'stable', 'stable') + pin('sha-up', c3, g3)
    tasks += pin('sha-down', c1, g1) + pin('tag-again', 'v1', 'v1')
    tasks += [task_plugin('absent', name='piper', state='absent'),
              task_plugin('absent-again', name='piper', state='absent'),
              task_plugin('prune', prune=True, plugins=[{'name': 'exa', 'version': 'v1'}, {'url': gitsrc.source, 'version': 'v1'}])]
    res = run_ok(ansible, tasks)
    expected = {
        'tag': ('add', c1, exa_skill_c1, g1, 'g1'),
        'branch': ('upgrade', c2, 'c2', g2, 'g2'),
        'sha-up': ('upgrade', c3, 'c3', g3, 'g3'),
        'sha-down': ('downgrade', c1, exa_skill_c1, g1, 'g1'),
        'tag-again': ('none', c1, exa_skill_c1, g1, 'g1'),
    }
    for title, (action, exa_ref, exa_skill, git_ref, git_skill) in expected.items():
        result = res.task(title)
        assert [p['action'] for p in result['plugins']] == [action, action], (title, result['plugins'])
        assert result['changed'] is (action != 'none'), title
        assert [p['after']['ref'] for p in result['plugins']] == [exa_ref, git_ref], title
        shown = res.task(title + '-files')['stdout']
        assert shown == 'exa|%s|%s\ngit-thing|%s|%s' % (exa_ref, exa_skill.rstrip('\n'), git_ref, git_skill), title
    subjects = home_git(isolated_env, home, 'log', '--reverse', '--format=%s').splitlines()
    assert subjects[3:] == [
        "Add plugin 'exa'", "Add plugin 'Git Thing'",
        "Upgrade plugin 'exa'", "Upgrade plugin 'Git Thing'", "Upgrade plugin 'exa'", "Upgrade plugin 'Git Thing'",
        "Downgrade plugin 'exa'", "Downgrade plugin 'Git Thing'",
        "Remove plugin 'Piper TTS'", "Remove plugin 'codanna'"], subjects
    # absent: stop (best effort) then uninstall, in the plugin folder; absent again changes nothing
    assert res.task('absent')['changed'] is True
    assert [c[1:] for c in isolated_env.calls('piper')] == [
        ['install', str(home / 'plugins' / 'piper')], ['stop', str(home / 'plugins' / 'piper')],
        ['uninstall', str(home / 'plugins' / 'piper')]]
    assert isolated_env.installed('piper') is None
    assert res.task('absent-again')['changed'] is False
    # prune removed the unlisted plugin (with its uninstall) and kept the listed ones as they were
    prune = res.task('prune')
    assert prune['changed_plugins'] == ['codanna'] and prune['actions'][0]['action'] == 'remove'
    assert isolated_env.calls('codanna', 'uninstall') and isolated_env.installed('codanna') is None
    assert [e['directory'] for e in read_manifest(home)['plugins']] == ['exa', 'git-thing']
    assert sorted(p.name for p in (home / 'plugins').iterdir()) == ['exa', 'git-thing']
    assert home_git(isolated_env, home, 'status', '--porcelain') == ''


def test_one_fetch_for_many_plugins(isolated_env, registry_factory, ansible):
    """Many plugins at one registry commit cost the same few contacts as two (cold caches)."""
    registry = registry_factory(synthetic_plugins(12))
    slugs = registry.slugs()
    tasks = []
    for label, names in (('two', slugs[:2]), ('twelve', slugs)):
        home = str(isolated_env.root / label / '.atk')
        tasks += [{'name': 'home-' + label, 'atk.core.atk_home': {'path': home}},
                  task_plugin(label, home=home, cache_dir=str(isolated_env.root / label / 'cache'),
                              plugins=[{'name': n} for n in names])]
    res = run_ok(ansible, tasks)
    two, twelve = res.task('two'), res.task('twelve')
    assert len(twelve['changed_plugins']) == 12
    assert twelve['network']['contacts'] == two['network']['contacts'] <= 2, (two['network'], twelve['network'])
    assert (isolated_env.root / 'twelve' / '.atk' / 'plugins' / 'synth-012' / 'SKILL.md').is_file()


# ---------------------------------------------------------------------------------------------
# 7. Errors: a clear message each, and nothing changed in the home


def test_errors_are_clear_and_change_nothing(isolated_env, registry_factory, git_source_factory, git_daemon,
                                             git_daemon_factory, test_id, ansible):
    """7. Every refusal names the problem, and neither home (A, nor its clone B) changes at all."""
    registry_factory(fixture_plugins(['exa', 'fetch']))
    noatk = git_daemon.init_repo('sources/%s/example.org/acme/plainrepo' % test_id)
    noatk.commit({'README.md': '# just a project\n'}, 'init')
    bad_spec = dict(GIT_SPEC, name='Bad Spec', env_vars=[{'name': 'lower-case', 'description': 'bad'}])
    badspec = git_source_factory('acme/badspec', spec=bad_spec)
    git_source_factory('acme/exaclone', spec=dict(GIT_SPEC, name='exa'))
    vanish = git_source_factory('acme/vanish', spec=dict(GIT_SPEC, name='Vanish'))
    vanish_g1 = vanish.head()
    vanish_g2 = vanish.update_plugin({'SKILL.md': 'soon gone\n'})
    evil = build_registry(git_daemon.init_repo('registries/%s-evil' % test_id), [synthetic_plugin('evil')])
    evil.commit({'index.yaml': yaml.safe_dump({'schema_version': '2026-01-23', 'plugins': [
        {'name': 'evil', 'path': 'plugins/../../outside', 'description': 'escapes'}]})}, 'evil index')
    private = git_daemon_factory()
    offline = registry_factory(fixture_plugins(['fetch']), use=False, daemon=private)
    local = local_plugin_dir(isolated_env.root / 'src' / 'demo')
    other_exa = local_plugin_dir(isolated_env.root / 'src' / 'exa-local', name='Exa', key='exalocal')
    home = isolated_env.atk_home
    run_ok(ansible, [{'name': 'home', 'atk.core.atk_home': {}},
                     task_plugin('setup', plugins=[{'name': 'exa'}, {'path': str(local), 'env': {'DEMO_TOKEN': 't'}},
                                                   {'url': 'example.org/acme/vanish'}])])
    # machine B: a plain clone of the home; upstream of 'vanish' is then force-pushed back and gc'ed
    machine_b = isolated_env.root / 'machine-b'
    hgit('clone', '-q', str(home), str(machine_b))
    vanish.git('reset', '-q', '--hard', vanish_g1)
    vanish.git('reflog', 'expire', '--expire=now', '--all')
    vanish.git('gc', '-q', '--prune=now')
    assert vanish.git('cat-file', '-e', vanish_g2, check=False).returncode != 0
    private.stop()
    pwned = isolated_env.root / 'pwned'

    cases = {
        'unknown-name': ({'name': 'exx'}, ["Plugin 'exx' not found in registry", 'Did you mean: exa']),
        'unreachable': ({'name': 'fetch', 'registry_url': offline.url}, ['Cannot reach %s' % offline.url]),
        'no-atk-dir': ({'url': 'example.org/acme/plainrepo'}, ["Repository does not contain an '.atk/' directory"]),
        'invalid-spec': ({'url': 'example.org/acme/badspec'},
                         ['example.org/acme/badspec@%s:.atk/plugin.yaml' % badspec.head(), "'env_vars.0.name': must match"]),
        'latest-local': ({'path': str(local), 'state': 'latest'}, ["is a local plugin and cannot be upgraded"]),
        'collision-local': ({'path': str(other_exa)}, ["already installed from a registry source (directory 'exa')"]),
        'collision-git': ({'url': 'example.org/acme/exaclone'}, ['plugins/exa', "already holds 'exa'"]),
        # force replaces an unmanaged leftover folder, never another plugin's folder
        'collision-git-force': ({'url': 'example.org/acme/exaclone', 'force': True}, ["already holds 'exa'"]),
        'index-escape': ({'name': 'evil', 'registry_url': evil.url}, ["unsafe path 'plugins/../../outside'"]),
        'url-dash': ({'url': '--upload-pack=touch %s' % pwned}, ["Refusing url", "starts with '-'"]),
        'url-ext': ({'url': 'ext::sh -c touch% ' + str(pwned)}, ["'ext::' remote-helper transport is not allowed"]),
        'version-dash': ({'name': 'exa', 'version': '--output=%s' % pwned}, ['Refusing version', "starts with '-'"]),
        'ref-gone': ({'home': str(machine_b), 'all': True, 'cache_dir': str(isolated_env.root / 'cache-b')},
                     ['pinned ref %s no longer exists in https://example.org/acme/vanish' % vanish_g2]),
    }
    before_a = snapshot(home)
    before_b = snapshot(machine_b)
    res = ansible.run_tasks([dict(task_plugin(title, **case[0]), ignore_errors=True) for title, case in cases.items()])
    assert res.data is not None, res.describe()
    messages = {}
    for title in cases:
        result = res.task(title)
        messages[title] = result.get('msg')
        assert res.entry(title)['status'] == 'failed', (title, result)
        assert result.get('changed') in (None, False), title
    print('\n'.join('%s: %s' % item for item in messages.items()))
    for title, (_args, expected) in cases.items():
        for text in expected:
            assert text in messages[title], (title, messages[title])
    assert not pwned.exists()
    assert_unchanged(before_a, home)
    assert_unchanged(before_b, machine_b, ignore=('.git/atk-core/', '.git/atk-core/lock'))


# ---------------------------------------------------------------------------------------------
# 8. A failing install is retried by the next run; a new required variable blocks until set


def test_failed_install_retried_and_new_required_env(isolated_env, registry_factory, ansible):
    """8. A failed install keeps the files and is retried; a new required variable blocks the install until set."""
    registry = registry_factory(fixture_plugins(['codanna', 'serena']))
    home = isolated_env.atk_home
    isolated_env.fail('codanna', 'install', 1)  # codanna's install script exits 1
    res = ansible.run_tasks([{'name': 'home', 'atk.core.atk_home': {}},
                             dict(task_plugin('add', plugins=[{'name': 'codanna'}, {'name': 'serena'}]), ignore_errors=True)])
    assert res.data is not None, res.describe()
    assert res.entry('add')['status'] == 'failed'
    add = res.task('add')
    assert "Install failed for plugin 'codanna' (exit code 1)" in add['msg'], add['msg']
    assert 'serena' not in add['msg']
    assert add['changed'] is True and add['changed_plugins'] == ['codanna', 'serena']
    assert by_plugin(add)['codanna']['install'] == 'failed' and by_plugin(add)['serena']['install'] == 'ran'
    # the files stay, the manifest lists it, the home is committed and clean
    assert (home / 'plugins' / 'codanna' / 'plugin.yaml').is_file()
    assert [e['directory'] for e in read_manifest(home)['plugins']] == ['codanna', 'serena']
    assert home_git(isolated_env, home, 'status', '--porcelain') == ''
    assert isolated_env.installed('codanna') is None and isolated_env.installed('serena') is not None
    isolated_env.unfail('codanna', 'install')

    # serena's next version needs a new required variable (its stub records it when set)
    spec = registry.plugin_spec('serena')
    spec['env_vars'].append({'name': 'SERENA_LICENSE', 'required': True, 'description': 'License key'})
    names = [v['name'] for v in spec['env_vars']]
    new = registry.update_plugin('serena', {'plugin.yaml': spec, 'atk-test-lifecycle.sh': stub_script('serena', names)})
    installs = len(isolated_env.calls('serena', 'install'))
    res = ansible.run_tasks([
        dict(task_plugin('retry', name='codanna'), ignore_errors=True),
        task_plugin('retry-again', name='codanna'),
        dict(task_plugin('upgrade', name='serena', state='latest'), ignore_errors=True),
        task_plugin('set-env', name='serena', env={'SERENA_LICENSE': 'lic-42'}),
        task_plugin('set-env-again', name='serena', env={'SERENA_LICENSE': 'lic-42'}),
    ])
    assert res.data is not None, res.describe()
    retry = res.task('retry')
    assert res.entry('retry')['status'] == 'ok', retry
    assert retry['changed'] is True
    assert [(a['plugin'], a['action'], a['install']) for a in retry['actions']] == [('codanna', 'install', 'ran')]
    assert res.task('retry-again')['changed'] is False
    assert isolated_env.installed('codanna') == {'cwd': str(home / 'plugins' / 'codanna')}

    upgrade = res.task('upgrade')
    assert res.entry('upgrade')['status'] == 'failed'
    assert 'SERENA_LICENSE' in upgrade['msg'] and "'serena'" in upgrade['msg'], upgrade['msg']
    action = by_plugin(upgrade)['serena']
    assert action['action'] == 'upgrade' and action['new_required_env'] == ['SERENA_LICENSE']
    assert action['install'] == 'blocked'
    set_env = res.task('set-env')
    assert res.entry('set-env')['status'] == 'ok', set_env
    assert set_env['changed'] is True
    assert [(a['plugin'], a['install']) for a in set_env['actions']] == [('serena', 'ran')]
    assert set_env['actions'][0]['env'] == {'added': ['SERENA_LICENSE'], 'changed': [], 'removed': []}
    assert res.task('set-env-again')['changed'] is False, res.task('set-env-again')['actions']
    assert len(isolated_env.calls('serena', 'install')) == installs + 1  # blocked, then ran once
    assert isolated_env.installed('serena')['SERENA_LICENSE'] == 'lic-42'
    assert (home / 'plugins' / 'serena' / '.atk-ref').read_text() == new + '\n'
    assert entry(read_manifest(home), 'serena')['source']['ref'] == new
    assert 'SERENA_LICENSE=lic-42' in (home / 'plugins' / 'serena' / '.env').read_text()
    assert 'lic-42' not in res.stdout
