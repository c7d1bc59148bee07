# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""Fleet sync over real SSH: three hosts in network namespaces, one shared home repository.

World (see harness/netns.py): hosts h1..h3, each an sshd in its own network namespace with its
own /root (so its own ~/.atk, ~/.gitconfig, ~/.ansible) and /usr/bin/python3; a git daemon
listening on the hosts' gateway addresses serves the registry and a bare home repository made
by the real atk 0.4.0 on an admin's laptop. Each host's ~/.gitconfig redirects the public
registry URL and the team's home-repository URL to that daemon, as a mirror would.

* ``atk.core.sync`` converges all three hosts to the home repository's manifest, with each
  host's own USER_AGENT for fetch from host_vars (.env, mode 0600);
* a second run is changed=0 on every host, and costs each host one SSH connection round (pipelining);
* the real ``atk status``, run inside each host's namespace with that host's HOME, lists the plugins;
* after a registry commit, ``atk.core.upgrade --check --diff`` names exactly the changed plugin on
  every host and leaves every host's files untouched.

Skipped (with the reason) only when not root or when ``ip netns`` is unavailable.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from harness import REGISTRY_URL, AnsibleRunner, AtkPeer, IsolatedEnv, atk_bin, fixture_plugins, git
from harness.gitrepo import SERVE_CONFIG
from harness.netns import SshFleet, unavailable_reason

_REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or '')

PLUGINS = ['fetch', 'git-local', 'serena']
HOME_REPO_URL = 'https://git.example.org/team/atk-home'


@pytest.fixture
def fleet(ssh_fleet_factory):
    return ssh_fleet_factory(3)


@pytest.fixture
def world(tmp_path, fleet, git_daemon_factory, registry_factory):
    """Registry + shared bare home repository served on the gateways; hosts' git configs redirect to them."""
    daemon = git_daemon_factory(listen=['127.0.0.1'] + fleet.gateways)
    registry = registry_factory(fixture_plugins(PLUGINS), daemon=daemon, use=False)

    admin = IsolatedEnv(tmp_path / 'admin')
    admin.use_registry(registry)
    peer = AtkPeer(admin)
    peer.init()
    peer.add('fetch', answers=[''])
    peer.add('git-local', answers=[''])
    peer.add('serena', answers=['', ''])
    bare = daemon.base_path / 'homes' / 'team.git'
    git('clone', '-q', '--bare', str(admin.atk_home), str(bare))
    for key, value in SERVE_CONFIG.items():
        git('config', key, value, cwd=bare)

    for host in fleet.hosts:
        host.git_config('url.%s.insteadOf' % registry.url_for(host.gateway), REGISTRY_URL)
        host.git_config('url.%s.insteadOf' % daemon.url('homes/team.git', host=host.gateway), HOME_REPO_URL)
    return registry, peer.manifest()


def inventory_dir(tmp_path: Path, fleet: SshFleet) -> Path:
    """hosts.ini + group_vars (one desired state) + host_vars (each host's own USER_AGENT)."""
    folder = tmp_path / 'inventory'
    (folder / 'group_vars').mkdir(parents=True)
    (folder / 'host_vars').mkdir()
    (folder / 'hosts.ini').write_text(fleet.inventory(group='fleet'))
    (folder / 'group_vars' / 'all.yml').write_text(yaml.safe_dump({
        'atk_home_repo': HOME_REPO_URL,
        'atk_plugins': [{'name': 'fetch', 'env': {'USER_AGENT': '{{ fetch_user_agent }}'}}],
    }, sort_keys=False))
    for host in fleet.hosts:
        (folder / 'host_vars' / ('%s.yml' % host.name)).write_text(yaml.safe_dump({'fetch_user_agent': user_agent(host)}))
    return folder


def user_agent(host):
    return 'atk-fleet/%s (%s)' % (host.name, host.address)


def host_files(home: Path):
    """Content, mode and type of every path of a home (its .git included, atk.core's lock dir aside)."""
    out = {}
    for root, dirs, files in os.walk(home):
        dirs[:] = [d for d in dirs if not (Path(root) / d).match('.git/atk-core')]
        for name in dirs + files:
            full = Path(root) / name
            info = full.lstat()
            digest = hashlib.sha256(full.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else None
            out[str(full.relative_to(home))] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), digest)
    return out


def per_host(result, action):
    """{host: [results of `action` that ran]}."""
    out = {}
    for entry in result.results:
        if entry['action'] == action and entry['status'] != 'skipped':
            out.setdefault(entry['host'], []).append(entry)
    return out


