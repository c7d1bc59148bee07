# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging truthfully when the world moves, through real ``ansible-playbook`` runs of atk_converge.

The world moves under a home: hand edits in plugin folders, a registry commit, upstream commits of
the home repository (an add, a removal), required variables nobody set. Each scenario checks that
check mode predicts the real run (same actions, same ``changed``, nothing written), that the real run
does it, that the run after changes nothing, and that the real atk 0.4.0 reads the result.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from harness import AtkPeer, IsolatedEnv, fixture_plugins, git
from harness.gitrepo import SERVE_CONFIG

PLUGINS = ['fetch', 'gitlab', 'serena', 'codanna']


def converge(ansible, check=False, diff=False, env=None, name='converge', ignore_errors=False, **args):
    task = {'name': name, 'atk.core.atk_converge': args}
    if ignore_errors:
        task['ignore_errors'] = True
    res = ansible.run_tasks([task], check=check, diff=diff, env=env)
    assert res.data is not None, res.describe()
    return res, res.task(name)


def snapshot(root: Path):
    """Every path below ``root`` with its bytes (or link target) and mode: check mode must change none."""
    out = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob('*')):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ('link', str(path.readlink()))
        elif path.is_file():
            out[rel] = ('file', path.read_bytes(), path.stat().st_mode)
        else:
            out[rel] = ('dir', path.stat().st_mode)
    return out


def actions(result):
    return sorted((p['plugin'], p['action']) for p in result['plugins'] if p['action'] != 'none')


def atk_status_ok(atk_peer: AtkPeer):
    proc = atk_peer.run('status')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'invalid' not in proc.stdout.lower(), proc.stdout
    return proc.stdout


def test_hand_edits_are_seen_offline_previewed_and_repaired(registry_factory, ansible, isolated_env, atk_peer):
    """Reproduction 3: an edited SKILL.md, a deleted README.md, an unknown key in plugin.yaml."""
    registry = registry_factory(fixture_plugins(PLUGINS))
    items = [{'name': p} for p in PLUGINS]
    res, first = converge(ansible, plugins=items, all=False)
    assert first['changed'] is True, res.describe()
    home = isolated_env.atk_home
    (home / 'plugins' / 'fetch' / 'SKILL.md').write_text('# edited by hand\n')
    (home / 'plugins' / 'gitlab' / 'README.md').unlink()
    spec = yaml.safe_load((home / 'plugins' / 'serena' / 'plugin.yaml').read_text())
    spec['backdoor'] = True
    (home / 'plugins' / 'serena' / 'plugin.yaml').write_text(yaml.safe_dump(spec))
    assert 'invalid' in atk_peer.run('status').stdout.lower()

    info = ansible.run_tasks([{'name': 'info', 'atk.core.atk_info': {'gather': ['plugins']}}])
    states = {p['directory']: (p['state'], p['drift']) for p in info.task('info')['plugins']}
    assert states['fetch'] == ('drifted', [{'path': 'SKILL.md', 'status': 'modified'}])
    assert states['gitlab'] == ('drifted', [{'path': 'README.md', 'status': 'deleted'}])
    assert states['serena'] == ('drifted', [{'path': 'plugin.yaml', 'status': 'modified'}])
    assert states['codanna'] == ('in sync', [])

    # report only: nothing changes, the files are named
    res, reported = converge(ansible, plugins=items, all=False, drift='report')
    assert reported['changed'] is False and actions(reported) == []
    assert {p['plugin']: [d['path'] for d in p['drift']] for p in reported['plugins'] if p['drift']} == {
        'fetch': ['SKILL.md'], 'gitlab': ['README.md'], 'serena': ['plugin.yaml']}
    assert reported['network']['contacts'] == 0

    before = snapshot(home)
    res, preview = converge(ansible, check=True, diff=True, plugins=items, all=False)
    assert preview['changed'] is True
    assert actions(preview) == [('fetch', 'resync'), ('gitlab', 'resync'), ('serena', 'resync')]
    text = json.dumps(preview['diff'])
    assert 'SKILL.md  (changed in place: modified)' in text and 'README.md  (changed in place: deleted)' in text
    assert snapshot(home) == before

    res, done = converge(ansible, plugins=items, all=False)
    assert actions(done) == actions(preview) and done['changed'] is True
    assert (home / 'plugins' / 'fetch' / 'SKILL.md').read_text() == registry.read('plugins/fetch/SKILL.md')
    assert (home / 'plugins' / 'gitlab' / 'README.md').is_file()
    assert 'backdoor' not in (home / 'plugins' / 'serena' / 'plugin.yaml').read_text()
    atk_status_ok(atk_peer)
    res, again = converge(ansible, plugins=items, all=False)
    assert again['changed'] is False and again['network']['contacts'] == 0


