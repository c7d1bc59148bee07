# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""Pull mode: real ``ansible-pull`` against a site repository served by the git daemon on loopback.

The site repository is the one docs/pull-mode.md describes: ``local.yml`` (the atk role on the
laptops of ``hosts.ini``), ``group_vars/laptops.yml`` (what every laptop gets, a secret as an
Ansible Vault string), ``host_vars/<this machine>.yml`` (what this one gets besides) and
``collections/requirements.yml``. The laptop keeps the Vault password in a 0600 file. The
collection comes from ANSIBLE_COLLECTIONS_PATH (the tests stay offline; a laptop installs it
from the requirements file).

* the first pull clones the site and converges the home (one atk_plugin call, the secret in the
  plugin's .env and nowhere in the output);
* the second pull reports ``changed=0``;
* a commit to the site repository (a plugin added to group_vars) is converged by the next pull,
  and the real atk reads the result as its own home.
"""

from __future__ import annotations

import platform
import stat
import subprocess
import textwrap

from dotenv import dotenv_values

from harness import AnsibleRunner, AtkPeer, IsolatedEnv, fixture_plugins
from harness.paths import ansible_bin

SECRET = 'ua-pu11-Vau1t-atk-core'
VAULT_PASSWORD = 'pull mode vault password\n'

LOCAL_YML = """\
---
# ansible-pull runs this (its default playbook name) on the laptop itself.
- name: Converge this laptop's ATK home
  hosts: laptops
  gather_facts: false
  roles:
    - role: atk.core.atk
"""

REQUIREMENTS_YML = """\
---
collections:
  - name: atk.core
    version: ">=0.1.0,<0.2.0"
"""


def hosts_ini(hostname: str) -> str:
    return textwrap.dedent("""\
        # Laptops by host name: ansible-pull limits each run to the machine's own names.
        [laptops]
        %s

        [laptops:vars]
        ansible_connection=local
        ansible_python_interpreter="{{ ansible_playbook_python }}"
        """) % hostname


def group_vars(vault_block: str, team: list[str]) -> str:
    plugins = ''.join('  - name: %s\n' % name for name in team if name != 'fetch')
    return textwrap.dedent("""\
        ---
        atk_from_manifest: false
        atk_prune: true
        atk_plugins: "{{ team_plugins + laptop_plugins | default([]) }}"
        team_plugins:
          - name: fetch
            env:
              USER_AGENT: "{{ vault_user_agent }}"
        """) + plugins + vault_block + '\n'


def vault_string(ansible: AnsibleRunner, password_file, name: str, value: str) -> str:
    proc = subprocess.run([str(ansible_bin('ansible-vault')), 'encrypt_string', '--vault-password-file', str(password_file),
                           '--stdin-name', name], input=value, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=ansible.environ(), check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def converges(result):
    return [r for r in result.results if r['action'] == 'atk.core.atk_converge' and r['status'] != 'skipped']


def test_ansible_pull_converges_then_changes_nothing_then_follows_a_commit(
        registry_factory, git_daemon, test_id, ansible: AnsibleRunner, isolated_env: IsolatedEnv, atk_peer: AtkPeer):
    registry_factory(fixture_plugins(['fetch', 'git-local', 'serena']))
    password_file = isolated_env.root / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD)
    password_file.chmod(0o600)
    vault_block = vault_string(ansible, password_file, 'vault_user_agent', SECRET)
    hostname = platform.node().split('.')[0]

    site = git_daemon.init_repo('sites/%s' % test_id)
    site.commit({
        'local.yml': LOCAL_YML,
        'hosts.ini': hosts_ini(hostname),
        'group_vars/laptops.yml': group_vars(vault_block, ['fetch']),
        'host_vars/%s.yml' % hostname: '---\nlaptop_plugins:\n  - name: serena\n',
        'collections/requirements.yml': REQUIREMENTS_YML,
    }, 'Laptops: fetch for everyone, serena on this one')
    pull_args = dict(checkout='main', inventory='hosts.ini', extra_args=['--vault-password-file', str(password_file)])

    first = ansible.pull(site.url, **pull_args)
    assert first.rc == 0, first.describe()
    assert SECRET not in first.stdout and SECRET not in first.stderr
    assert list(first.stats) == [hostname], first.stats
    calls = converges(first)
    assert len(calls) == 1
    assert sorted(calls[0]['result']['changed_plugins']) == ['fetch', 'serena']
    home = isolated_env.atk_home
    env_file = home / 'plugins' / 'fetch' / '.env'
    assert dotenv_values(env_file)['USER_AGENT'] == SECRET
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert isolated_env.installed('serena') is not None
    assert (isolated_env.root / 'pull' / 'local.yml').read_text() == LOCAL_YML

    second = ansible.pull(site.url, **pull_args)
    assert second.rc == 0, second.describe()
    assert second.changed(hostname) == 0, [(r['task'], r['result'].get('changed')) for r in second.results]
    assert converges(second)[0]['result']['network']['contacts'] == 0

    site.commit({'group_vars/laptops.yml': group_vars(vault_block, ['fetch', 'git-local'])}, 'Laptops: git-local for everyone')
    third = ansible.pull(site.url, **pull_args)
    assert third.rc == 0, third.describe()
    calls = converges(third)
    assert calls[0]['result']['changed_plugins'] == ['git-local'], calls[0]['result']['plugins']
    assert (home / 'plugins' / 'git-local' / 'plugin.yaml').exists()
    assert SECRET not in third.stdout and SECRET not in third.stderr

    status = atk_peer.run('status', check=True).stdout
    for plugin in ('fetch', 'git-local', 'serena'):
        assert '%s (%s)' % (plugin, plugin) in status, status