def test_fleet_sync_idempotence_status_and_upgrade_preview(tmp_path, fleet, world, isolated_env: IsolatedEnv, collection_path):
    registry, manifest = world
    pins = {p['directory']: p['source']['ref'] for p in manifest['plugins']}
    assert sorted(pins) == PLUGINS
    inventory = inventory_dir(tmp_path, fleet)
    ansible = AnsibleRunner(isolated_env, collections_path=collection_path)
    names = [h.name for h in fleet.hosts]

    first = ansible.run(Path('atk.core.sync'), inventory=inventory, env=fleet.ansible_env())
    assert first.rc == 0, first.describe()
    converges = per_host(first, 'atk.core.atk_converge')
    assert sorted(converges) == names
    for host in fleet.hosts:
        assert len(converges[host.name]) == 1  # one module call converges every plugin
        assert first.stats[host.name]['changed'] >= 1 and first.stats[host.name]['failures'] == 0
        assert sorted(converges[host.name][0]['result']['changed_plugins']) == PLUGINS
        home = host.atk_home
        got = yaml.safe_load((home / 'manifest.yaml').read_text())
        assert {p['directory']: p['source']['ref'] for p in got['plugins']} == pins
        for plugin in PLUGINS:
            assert (home / 'plugins' / plugin / '.atk-ref').read_text() == pins[plugin] + '\n'
        env_file = home / 'plugins' / 'fetch' / '.env'
        assert dotenv_values(env_file)['USER_AGENT'] == user_agent(host)
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        # The host is its own machine: its remote is the team URL, its hostname its own.
        assert host.ssh('hostname').stdout.strip() == host.name

    # -vvv shows each SSH connection round ("SSH: EXEC" names the host's address).
    second = ansible.run(Path('atk.core.sync'), inventory=inventory, env=fleet.ansible_env(), verbosity=3)
    assert second.rc == 0, second.describe()
    assert {h: second.stats[h]['changed'] for h in names} == {h: 0 for h in names}, second.stats
    for host in fleet.hosts:
        assert per_host(second, 'atk.core.atk_converge')[host.name][0]['result']['network']['contacts'] == 0
        # With pipelining (the inventory sets it) the whole converge of a host is one SSH round.
        rounds = [line for line in second.stdout.splitlines() if 'SSH: EXEC' in line and host.address in line]
        assert len(rounds) == 1, rounds

    for host in fleet.hosts:
        status = host.run([str(atk_bin()), 'status'])
        assert status.returncode == 0, status.stderr
        for plugin in PLUGINS:
            assert '%s (%s)' % (plugin, plugin) in status.stdout, (host, status.stdout)
        assert 'Working dir: clean' in status.stdout, status.stdout

    # The registry moves: the preview must name exactly fetch on every host and write nothing.
    registry.update_plugin('fetch', {'SKILL.md': '# fetch, a newer registry commit\n'})
    before = {h.name: host_files(h.atk_home) for h in fleet.hosts}
    preview = ansible.run(Path('atk.core.upgrade'), inventory=inventory, check=True, diff=True, extra_vars={'atk_hosts': 'fleet'},
                          env=fleet.ansible_env())
    assert preview.rc == 0, preview.describe()
    converges = per_host(preview, 'atk.core.atk_converge')
    assert sorted(converges) == names
    for host in fleet.hosts:
        result = converges[host.name][0]['result']
        assert result['changed_plugins'] == ['fetch'], result['plugins']
        assert [(a['plugin'], a['action']) for a in result['actions']] == [('fetch', 'upgrade')]
        assert result['actions'][0]['after']['ref'] == registry.head()
        assert {'path': 'SKILL.md', 'status': 'modified'} in result['actions'][0]['files']
        headers = [d['after_header'] for d in result['diff']]
        assert 'plugins/fetch @ %s' % registry.head() in headers
        report = preview.task('atk.core.atk : Report the plugins that changed', host=host.name)
        assert report['msg'] == 'Would change 1 plugin(s): fetch (upgrade)'
        assert host_files(host.atk_home) == before[host.name], host.name


FLEET_PLAY = '''- name: Sync ATK homes across a fleet (markers for the lifecycle stubs)
  hosts: fleet
  gather_facts: false
  environment:
    ATK_TEST_MARKERS: /root/markers
  roles:
    - role: atk.core.atk
'''


