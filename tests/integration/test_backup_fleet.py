# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet backups over real SSH: back up what a plugin stores on one host, restore it on another.

Two hosts in network namespaces (harness/netns.py) converge the same registry plugins: ``notes``
(harness/dataplugin.py: ``backup.sh`` and ``restore.sh`` that copy its ``data/`` folder) and
``plain`` (no scripts). Then, through ``ansible-playbook``:

* ``atk.core.backup --check`` runs nothing and writes nothing on the controller;
* ``atk.core.backup`` on h1 brings ``notes``' artefacts to ``<dest>/h1/notes/<timestamp>/`` with a
  ``SHA256SUMS`` that ``sha256sum -c`` accepts, a ``backup.json`` and (asked for) the ``.env`` as
  ``env.vault``, encrypted with Ansible Vault; ``plain`` is listed as skipped; the host keeps nothing;
* ``atk.core.restore`` from ``<dest>/h1`` on h2 (check mode first: nothing changes) puts the data file
  back with the same SHA-256, and the ``.env``; run again it changes nothing; a newer backup is
  the one restored next; a copy that no longer matches its checksums is refused and restores nothing;
* the plugin's token, printed by its scripts, appears in no output.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from harness import REGISTRY_URL, AnsibleRunner, IsolatedEnv, synthetic_plugin
from harness.dataplugin import data_plugin
from harness.netns import unavailable_reason

_REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or '')

VAULT_PASSWORD = 'backup vault password for the test'
TOKENS = {'h1': 'tok-H1-7b3e09d2c4', 'h2': 'tok-H2-52a8e1f6b0'}
SYNC = '''- hosts: fleet
  gather_facts: false
  roles:
    - role: atk.core.atk
      vars:
        atk_plugins:
          - name: notes
            env:
              NOTES_TOKEN: "{{ notes_token }}"
          - name: plain
'''


