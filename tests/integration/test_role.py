# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""The atk role through the collection's own playbook, ``ansible-playbook atk.core.bootstrap`` (FQCN).

Two ways to say what a machine should have:

* manifest-driven: a home repository (made by the real atk 0.4.0 on another "laptop") pins the
  plugins; bootstrap clones it, installs each plugin at its pin (not at the registry's HEAD),
  repairs drift, follows the repository when it moves, and a second run changes nothing;
* inventory-driven: ``atk_plugins`` with an env value from an Ansible Vault-encrypted variable
  (never printed, even at -vvv --diff), then ``atk_prune`` removes what is no longer listed.

Every run converges all plugins in ONE atk_plugin invocation (counted in the JSON results), and
``--check`` on a machine without a home succeeds, reports what it would do and writes nothing.
``ansible-playbook atk.core.upgrade --check --diff`` names exactly the plugin whose files moved and
writes nothing; the real upgrade then moves it, and a second one changes nothing.

The tests marked ``matrix`` are the acceptance subset that ``make matrix`` also runs on the oldest
ansible-core the collection supports (``$ATK_CORE_ANSIBLE_BIN``).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dotenv import dotenv_values

from harness import AnsibleRunner, AtkPeer, IsolatedEnv, fixture_plugins, git
from harness.gitrepo import SERVE_CONFIG
from harness.paths import ansible_bin

PLUGINS = ['fetch', 'git-local', 'serena']
SECRET = 'ua-Vau1t-9fQ2-atk-core'
VAULT_PASSWORD = 'correct horse battery staple\n'


def bootstrap(ansible: AnsibleRunner, **kw):
    """``ansible-playbook atk.core.bootstrap`` (the FQCN: the playbook shipped in the installed collection)."""
    return ansible.run(Path('atk.core.bootstrap'), **kw)


def module_calls(result, action):
    """Invocations of ``action`` that ran (skipped ones excluded), from the JSON results."""
    return [r for r in result.results if r['action'] == action and r['status'] != 'skipped']


def assert_one_converge(result):
    """The role's one module call (the home, every plugin, the push) and its result."""
    calls = module_calls(result, 'atk.core.atk_converge')
    assert len(calls) == 1, [(c['task'], c['status']) for c in calls]
    return calls[0]['result']


def manifest_refs(home: Path):
    import yaml  # pylint: disable=import-outside-toplevel
    data = yaml.safe_load((home / 'manifest.yaml').read_text())
    return {p['directory']: p['source']['ref'] for p in data['plugins']}


def disk_ref(home: Path, plugin: str):
    path = home / 'plugins' / plugin / '.atk-ref'
    return path.read_text().strip() if path.exists() else None


def tree(folder: Path):
    """{relative path: bytes} of the regular files below ``folder`` (no .env, no .atk-ref)."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name in ('.env', '.atk-ref'):
                continue
            full = Path(root) / name
            out[str(full.relative_to(folder))] = full.read_bytes()
    return out


def registry_tree(registry, slug, ref):
    files = git('ls-tree', '-r', '--name-only', ref, 'plugins/%s' % slug, cwd=registry.path).stdout.split()
    return {f[len('plugins/%s/' % slug):]: subprocess.run(['git', 'show', '%s:%s' % (ref, f)], cwd=registry.path, stdout=subprocess.PIPE,
                                                          check=True).stdout for f in files}


@pytest.fixture
def small_registry(registry_factory):
    """fetch, git-local and serena (serena's install/uninstall replaced by recording stubs)."""
    return registry_factory(fixture_plugins(PLUGINS))


@pytest.fixture
def home_repo(tmp_path, small_registry, git_daemon, test_id):
    """A home repository made by the real atk on another laptop (fetch + serena), served by the daemon.

    Returns (peer on that laptop, URL of the served bare repository). The laptop's home has the
    bare repository as ``origin``, so ``peer.git('push', ...)`` publishes later changes.
    """
    laptop = IsolatedEnv(tmp_path / 'laptop')
    laptop.use_registry(small_registry)
    peer = AtkPeer(laptop)
    peer.init()
    peer.add('fetch', answers=[''])
    peer.add('serena', answers=['', ''])
    relpath = 'homes/%s.git' % test_id
    bare = git_daemon.base_path / relpath
    git('clone', '-q', '--bare', str(laptop.atk_home), str(bare))
    for key, value in SERVE_CONFIG.items():
        git('config', key, value, cwd=bare)
    peer.git('remote', 'add', 'origin', str(bare))
    return peer, git_daemon.url(relpath)


@pytest.mark.matrix
def test_manifest_driven_bootstrap_installs_pins_repairs_drift_and_follows_the_repo(
        small_registry, home_repo, ansible: AnsibleRunner, isolated_env: IsolatedEnv, atk_peer: AtkPeer):
    laptop, url = home_repo
    pins = manifest_refs(laptop.home)
    assert sorted(pins) == ['fetch', 'serena'] and len(set(pins.values())) == 1
    pin = pins['fetch']
    # The registry moves on after the laptop pinned it: a new machine must still get the pinned files.
    small_registry.update_plugin('fetch', {'SKILL.md': '# fetch, newer than the pin\n'})
    head = small_registry.head()
    assert head != pin

    first = bootstrap(ansible, extra_vars={'atk_home_repo': url})
    assert first.rc == 0, first.describe()
    converge = assert_one_converge(first)
    assert sorted(converge['changed_plugins']) == ['fetch', 'serena']
    home = isolated_env.atk_home
    assert manifest_refs(home) == pins
    for plugin in ('fetch', 'serena'):
        assert disk_ref(home, plugin) == pin
        assert tree(home / 'plugins' / plugin) == registry_tree(small_registry, plugin, pin)
    assert isolated_env.installed('serena') is not None  # serena's install ran (stub marker)

    # Drift: a plugin folder deleted on this machine.
    shutil.rmtree(home / 'plugins' / 'serena')
    # Meanwhile the laptop upgrades fetch to the registry's HEAD, adds git-local and pushes:
    # the next run follows the repository: each entry of the pulled manifest whose files are
    # missing or at another ref is resynced to its pin.
    laptop.run('upgrade', 'fetch', input='\n', check=True)
    laptop.add('git-local', answers=[''])
    push = laptop.git('push', '-q', 'origin', 'HEAD')
    assert push.returncode == 0, push.stderr
    new_pins = manifest_refs(laptop.home)
    assert new_pins == {'fetch': head, 'serena': pin, 'git-local': head}

    second = bootstrap(ansible, extra_vars={'atk_home_repo': url})
    assert second.rc == 0, second.describe()
    converge = assert_one_converge(second)
    assert {p['plugin']: p['action'] for p in converge['plugins']} == {'fetch': 'resync', 'serena': 'resync', 'git-local': 'resync'}
    assert [a['action'] for a in converge['home_actions']] == ['update']
    assert manifest_refs(home) == new_pins
    for plugin, ref in new_pins.items():
        assert disk_ref(home, plugin) == ref
        assert tree(home / 'plugins' / plugin) == registry_tree(small_registry, plugin, ref)
    assert (home / 'plugins' / 'fetch' / 'SKILL.md').read_text() == '# fetch, newer than the pin\n'

    third = bootstrap(ansible, extra_vars={'atk_home_repo': url})
    assert third.rc == 0, third.describe()
    assert third.changed() == 0, [(r['task'], r['result'].get('changed')) for r in third.results]
    assert assert_one_converge(third)['network']['contacts'] == 0

    # The other way round: the home atk itself made on the laptop converges with nothing to change.
    on_laptop = bootstrap(AnsibleRunner(laptop.env, collections_path=ansible.collections_path))
    assert on_laptop.rc == 0, on_laptop.describe()
    assert on_laptop.changed() == 0, [(r['task'], r['result'].get('actions')) for r in on_laptop.results]

    # The real atk reads the result as its own home.
    status = atk_peer.run('status', check=True).stdout
    for plugin in ('fetch', 'git-local', 'serena'):
        assert '%s (%s)' % (plugin, plugin) in status, status
    assert atk_peer.validate_plugin_dirs([home / 'plugins' / p for p in PLUGINS]) == {str(home / 'plugins' / p): None for p in PLUGINS}


def vault_string(ansible: AnsibleRunner, password_file: Path, name: str, value: str) -> str:
    proc = subprocess.run([str(ansible_bin('ansible-vault')), 'encrypt_string', '--vault-password-file', str(password_file),
                           '--stdin-name', name], input=value, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=ansible.environ(), check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.matrix
def test_inventory_driven_with_vault_env_and_prune(small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv,
                                                   atk_peer: AtkPeer):
    password_file = isolated_env.root / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD)
    password_file.chmod(0o600)
    secret_var = vault_string(ansible, password_file, 'vault_user_agent', SECRET)
    group_vars = isolated_env.root / 'vars.yml'
    group_vars.write_text(secret_var + '\n' + textwrap.dedent("""\
        atk_from_manifest: false
        atk_plugins:
          - name: fetch
            env:
              USER_AGENT: "{{ vault_user_agent }}"
          - name: serena
        """))
    vault_args = ['-e', '@%s' % group_vars, '--vault-password-file', str(password_file)]

    first = bootstrap(ansible, diff=True, verbosity=3, extra_args=vault_args)
    assert first.rc == 0, first.describe()
    assert SECRET not in first.stdout and SECRET not in first.stderr
    assert sorted(assert_one_converge(first)['changed_plugins']) == ['fetch', 'serena']
    env_file = isolated_env.atk_home / 'plugins' / 'fetch' / '.env'
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert dotenv_values(env_file)['USER_AGENT'] == SECRET  # what atk (python-dotenv) reads
    assert isolated_env.installed('serena') is not None
    # Secrets stay out of the home's git history and tracked files.
    log = atk_peer.git('log', '-p', '--all').stdout
    assert SECRET not in log

    # Drop serena from the list and prune: atk's remove (uninstall runs, folder and entry go).
    group_vars.write_text(secret_var + '\n' + textwrap.dedent("""\
        atk_from_manifest: false
        atk_prune: true
        atk_plugins:
          - name: fetch
            env:
              USER_AGENT: "{{ vault_user_agent }}"
        """))
    second = bootstrap(ansible, diff=True, extra_args=vault_args)
    assert second.rc == 0, second.describe()
    assert SECRET not in second.stdout and SECRET not in second.stderr
    converge = assert_one_converge(second)
    assert converge['changed_plugins'] == ['serena']
    assert [(a['plugin'], a['action']) for a in converge['actions']] == [('serena', 'remove')]
    assert sorted(manifest_refs(isolated_env.atk_home)) == ['fetch']
    assert not (isolated_env.atk_home / 'plugins' / 'serena').exists()
    assert isolated_env.calls('serena', 'uninstall') and isolated_env.installed('serena') is None

    # With the atk_configure tag only: the one call still converges, nothing to change.
    third = bootstrap(ansible, extra_args=vault_args, tags='atk_configure')
    assert third.rc == 0, third.describe()
    assert third.changed() == 0
    assert assert_one_converge(third)['network']['contacts'] == 0
    assert dotenv_values(env_file)['USER_AGENT'] == SECRET
    status = atk_peer.run('status', check=True).stdout
    assert 'fetch (fetch)' in status and 'serena (serena)' not in status


def snapshot(folder: Path):
    """Every path under ``folder`` with its type and content (to prove nothing was written)."""
    if not folder.exists():
        return None
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            full = Path(root) / name
            out[str(full.relative_to(folder))] = full.read_bytes() if full.is_file() and not full.is_symlink() else 'dir'
    return out


@pytest.mark.matrix
def test_check_mode_on_a_fresh_machine_reports_everything_and_writes_nothing(
        small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    before = snapshot(isolated_env.home)
    result = bootstrap(ansible, check=True, diff=True, extra_vars={'atk_plugins': [{'name': p} for p in PLUGINS]})
    assert result.rc == 0, result.describe()
    converge = assert_one_converge(result)
    assert [a['action'] for a in converge['home_actions']] == ['init']
    assert converge['home_before']['exists'] is False
    assert converge['changed'] is True
    assert [(a['plugin'], a['action']) for a in converge['actions']] == [(p, 'add') for p in PLUGINS]
    assert [p['directory'] for p in converge['after']['plugins']] == PLUGINS
    report = result.task('atk.core.atk : Report the plugins that changed')
    assert report['msg'].startswith('Would change 3 plugin(s): fetch (add), git-local (add), serena (add)'), report
    assert not isolated_env.atk_home.exists()
    # Nothing in HOME but atk.core's download cache (~/.cache/atk-core) and Ansible's own files.
    after = snapshot(isolated_env.home)
    new = sorted(k for k in after if k not in (before or {}))
    assert all(k.startswith(('.cache', '.ansible')) for k in new), new


def test_check_mode_with_a_home_repository_previews_every_plugin_and_writes_nothing(
        home_repo, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    laptop, url = home_repo
    result = bootstrap(ansible, check=True, extra_vars={'atk_home_repo': url})
    assert result.rc == 0, result.describe()
    converge = assert_one_converge(result)
    assert [a['action'] for a in converge['home_actions']] == ['clone']
    pins = manifest_refs(laptop.home)
    assert {a['plugin']: (a['action'], a['after']['ref']) for a in converge['actions']} == {
        d: ('resync', ref) for d, ref in pins.items()}
    assert not isolated_env.atk_home.exists()
    real = bootstrap(ansible, extra_vars={'atk_home_repo': url})
    assert real.rc == 0, real.describe()
    assert [(a['plugin'], a['action']) for a in assert_one_converge(real)['actions']] == \
        [(a['plugin'], a['action']) for a in converge['actions']]


def test_missing_python_library_stops_with_the_module_message(tmp_path, small_registry, ansible: AnsibleRunner):
    """A host Python without PyYAML: the module's own message, not a traceback, and no install attempt when forbidden."""
    bare = tmp_path / 'bare-python'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(bare)], check=True)
    inventory = 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % (bare / 'bin' / 'python')
    result = bootstrap(ansible, inventory=inventory, extra_vars={'atk_install_dependencies': False, 'atk_plugins': [{'name': 'fetch'}]})
    assert result.rc != 0
    failed = result.failed()
    assert [f['task'] for f in failed] == ['atk.core.atk : Converge the ATK home, its plugins and their agents'], result.describe()
    assert 'Failed to import the required Python library (PyYAML)' in failed[-1]['result']['msg']
    assert len(module_calls(result, 'atk.core.atk_converge')) == 1   # the failed first attempt, not retried
    assert not [r for r in result.tasks(status='ok') if r['task'].endswith('Install what the atk.core modules need on the host')]


@pytest.mark.matrix
def test_upgrade_preview_names_the_moved_plugin_writes_nothing_then_upgrades(small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    first = bootstrap(ansible, extra_vars={'atk_plugins': [{'name': 'fetch'}, {'name': 'serena'}]})
    assert first.rc == 0, first.describe()
    home = isolated_env.atk_home
    pin = manifest_refs(home)['fetch']
    small_registry.update_plugin('fetch', {'SKILL.md': '# fetch, a newer registry commit\n'})
    head = small_registry.head()

    before = snapshot(home)
    preview = ansible.run(Path('atk.core.upgrade'), check=True, diff=True)
    assert preview.rc == 0, preview.describe()
    converge = assert_one_converge(preview)
    assert converge['changed_plugins'] == ['fetch'], converge['plugins']
    assert [(a['plugin'], a['action']) for a in converge['actions']] == [('fetch', 'upgrade')]
    assert converge['actions'][0]['before']['ref'] == pin and converge['actions'][0]['after']['ref'] == head
    assert {'path': 'SKILL.md', 'status': 'modified'} in converge['actions'][0]['files']
    assert 'plugins/fetch @ %s' % head in [d['after_header'] for d in converge['diff']]
    report = preview.task('atk.core.atk : Report the plugins that changed')
    assert report['msg'] == 'Would change 1 plugin(s): fetch (upgrade)'
    assert snapshot(home) == before  # the preview wrote nothing in the home

    upgrade = ansible.run(Path('atk.core.upgrade'))
    assert upgrade.rc == 0, upgrade.describe()
    assert assert_one_converge(upgrade)['changed_plugins'] == ['fetch']
    assert manifest_refs(home)['fetch'] == head and disk_ref(home, 'fetch') == head
    assert (home / 'plugins' / 'fetch' / 'SKILL.md').read_text() == '# fetch, a newer registry commit\n'

    again = ansible.run(Path('atk.core.upgrade'))
    assert again.rc == 0, again.describe()
    assert again.changed() == 0, [(r['task'], r['result'].get('changed')) for r in again.results]


def _printed(ansible: AnsibleRunner, text, **kw):
    """Run the bootstrap playbook with Ansible's default output (what a user reads); -> (rc, how many
    failed tasks printed ``text``, the output). ansible-core 2.19 shows each failed task twice, as
    ``[ERROR]: Task failed: ...`` and as ``fatal: [host]: FAILED! => {...}``."""
    result = bootstrap(ansible, env={'ANSIBLE_STDOUT_CALLBACK': 'default'}, **kw)
    out = result.stdout + result.stderr
    fatal = [line for line in out.splitlines() if line.startswith('fatal: ') and text in line]
    errors = [line for line in out.splitlines() if line.startswith('[ERROR]: ') and text in line]
    assert len(fatal) == len(errors), out
    return result.rc, len(fatal), out


def test_a_home_step_error_is_printed_once(tmp_path, small_registry, git_daemon, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    """A failed converge is printed once (not caught and failed again with the same text)."""
    rc, times, out = _printed(ansible, 'Cannot clone the ATK home repository',
                              extra_vars={'atk_home_repo': git_daemon.url('homes/no-such-home.git')})
    assert rc != 0 and times == 1, out
    assert 'rescued=0' in out, out
    assert not isolated_env.atk_home.exists()
    bare = tmp_path / 'bare-python'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(bare)], check=True)
    inventory = 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % (bare / 'bin' / 'python')
    rc, times, out = _printed(ansible, 'Failed to import the required Python library (PyYAML)',
                              inventory=inventory, extra_vars={'atk_install_dependencies': False})
    assert rc != 0 and times == 1, out


def test_prune_with_the_manifest_kept_names_the_role_variables(small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    """atk_prune with atk_from_manifest (its default, true) cannot both hold: the error names those
    two role variables, not the module options (prune, all) they become, and comes before any change."""
    result = bootstrap(ansible, extra_vars={'atk_prune': True, 'atk_plugins': [{'name': 'fetch'}]})
    assert result.rc != 0
    failed = result.failed()
    assert [f['task'] for f in failed] == ["atk.core.atk : Check that the role's variables agree"], result.describe()
    msg = failed[0]['result']['msg']
    assert 'atk_prune' in msg and 'atk_from_manifest' in msg, msg
    assert 'prune and all' not in result.stdout + result.stderr
    assert module_calls(result, 'atk.core.atk_converge') == [] and not isolated_env.atk_home.exists()
    # With atk_from_manifest false the same variables are fine.
    result = bootstrap(ansible, extra_vars={'atk_prune': True, 'atk_from_manifest': False, 'atk_plugins': [{'name': 'fetch'}]})
    assert result.rc == 0, result.describe()