def test_install_outputs_are_not_the_plugins_files(registry_factory, ansible, isolated_env):
    """Reproduction 5: what an install leaves in its folder does not make an upgrade preview name the plugin."""
    registry = registry_factory(fixture_plugins(PLUGINS))
    outputs = {'ATK_TEST_INSTALL_OUTPUTS': '1'}
    items = [{'name': p} for p in PLUGINS]
    res, first = converge(ansible, plugins=items, all=False, env=outputs)
    assert first['changed'] is True, res.describe()
    home = isolated_env.atk_home
    assert (home / 'plugins' / 'serena' / '.venv' / 'pyvenv.cfg').is_file()   # serena's install left it
    res, quiet = converge(ansible, plugins=items, all=False, env=outputs)
    assert quiet['changed'] is False and all(not p['drift'] for p in quiet['plugins'])

    registry.update_plugin('fetch', {'SKILL.md': '# fetch, a newer registry commit\n'})
    before = snapshot(home)
    res, preview = converge(ansible, check=True, diff=True, plugins=items, all=False, state='latest', env=outputs)
    assert actions(preview) == [('fetch', 'upgrade')], preview['plugins']
    assert snapshot(home) == before
    res, done = converge(ansible, plugins=items, all=False, state='latest', env=outputs)
    assert actions(done) == [('fetch', 'upgrade')]
    assert done['after'] == {'plugins': [dict(p, ref=registry.head() if p['directory'] == 'fetch' else p['ref'])
                                         for p in first['after']['plugins']]}


@pytest.fixture
def team_home(tmp_path, registry_factory, git_daemon, test_id):
    """A home repository made by the real atk (fetch, serena), served; the admin's peer pushes to it."""
    registry = registry_factory(fixture_plugins(['fetch', 'serena', 'git-local', 'github', 'notion']))
    admin_env = IsolatedEnv(tmp_path / 'admin')
    admin_env.use_registry(registry)
    admin = AtkPeer(admin_env)
    admin.init()
    admin.add('fetch', answers=[''])
    admin.add('serena', answers=['', ''])
    relpath = 'homes/%s.git' % test_id
    bare = git_daemon.base_path / relpath
    git('clone', '-q', '--bare', str(admin_env.atk_home), str(bare))
    for key, value in SERVE_CONFIG.items():
        git('config', key, value, cwd=bare)
    admin.git('remote', 'add', 'origin', str(bare))
    admin.git('fetch', '-q', 'origin')
    admin.git('branch', '-q', '--set-upstream-to', 'origin/' + admin.git('branch', '--show-current').stdout.strip())
    return registry, admin, git_daemon.url(relpath)


def test_check_mode_of_a_home_not_cloned_yet_previews_every_plugin(team_home, ansible, isolated_env, atk_peer):
    """Reproduction 4: bootstrap --check with the home repository not on the machine."""
    registry, admin, url = team_home
    home = isolated_env.atk_home
    assert not home.exists()
    res, preview = converge(ansible, check=True, diff=True, repo=url)
    assert not home.exists()
    assert not [p for p in (isolated_env.root / 'tmp').iterdir() if p.name.startswith('atk-core-')]  # no litter
    assert [a['action'] for a in preview['home_actions']] == ['clone']
    pins = {p['directory']: p['source']['ref'] for p in admin.manifest()['plugins']}
    assert {p['plugin']: (p['action'], p['after']['ref']) for p in preview['plugins']} == {
        d: ('resync', ref) for d, ref in pins.items()}
    assert any(f['path'] == 'plugin.yaml' for f in [p for p in preview['plugins'] if p['plugin'] == 'fetch'][0]['files'])
    res, done = converge(ansible, repo=url)
    assert [a['action'] for a in done['home_actions']] == ['clone']
    assert actions(done) == actions(preview) and done['changed'] is True
    atk_status_ok(atk_peer)
    res, again = converge(ansible, repo=url)
    assert again['changed'] is False and again['network']['contacts'] == 0


def test_upstream_removal_and_a_persons_commit(team_home, ansible, isolated_env, atk_peer):
    """Reproductions 1 and 2 on one machine: inventory adds, upstream adds and removes, a hand commit survives."""
    registry, admin, url = team_home
    home = isolated_env.atk_home
    inventory = [{'name': 'git-local'}]
    res, first = converge(ansible, repo=url, plugins=inventory)
    assert sorted(first['changed_plugins']) == ['fetch', 'git-local', 'serena'], res.describe()
    assert isolated_env.installed('serena') is not None

    # upstream removes serena
    admin.remove('serena')
    assert admin.git('push', '-q', 'origin', 'HEAD').returncode == 0
    before = snapshot(home)
    res, preview = converge(ansible, check=True, diff=True, repo=url, plugins=inventory)
    assert snapshot(home) == before
    assert [a['action'] for a in preview['home_actions']] == ['update']
    assert actions(preview) == [('serena', 'remove')], preview['plugins']
    res, done = converge(ansible, repo=url, plugins=inventory)
    assert actions(done) == actions(preview)
    assert not (home / 'plugins' / 'serena').exists() and isolated_env.installed('serena') is None   # uninstall ran
    manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
    assert [p['directory'] for p in manifest['plugins']] == ['fetch', 'git-local']

    # a person adds a plugin by hand on this machine; then upstream moves fetch's pin
    local = AtkPeer(isolated_env)
    local.add('notion', answers=[''])
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v2\n'})
    admin.run('upgrade', 'fetch', input='\n', check=True)
    assert admin.git('push', '-q', 'origin', 'HEAD').returncode == 0
    res, preview = converge(ansible, check=True, repo=url, plugins=inventory)
    res, done = converge(ansible, repo=url, plugins=inventory)
    assert actions(done) == actions(preview) == [('fetch', 'resync')]
    manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
    assert [p['directory'] for p in manifest['plugins']] == ['fetch', 'git-local', 'notion']
    assert manifest['plugins'][0]['source']['ref'] == registry.head()
    subjects = git('log', '--format=%s', cwd=home).stdout.splitlines()
    assert "Add plugin 'notion'" in subjects and "Upgrade plugin 'fetch'" in subjects
    atk_status_ok(atk_peer)
    res, again = converge(ansible, repo=url, plugins=inventory)
    assert again['changed'] is False


