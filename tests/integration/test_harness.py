"""Tests of the integration harness itself: git daemon, registries, the atk peer, the ansible runner."""

from __future__ import annotations

import subprocess
import time

import pytest
import yaml

from harness import REGISTRY_URL, AtkPeer, IsolatedEnv, fixture_plugins, synthetic_plugins


def run_git(env: IsolatedEnv, *args, cwd=None, timeout=60):
    """git with the isolated environment (insteadOf redirects apply)."""
    return subprocess.run(['git'] + [str(a) for a in args], cwd=cwd, env=env.environ(), text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, check=False)


# -- git daemon and registry --------------------------------------------------------------------


def test_daemon_serves_partial_clone(registry, isolated_env, tmp_path):
    clone = tmp_path / 'clone'
    proc = run_git(isolated_env, 'clone', '--filter=blob:none', '--sparse', registry.url, clone)
    assert proc.returncode == 0, proc.stderr
    assert 'filtering not recognized' not in proc.stderr
    missing = run_git(isolated_env, 'rev-list', '--objects', '--all', '--missing=print', cwd=clone).stdout.splitlines()
    assert any(line.startswith('?') for line in missing), 'blob:none clone fetched every blob'
    assert (clone / 'index.yaml').is_file()
    assert not (clone / 'plugins').exists()
    proc = run_git(isolated_env, 'sparse-checkout', 'set', '--no-cone', '/plugins/exa/*', cwd=clone)
    assert proc.returncode == 0, proc.stderr
    assert (clone / 'plugins' / 'exa' / 'plugin.yaml').is_file()