@pytest.fixture
def fleet(ssh_fleet_factory):
    return ssh_fleet_factory(2)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_backup_on_one_host_restore_on_another(tmp_path, fleet, git_daemon_factory, registry_factory,
                                               isolated_env: IsolatedEnv, collection_path):
    daemon = git_daemon_factory(listen=['127.0.0.1'] + fleet.gateways)
    registry = registry_factory([data_plugin(), synthetic_plugin('plain')], daemon=daemon, use=False, lifecycle='keep')
    for host in fleet.hosts:
        host.git_config('url.%s.insteadOf' % registry.url_for(host.gateway), REGISTRY_URL)
    inventory = tmp_path / 'inventory'
    (inventory / 'host_vars').mkdir(parents=True)
    (inventory / 'hosts.ini').write_text(fleet.inventory(group='fleet'))
    for host in fleet.hosts:
        (inventory / 'host_vars' / ('%s.yml' % host.name)).write_text(yaml.safe_dump({'notes_token': TOKENS[host.name]}))
    ansible = AnsibleRunner(isolated_env, collections_path=collection_path)
    env = fleet.ansible_env()
    runs = []

    def play(playbook, **kwargs):
        result = ansible.run(playbook, inventory=inventory, env=env, **kwargs)
        runs.append(result)
        return result

    synced = play(SYNC)
    assert synced.rc == 0, synced.describe()
    h1, h2 = fleet.hosts
    data1 = h1.atk_home / 'plugins' / 'notes' / 'data'
    (data1 / 'sub').mkdir(parents=True, exist_ok=True)
    (data1 / 'notes.db').write_bytes(os.urandom(200 * 1024))
    (data1 / 'sub' / 'attachment.txt').write_text('an attachment\n')
    dest = tmp_path / 'backups'
    backup_vars = {'atk_backup_dest': str(dest), 'atk_hosts': 'h1', 'atk_backup_env': True,
                   'atk_backup_vault_password': VAULT_PASSWORD}

    preview = play(Path('atk.core.backup'), check=True, extra_vars=backup_vars)
    assert preview.rc == 0, preview.describe()
    assert preview.task('Run each plugin\'s backup script into a per-run folder', host='h1')['saved'] == ['notes']
    assert not dest.exists()

    made = play(Path('atk.core.backup'), extra_vars=backup_vars)
    assert made.rc == 0, made.describe()
    result = made.task('Run each plugin\'s backup script into a per-run folder', host='h1')
    assert result['saved'] == ['notes'] and result['skipped_plugins'] == ['plain'] and result['failed_plugins'] == []
    assert not os.path.exists(result['dir']), 'the per-run folder stays on the host'
    assert made.task('Report what was backed up', host='h1')['msg'] == \
        'Backed up: notes; skipped (no backup script): plain.'
    assert sorted(os.listdir(dest / 'h1')) == ['notes']
    [stamp] = os.listdir(dest / 'h1' / 'notes')
    folder = dest / 'h1' / 'notes' / stamp
    assert sorted(os.listdir(folder)) == ['SHA256SUMS', 'backup.json', 'data', 'env.vault']
    assert sha256(folder / 'data' / 'notes.db') == sha256(data1 / 'notes.db')
    check = subprocess.run(['sha256sum', '-c', 'SHA256SUMS'], cwd=str(folder), capture_output=True, text=True, check=False)
    assert check.returncode == 0 and check.stdout.count(': OK') == 2, check.stdout + check.stderr
    about = json.loads((folder / 'backup.json').read_text())
    assert about['plugin'] == 'notes' and about['host'] == 'h1' and about['env'] is True
    assert about['ref'] == registry.head() and about['timestamp'] == stamp
    vaulted = (folder / 'env.vault').read_text()
    assert vaulted.startswith('$ANSIBLE_VAULT;') and TOKENS['h1'] not in vaulted
    assert oct((folder / 'env.vault').stat().st_mode & 0o777) == '0o600'

    restore_vars = {'atk_restore_from': str(dest / 'h1'), 'atk_hosts': 'h2', 'atk_restore_env': True,
                    'atk_backup_vault_password': VAULT_PASSWORD}
    notes2 = h2.atk_home / 'plugins' / 'notes'
    assert not (notes2 / 'data' / 'notes.db').exists()
    preview = play(Path('atk.core.restore'), check=True, extra_vars=restore_vars)
    assert preview.rc == 0, preview.describe()
    assert not (notes2 / 'data' / 'notes.db').exists() and TOKENS['h2'] in (notes2 / '.env').read_text()

    restored = play(Path('atk.core.restore'), extra_vars=restore_vars)
    assert restored.rc == 0, restored.describe()
    assert sha256(notes2 / 'data' / 'notes.db') == sha256(data1 / 'notes.db')
    assert (notes2 / 'data' / 'sub' / 'attachment.txt').read_text() == 'an attachment\n'
    assert (notes2 / '.env').read_text() == (h1.atk_home / 'plugins' / 'notes' / '.env').read_text()
    assert oct((notes2 / '.env').stat().st_mode & 0o777) == '0o600'
    assert restored.task('Report what was restored', host='h2')['msg'] == \
        'Restored: notes; already restored: none; skipped (no restore script): none.'

    again = play(Path('atk.core.restore'), extra_vars=restore_vars)
    assert again.rc == 0 and again.stats['h2']['changed'] == 0, again.describe()

    # A newer backup is the one restored next.
    (data1 / 'notes.db').write_bytes(b'the second version\n')
    time.sleep(1.1)
    assert play(Path('atk.core.backup'), extra_vars=backup_vars).rc == 0
    assert len(os.listdir(dest / 'h1' / 'notes')) == 2
    newer = play(Path('atk.core.restore'), extra_vars=restore_vars)
    assert newer.rc == 0 and newer.stats['h2']['changed'] >= 1, newer.describe()
    assert (notes2 / 'data' / 'notes.db').read_bytes() == b'the second version\n'

    # A copy that no longer matches its checksums restores nothing.
    newest = sorted(os.listdir(dest / 'h1' / 'notes'))[-1]
    (dest / 'h1' / 'notes' / newest / 'data' / 'notes.db').write_bytes(b'tampered\n')
    tampered = play(Path('atk.core.restore'), extra_vars=dict(restore_vars, atk_restore_force=True))
    assert tampered.rc != 0
    failure = [r for r in tampered.results if r['status'] == 'failed']
    assert failure and 'does not match its checksums: notes.db has SHA-256' in json.dumps(failure[0]['result'])
    assert (notes2 / 'data' / 'notes.db').read_bytes() == b'the second version\n'

    for result in runs:
        for token in TOKENS.values():
            assert token not in result.stdout and token not in result.stderr