def test_upstream_removes_a_plugin_this_host_still_lists(team_home, ansible, isolated_env, atk_peer):
    """The team removes fetch; this host's inventory lists it: it comes back, with this host's .env."""
    registry, admin, url = team_home
    home = isolated_env.atk_home
    inventory = [{'name': 'fetch'}]
    converge(ansible, repo=url, plugins=inventory)
    env_file = home / 'plugins' / 'fetch' / '.env'
    env_file.write_text('USER_AGENT=this-host\n')
    admin.remove('fetch')
    assert admin.git('push', '-q', 'origin', 'HEAD').returncode == 0
    before = snapshot(home)
    res, preview = converge(ansible, check=True, diff=True, repo=url, plugins=inventory)
    assert snapshot(home) == before
    assert [a['action'] for a in preview['home_actions']] == ['update']
    assert actions(preview) == [('fetch', 'add')], preview['plugins']
    res, done = converge(ansible, repo=url, plugins=inventory)
    assert actions(done) == actions(preview), res.describe()
    assert env_file.read_text() == 'USER_AGENT=this-host\n'
    manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
    assert [p['directory'] for p in manifest['plugins']] == ['serena', 'fetch']
    atk_status_ok(atk_peer)
    res, again = converge(ansible, repo=url, plugins=inventory)
    assert again['changed'] is False


def test_a_missing_required_variable_fails_alike_in_check_mode_and_for_real(team_home, ansible, isolated_env):
    """Reproduction 4: github (with an install) and notion (without) need a token nobody set."""
    registry, admin, url = team_home
    items = [{'name': 'github'}, {'name': 'notion'}, {'name': 'git-local'}]
    res, preview = converge(ansible, check=True, plugins=items, ignore_errors=True)
    assert res.entry('converge')['status'] == 'failed'
    res2, done = converge(ansible, plugins=items, ignore_errors=True)
    assert res2.entry('converge')['status'] == 'failed'
    assert preview['msg'] == done['msg']
    for name, var in (('github', 'GITHUB_PERSONAL_ACCESS_TOKEN'), ('notion', 'NOTION_TOKEN')):
        assert "Missing required environment variables for '%s': %s." % (name, var) in done['msg']
    assert actions(preview) == actions(done)
    home = isolated_env.atk_home
    assert (home / 'plugins' / 'git-local' / 'plugin.yaml').is_file()   # the others converged
    items[1]['env'] = {'NOTION_TOKEN': 'ntn-secret'}
    items[0]['env'] = {'GITHUB_PERSONAL_ACCESS_TOKEN': 'ghp-secret'}
    res, fixed = converge(ansible, plugins=items)
    assert res.entry('converge')['status'] != 'failed', res.describe()
    assert 'ntn-secret' not in res.describe() and 'ghp-secret' not in res.describe()
    res, again = converge(ansible, plugins=items)
    assert again['changed'] is False


@pytest.mark.parametrize('switch, module_path', [(None, False), ('false', True)])
def test_the_path_taken_on_the_local_connection(switch, module_path, ansible, isolated_env, tmp_path):
    """Local connection: the converge runs in Ansible's worker process; atk_core_in_process=false (or an SSH
    host, become, ...) takes the module path. A lifecycle command tells which process ran it."""
    source = tmp_path / 'src' / 'probe'
    source.mkdir(parents=True)
    (source / 'plugin.yaml').write_text(yaml.safe_dump({
        'schema_version': '2026-01-23', 'name': 'probe', 'description': 'which process runs the converge',
        'lifecycle': {'install': 'tr "\\0" " " < /proc/$PPID/cmdline > "$PROBE_OUT"', 'uninstall': 'true'}}))
    out = tmp_path / 'parent.txt'
    extra = {'atk_core_in_process': switch} if switch is not None else None
    res = ansible.run_tasks([{'name': 'converge', 'atk.core.atk_converge': {'plugins': [{'path': str(source)}],
                                                                            'all': False}}],
                            extra_vars=extra, env={'PROBE_OUT': str(out)})
    assert res.rc == 0, res.describe()
    if os.environ.get('ATK_CORE_EXECUTION') == 'module':
        module_path = True
    assert ('AnsiballZ_atk_converge' in out.read_text()) is module_path, out.read_text()