def test_registry_redirect_and_pinned_commit_fetch(registry, isolated_env, tmp_path):
    first = registry.head()
    proc = run_git(isolated_env, 'ls-remote', REGISTRY_URL, 'HEAD')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split('\t')[0] == first

    second = registry.update_plugin('exa', {'README.md': '# exa\n\nchanged\n'}, 'Change exa README')
    assert second != first and registry.head() == second
    assert run_git(isolated_env, 'ls-remote', REGISTRY_URL, 'HEAD').stdout.split('\t')[0] == second

    # a pinned (non-tip) commit can be fetched directly (uploadpack.allowAnySHA1InWant)
    repo = tmp_path / 'pinned'
    assert run_git(isolated_env, 'init', '-q', repo).returncode == 0
    proc = run_git(isolated_env, 'fetch', '-q', '--filter=blob:none', REGISTRY_URL, first, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert run_git(isolated_env, 'cat-file', '-t', first, cwd=repo).stdout.strip() == 'commit'


def test_registry_matches_snapshot_index(registry):
    index = registry.index()
    assert index['schema_version'] == '2026-01-23'
    assert [e['name'] for e in index['plugins']] == [p.slug for p in fixture_plugins()]
    assert len(index['plugins']) == 20
    for entry in index['plugins']:
        assert entry['path'] == 'plugins/%s' % entry['name']
        assert (registry.path / entry['path'] / 'plugin.yaml').is_file()


@pytest.mark.parametrize('mode', ['replace', 'full'])
def test_registry_plugins_stay_valid_for_atk(registry_factory, atk_peer, mode):
    registry = registry_factory(lifecycle=mode, use=False)
    errors = atk_peer.validate_plugin_dirs(registry.plugin_dir(slug) for slug in registry.slugs())
    assert all(err is None for err in errors.values()), {k: v for k, v in errors.items() if v}
    serena = registry.plugin_spec('serena')
    assert serena['lifecycle'] == {'install': './atk-test-lifecycle.sh install', 'uninstall': './atk-test-lifecycle.sh uninstall'} or mode == 'full'
    if mode == 'replace':
        assert 'lifecycle' not in registry.plugin_spec('exa')
        # untouched plugins keep their original bytes
        original = fixture_plugins(['exa'])[0].files['plugin.yaml']
        assert (registry.plugin_dir('exa') / 'plugin.yaml').read_bytes() == original
    else:
        assert set(registry.plugin_spec('exa')['lifecycle']) == {'install', 'uninstall', 'start', 'stop', 'logs', 'status'}


def test_synthetic_registry(registry_factory, atk_peer):
    plugins = synthetic_plugins(30, env_vars=2)
    registry = registry_factory(plugins)
    assert registry.slugs() == ['synth-%03d' % i for i in range(1, 31)]
    errors = atk_peer.validate_plugin_dirs(registry.plugin_dir(slug) for slug in registry.slugs())
    assert all(err is None for err in errors.values()), errors
    atk_peer.init()
    proc = atk_peer.run('search', 'synth', check=True)
    assert 'synth-001' in proc.stdout and 'synth-030' in proc.stdout


def test_stopped_daemon_fails_fast(git_daemon_factory, isolated_env):
    daemon = git_daemon_factory()
    repo = daemon.init_repo('solo')
    repo.commit({'README.md': 'hello\n'}, 'first')
    assert run_git(isolated_env, 'ls-remote', repo.url).returncode == 0

    daemon.stop()
    started = time.monotonic()
    proc = run_git(isolated_env, 'ls-remote', repo.url, timeout=20)
    elapsed = time.monotonic() - started
    assert proc.returncode == 128, proc
    assert 'Connection refused' in proc.stderr or 'unable to connect' in proc.stderr, proc.stderr
    assert elapsed < 5, elapsed

    daemon.start()  # same port, the URL works again
    assert run_git(isolated_env, 'ls-remote', repo.url).returncode == 0


def test_atk_sees_unreachable_registry(git_daemon_factory, registry_factory, atk_peer: AtkPeer):
    daemon = git_daemon_factory()
    registry_factory(fixture_plugins(['exa', 'fetch']), daemon=daemon)
    atk_peer.init()
    assert 'fetch' in atk_peer.run('search', check=True).stdout
    daemon.stop()
    proc = atk_peer.run('search')
    assert proc.returncode == 1
    assert 'Failed to fetch registry' in proc.stdout + proc.stderr


def test_daemon_listens_on_several_addresses(git_daemon_factory, isolated_env):
    daemon = git_daemon_factory(listen=['127.0.0.1', '127.0.0.2'])
    repo = daemon.init_repo('multi')
    sha = repo.commit({'a.txt': 'a\n'}, 'one')
    for host in ('127.0.0.1', '127.0.0.2'):
        proc = run_git(isolated_env, 'ls-remote', repo.url_for(host), 'HEAD')
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(sha)
    assert repo.url_for('127.0.0.2') == 'git://127.0.0.2:%d/multi' % daemon.port


# -- the atk peer -------------------------------------------------------------------------------


def test_atk_search_and_add_from_registry(registry, atk_peer: AtkPeer):
    atk_peer.init()
    proc = atk_peer.run('search', check=True)
    assert 'exa' in proc.stdout and 'serena' in proc.stdout

    atk_peer.add('exa', answers=[''])  # EXA_API_KEY prompt: leave empty
    manifest = atk_peer.manifest()
    entry = [p for p in manifest['plugins'] if p['directory'] == 'exa'][0]
    assert entry['source']['type'] == 'registry'
    assert entry['source']['ref'] == registry.head()
    assert (atk_peer.home / 'plugins' / 'exa' / '.atk-ref').read_text() == registry.head() + '\n'

    nosuch = atk_peer.add('nosuch', check=False)
    assert nosuch.returncode == 5


def test_atk_lifecycle_stubs_record_install_and_uninstall(registry, atk_peer: AtkPeer, isolated_env: IsolatedEnv):
    atk_peer.init()
    atk_peer.add('serena', answers=['', ''])  # SERENA_CONTEXT, SERENA_DASHBOARD: take the defaults
    installed = isolated_env.installed('serena')
    assert installed is not None
    assert installed['cwd'] == str(atk_peer.home / 'plugins' / 'serena')
    assert 'SERENA_CONTEXT' in installed  # install saw the .env values
    assert isolated_env.installed('exa') is None

    atk_peer.remove('serena')
    assert isolated_env.installed('serena') is None
    assert [c[1] for c in isolated_env.calls('serena')] == ['install', 'uninstall']


def test_atk_install_failure_injection(registry, atk_peer: AtkPeer, isolated_env: IsolatedEnv):
    atk_peer.init()
    isolated_env.fail('codanna', 'install', code=4)
    proc = atk_peer.add('codanna', check=False)
    assert proc.returncode == 1
    assert 'codanna' not in atk_peer.plugin_dirs()  # atk rolled the add back
    isolated_env.unfail('codanna', 'install')
    atk_peer.add('codanna')
    assert isolated_env.installed('codanna') is not None


def test_atk_add_and_upgrade_git_source(git_source_factory, atk_peer: AtkPeer, isolated_env: IsolatedEnv):
    src = git_source_factory('acme/demo')
    atk_peer.init()
    atk_peer.add(src.source, yes=True)
    entry = atk_peer.manifest()['plugins'][0]
    assert entry['source'] == {'type': 'git', 'url': 'example.org/acme/demo', 'ref': src.head()}
    assert isolated_env.installed('demo') is not None

    new = src.update_plugin({'SKILL.md': '# demo\n\nnew skill text\n'}, 'Update skill')
    atk_peer.run('upgrade', 'demo', check=True)
    assert atk_peer.manifest()['plugins'][0]['source']['ref'] == new
    assert 'new skill text' in (atk_peer.home / 'plugins' / 'demo' / 'SKILL.md').read_text()


def test_isolation_never_touches_real_home(atk_peer: AtkPeer, isolated_env: IsolatedEnv):
    env = isolated_env.environ()
    assert env['HOME'].startswith(str(isolated_env.root))
    assert env['ATK_HOME'] == str(isolated_env.atk_home)
    assert env['GIT_CONFIG_GLOBAL'] == str(isolated_env.gitconfig) and env['GIT_CONFIG_NOSYSTEM'] == '1'
    atk_peer.init()
    assert (isolated_env.atk_home / 'manifest.yaml').is_file()
    out = subprocess.run(['git', 'config', '--global', '--list'], env=env, text=True, stdout=subprocess.PIPE, check=True).stdout
    assert 'insteadof=https://example.org/' in out.lower()


# -- the ansible runner -------------------------------------------------------------------------


def test_ansible_runner_parses_results(ansible, isolated_env: IsolatedEnv, collection_path):
    assert (collection_path / 'ansible_collections' / 'atk' / 'core' / 'galaxy.yml').is_file()
    result = ansible.run_tasks(
        [
            {'name': 'ping', 'ansible.builtin.ping': {}},
            {'name': 'say', 'ansible.builtin.debug': {'msg': 'hello {{ who }}'}},
            {'name': 'home', 'ansible.builtin.command': {'cmd': 'sh -c \'echo "$HOME"\''}, 'changed_when': False},
            {'name': 'secret', 'ansible.builtin.debug': {'msg': '{{ token }}'}, 'no_log': True},
            {'name': 'fails but ignored', 'ansible.builtin.command': {'cmd': 'false'}, 'ignore_errors': True},
            {'name': 'skipped', 'ansible.builtin.debug': {'msg': 'never'}, 'when': False},
        ],
        extra_vars={'who': 'world', 'token': 'tok-SECRET-123'},
    )
    assert result.rc == 0, result.describe()
    assert result.task('ping')['ping'] == 'pong'
    assert result.task('say')['msg'] == 'hello world'
    assert result.task('home')['stdout'] == str(isolated_env.home)
    assert result.entry('fails but ignored')['status'] == 'failed'
    assert result.entry('fails but ignored')['ignore_errors'] is True
    assert result.entry('skipped')['status'] == 'skipped'
    assert result.stats['localhost']['ignored'] == 1
    assert result.stats['localhost']['failures'] == 0
    # no_log results are censored, and extra vars never reach argv or output
    assert 'tok-SECRET-123' not in result.stdout + result.stderr + ' '.join(result.argv)
    assert 'censored' in result.task('secret')


def test_ansible_runner_failure_check_mode_and_diff(ansible):
    failed = ansible.run_tasks([{'name': 'boom', 'ansible.builtin.fail': {'msg': 'kaboom'}}])
    assert failed.rc == 2
    assert failed.failed()[0]['result']['msg'] == 'kaboom'
    assert failed.stats['localhost']['failures'] == 1

    checked = ansible.run_tasks([{'name': 'mode', 'ansible.builtin.debug': {'var': 'ansible_check_mode'}}], check=True, diff=True)
    assert checked.rc == 0
    assert checked.task('mode')['ansible_check_mode'] is True

    env_run = ansible.run_tasks([{'name': 'env', 'ansible.builtin.debug': {'msg': "{{ lookup('ansible.builtin.env', 'ATK_TEST_VALUE') }}"}}],
                                env={'ATK_TEST_VALUE': 'from-env'}, verbosity=1)
    assert env_run.task('env')['msg'] == 'from-env'


def test_ansible_runner_accepts_playbook_text_and_reports_syntax_errors(ansible):
    playbook = yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 't', 'ansible.builtin.set_fact': {'x': 1}}]}])
    assert ansible.run(playbook).check().task('t')['ansible_facts'] == {'x': 1}
    broken = ansible.run('- hosts: localhost\n  tasks:\n    - no.such.module: {}\n')
    assert broken.rc != 0 and broken.data is None
    with pytest.raises(AssertionError):
        broken.check()