def test_the_fleet_follows_the_team_repository_as_it_moves(tmp_path, fleet, git_daemon_factory, registry_factory,
                                                           isolated_env: IsolatedEnv, collection_path):
    """Issue: fleet homes on a shared repository. Hosts add through inventory; upstream adds; hosts sync;
    upstream removes; hosts sync (the uninstall ran, the folder is gone); a host's hand commit survives a
    later upstream change. Check mode predicts each sync; every home stays one atk reads as its own."""
    daemon = git_daemon_factory(listen=['127.0.0.1'] + fleet.gateways)
    registry = registry_factory(fixture_plugins(PLUGINS + ['exa', 'gitlab', 'codanna']), daemon=daemon, use=False)
    admin_env = IsolatedEnv(tmp_path / 'admin')
    admin_env.use_registry(registry)
    admin = AtkPeer(admin_env)
    admin.init()
    for plugin in PLUGINS:
        admin.add(plugin, answers=['', ''])
    bare = daemon.base_path / 'homes' / 'team.git'
    git('clone', '-q', '--bare', str(admin_env.atk_home), str(bare))
    for key, value in SERVE_CONFIG.items():
        git('config', key, value, cwd=bare)
    admin.git('remote', 'add', 'origin', str(bare))
    for host in fleet.hosts:
        host.git_config('url.%s.insteadOf' % registry.url_for(host.gateway), REGISTRY_URL)
        host.git_config('url.%s.insteadOf' % daemon.url('homes/team.git', host=host.gateway), HOME_REPO_URL)
    inventory = inventory_dir(tmp_path, fleet)
    group_vars = inventory / 'group_vars' / 'all.yml'
    data = yaml.safe_load(group_vars.read_text())
    data['atk_plugins'].append({'name': 'exa', 'env': {'EXA_API_KEY': 'exa-{{ inventory_hostname }}'}})
    group_vars.write_text(yaml.safe_dump(data, sort_keys=False))
    playbook = tmp_path / 'sync.yml'
    playbook.write_text(FLEET_PLAY)
    ansible = AnsibleRunner(isolated_env, collections_path=collection_path)
    names = [h.name for h in fleet.hosts]

    def sync(check=False):
        result = ansible.run(playbook, inventory=inventory, env=fleet.ansible_env(), check=check, diff=check)
        assert result.rc == 0, result.describe()
        return dict((host, entries[0]['result']) for host, entries in per_host(result, 'atk.core.atk_converge').items())

    def plugins_of(host):
        return [p['directory'] for p in yaml.safe_load((host.atk_home / 'manifest.yaml').read_text())['plugins']]

    def predicted_then_done(label):
        preview = sync(check=True)
        done = sync()
        for name in names:
            shape = [sorted((a['plugin'], a['action']) for a in r['actions']) for r in (preview[name], done[name])]
            assert shape[0] == shape[1], (label, name, shape)
            assert [a['action'] for a in preview[name]['home_actions']] == [a['action'] for a in done[name]['home_actions']]
        again = sync()
        assert all(again[name]['changed'] is False for name in names), (label, again)
        return done

    # 1. hosts add exa through inventory: a local commit on every host
    done = predicted_then_done('inventory add')
    for host in fleet.hosts:
        assert plugins_of(host) == PLUGINS + ['exa']
        assert "Add plugin 'exa'" in git('log', '-1', '--format=%s', cwd=host.atk_home).stdout
        assert (host.root_home / 'markers' / 'serena.installed').is_file()

    # 2. the team adds gitlab upstream: every host takes it, exa stays on top (no "Cannot fast-forward")
    admin.add('gitlab', answers=[''])
    assert admin.git('push', '-q', 'origin', 'HEAD').returncode == 0
    done = predicted_then_done('upstream add')
    for host in fleet.hosts:
        assert plugins_of(host) == PLUGINS + ['gitlab', 'exa'], plugins_of(host)
        assert [a['action'] for a in done[host.name]['home_actions']] == ['update']

    # 3. the team removes serena: stopped, uninstalled and deleted on every host in the same run
    admin.remove('serena')
    assert admin.git('push', '-q', 'origin', 'HEAD').returncode == 0
    done = predicted_then_done('upstream removal')
    for host in fleet.hosts:
        assert ('serena', 'remove') in [(a['plugin'], a['action']) for a in done[host.name]['actions']]
        assert not (host.atk_home / 'plugins' / 'serena').exists()
        assert not (host.root_home / 'markers' / 'serena.installed').exists()   # its uninstall ran
        assert 'serena' not in plugins_of(host)

    # 4. a person adds codanna by hand on h1; then upstream moves fetch's pin: h1 keeps codanna
    h1 = fleet.hosts[0]
    proc = h1.run([str(atk_bin()), 'add', 'codanna', '-y'], env={'ATK_TEST_MARKERS': str(h1.root_home / 'markers')})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    registry.update_plugin('fetch', {'SKILL.md': '# fetch, a newer registry commit\n'})
    admin.run('upgrade', 'fetch', input='\n', check=True)
    assert admin.git('push', '-q', 'origin', 'HEAD').returncode == 0
    done = predicted_then_done('upstream pin move after a hand commit')
    for host in fleet.hosts:
        pins = dict((p['directory'], p['source']['ref']) for p in yaml.safe_load((host.atk_home / 'manifest.yaml').read_text())['plugins'])
        assert pins['fetch'] == registry.head()
        expected = ['fetch', 'git-local', 'gitlab', 'exa'] + (['codanna'] if host is h1 else [])
        assert plugins_of(host) == expected, (host.name, plugins_of(host))
        status = host.run([str(atk_bin()), 'status'])
        assert status.returncode == 0 and 'invalid' not in status.stdout.lower(), status.stdout
        assert 'Working dir: clean' in status.stdout, status.stdout
