# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk.core.atk_env through real ansible-playbook, with the real atk 0.4.0 as the reader.

A local plugin (``Env Demo``, directory ``env-demo``) is added with ``atk add``; then the module
sets Vault-encrypted secrets. The secrets must reach atk (``atk mcp --json``) and nowhere else:
not in ansible-playbook's output at ``-vvv --diff`` (real and check mode), not in the home's git
history, not in any other file of the test's world.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import textwrap

import pytest

from harness import AnsibleRunner, AtkPeer, IsolatedEnv
from harness.paths import ansible_bin

# Distinctive, so a leak anywhere is found by plain substring search.
SECRET = "tok-Vau1tS3cr3t-7Q2xZk"
# Everything a naive writer gets wrong: quotes, space, ${...} (python-dotenv expands it even in
# single quotes), '#', a backslash, unicode, a newline.
TRICKY = 'Tr1cky "q" ${HOME} #h \\ end é\nline2-Zq9'
TRICKY_MARKERS = ("Tr1cky", "line2-Zq9")

PLUGIN_YAML = textwrap.dedent("""\
    schema_version: '2026-02-06'
    name: Env Demo
    description: atk_env integration test plugin
    maturity: verified
    env_vars:
      - name: DEMO_TOKEN
        required: true
        secret: true
        description: A secret token
      - name: DEMO_GREETING
        default: hello world
        description: Greeting with space
      - name: DEMO_TRICKY
        description: Tricky value
    mcp:
      transport: stdio
      command: echo
      env: [DEMO_TOKEN, DEMO_GREETING, DEMO_TRICKY]
    """)


@pytest.fixture
def demo(isolated_env: IsolatedEnv, atk_peer: AtkPeer):
    """An atk home with the local plugin added by atk itself (all prompts answered with Enter)."""
    source = isolated_env.root / 'src' / 'env-demo-src'
    source.mkdir(parents=True)
    (source / 'plugin.yaml').write_text(PLUGIN_YAML, encoding='utf-8')
    atk_peer.init()
    atk_peer.add(str(source), answers=['', '', ''])
    env_file = atk_peer.home / 'plugins' / 'env-demo' / '.env'
    # atk wrote the default (with its comment) and nothing else.
    assert env_file.read_text() == '# Greeting with space\nDEMO_GREETING="hello world"\n'
    return env_file


def vault_encrypt(ansible: AnsibleRunner, password_file, name, value):
    """``ansible-vault encrypt_string`` reading the value from stdin (never argv)."""
    proc = subprocess.run([str(ansible_bin('ansible-vault')), 'encrypt_string', '--vault-password-file', str(password_file),
                           '--stdin-name', name], input=value, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=ansible.environ(), check=False)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.strip()
    assert text.startswith(name + ': !vault |'), text
    return text


def vault_playbook(ansible, isolated_env, tasks_yaml):
    password_file = isolated_env.root / 'vault-pass'
    password_file.write_text('correct horse battery staple\n')
    password_file.chmod(0o600)
    token = vault_encrypt(ansible, password_file, 'demo_token', SECRET)
    tricky = vault_encrypt(ansible, password_file, 'demo_tricky', TRICKY)
    playbook = "- hosts: localhost\n  gather_facts: false\n  vars:\n%s\n%s\n  tasks:\n%s" % (
        textwrap.indent(token, '    '), textwrap.indent(tricky, '    '), textwrap.indent(tasks_yaml, '    '))
    return playbook, ['--vault-password-file', str(password_file)]


SET_TASKS = textwrap.dedent("""\
    - name: set secrets
      atk.core.atk_env:
        plugin: Env Demo
        values:
          DEMO_TOKEN: "{{ demo_token }}"
          DEMO_TRICKY: "{{ demo_tricky }}"
      register: env_result
    - name: show the registered result
      ansible.builtin.debug:
        var: env_result
    """)


def assert_no_leak(result, *texts):
    for text in texts:
        for stream in (result.stdout, result.stderr):
            assert text not in stream


def atk_mcp_env(atk_peer):
    proc = atk_peer.run('mcp', 'env-demo', '--json', check=True)
    return json.loads(proc.stdout)['Env Demo'].get('env', {})


def test_vault_secret_set_with_vvv_diff_never_leaks(demo, ansible: AnsibleRunner, atk_peer: AtkPeer,
                                                    isolated_env: IsolatedEnv):
    playbook, vault_args = vault_playbook(ansible, isolated_env, SET_TASKS)

    first = ansible.run(playbook, diff=True, verbosity=3, extra_args=vault_args)
    assert first.rc == 0, first.describe()
    task = first.task('set secrets')
    assert task['changed'] is True
    assert task['added'] == ['DEMO_TOKEN', 'DEMO_TRICKY']
    assert task['changed_keys'] == [] and task['removed'] == []
    assert task['before'] == {'keys': ['DEMO_GREETING']}
    assert task['after'] == {'keys': ['DEMO_GREETING', 'DEMO_TOKEN', 'DEMO_TRICKY']}
    assert task['missing_required'] == []
    assert task['path'] == str(demo)
    assert task['diff']['after'] == 'DEMO_GREETING=<hidden>\nDEMO_TOKEN=<hidden>\nDEMO_TRICKY=<hidden>\n'
    assert_no_leak(first, SECRET, *TRICKY_MARKERS)

    # The file: 0600, our comments (atk's style), python-dotenv-exact values for atk.
    assert stat.S_IMODE(demo.stat().st_mode) == 0o600
    assert atk_mcp_env(atk_peer) == {'DEMO_TOKEN': SECRET, 'DEMO_GREETING': 'hello world', 'DEMO_TRICKY': TRICKY}
    mtime = demo.stat().st_mtime_ns
    content = demo.read_bytes()

    # Check mode, -vvv --diff: no change predicted, nothing written, nothing leaked.
    checked = ansible.run(playbook, check=True, diff=True, verbosity=3, extra_args=vault_args)
    assert checked.rc == 0, checked.describe()
    assert checked.task('set secrets')['changed'] is False
    assert_no_leak(checked, SECRET, *TRICKY_MARKERS)
    assert demo.stat().st_mtime_ns == mtime and demo.read_bytes() == content

    # Second real run: nothing to do, file untouched.
    second = ansible.run(playbook, diff=True, verbosity=3, extra_args=vault_args)
    assert second.rc == 0, second.describe()
    assert second.task('set secrets')['changed'] is False
    assert_no_leak(second, SECRET, *TRICKY_MARKERS)
    assert demo.stat().st_mtime_ns == mtime and demo.read_bytes() == content

    # atk commits with `git add -A`: add another local plugin, then search the whole history.
    other = isolated_env.root / 'src' / 'other-src'
    other.mkdir(parents=True)
    (other / 'plugin.yaml').write_text("schema_version: '2026-02-06'\nname: Other Demo\ndescription: x\nmaturity: verified\n")
    atk_peer.add(str(other))
    log = atk_peer.git('log', '-p', '--all')
    assert log.returncode == 0 and 'Other Demo' in log.stdout
    assert SECRET not in log.stdout and not any(m in log.stdout for m in TRICKY_MARKERS)
    assert atk_peer.git('ls-files', '--error-unmatch', 'plugins/env-demo/.env').returncode != 0

    # No other file of the test's world holds the secret (Ansible temp files, logs, markers...).
    offenders = []
    for folder, _dirs, files in os.walk(str(isolated_env.root)):
        for name in files:
            path = os.path.join(folder, name)
            if path == str(demo) or os.path.islink(path) or '/.git/objects/' in path:
                continue
            try:
                with open(path, 'rb') as handle:
                    data = handle.read()
            except OSError:
                continue
            if SECRET.encode() in data or TRICKY_MARKERS[0].encode() in data:
                offenders.append(path)
    assert offenders == []


def test_check_mode_predicts_and_writes_nothing(demo, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    playbook, vault_args = vault_playbook(ansible, isolated_env, SET_TASKS)
    before = demo.read_bytes()
    result = ansible.run(playbook, check=True, diff=True, verbosity=3, extra_args=vault_args)
    assert result.rc == 0, result.describe()
    task = result.task('set secrets')
    assert task['changed'] is True and task['added'] == ['DEMO_TOKEN', 'DEMO_TRICKY']
    assert demo.read_bytes() == before
    assert_no_leak(result, SECRET, *TRICKY_MARKERS)


def test_required_check_names_the_variable_without_values(demo, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    tasks = textwrap.dedent("""\
        - name: only the tricky one
          atk.core.atk_env:
            plugin: env-demo
            values:
              DEMO_TRICKY: "{{ demo_tricky }}"
        """)
    playbook, vault_args = vault_playbook(ansible, isolated_env, tasks)
    result = ansible.run(playbook, diff=True, verbosity=3, extra_args=vault_args)
    assert result.rc != 0
    task = result.task('only the tricky one')
    assert 'DEMO_TOKEN' in task['msg'] and task['missing_required'] == ['DEMO_TOKEN']
    assert task['changed'] is True  # written first, then the check failed
    assert_no_leak(result, SECRET, *TRICKY_MARKERS)


def test_atk_setup_keeps_our_values(demo, ansible: AnsibleRunner, atk_peer: AtkPeer, isolated_env: IsolatedEnv):
    values = {'DEMO_TOKEN': SECRET, 'DEMO_GREETING': 'hi there you'}
    tasks = [{'name': 'set', 'atk.core.atk_env': {'plugin': 'env-demo', 'values': values}}]
    first = ansible.run_tasks(tasks)
    assert first.rc == 0, first.describe()
    assert first.task('set')['changed_keys'] == ['DEMO_GREETING'] and first.task('set')['added'] == ['DEMO_TOKEN']

    # `atk setup`, Enter at every prompt: atk keeps current values and rewrites the file its way.
    atk_peer.run('setup', 'env-demo', input='\n\n\n', check=True)
    assert atk_mcp_env(atk_peer) == {'DEMO_TOKEN': SECRET, 'DEMO_GREETING': 'hi there you'}
    assert stat.S_IMODE(demo.stat().st_mode) == 0o600  # atk's write_text keeps the mode
    mtime = demo.stat().st_mtime_ns

    # Values read the same, so atk's rewrite is not a change: file untouched.
    again = ansible.run_tasks(tasks)
    assert again.rc == 0, again.describe()
    assert again.task('set')['changed'] is False
    assert demo.stat().st_mtime_ns == mtime


def test_values_atk_setup_cannot_write_are_restored(demo, ansible: AnsibleRunner, atk_peer: AtkPeer):
    tasks = [{'name': 'set', 'no_log': True,
              'atk.core.atk_env': {'plugin': 'env-demo', 'values': {'DEMO_TOKEN': SECRET, 'DEMO_TRICKY': TRICKY}}}]
    assert ansible.run_tasks(tasks).rc == 0
    assert atk_mcp_env(atk_peer)['DEMO_TRICKY'] == TRICKY
    # atk's own writer loses this value (docs/atk-compatibility.md §13, pitfall 9); the next run puts it back.
    atk_peer.run('setup', 'env-demo', input='\n\n\n', check=True)
    assert atk_mcp_env(atk_peer).get('DEMO_TRICKY') != TRICKY
    again = ansible.run_tasks(tasks)
    assert again.rc == 0, again.describe()
    assert again.changed() == 1
    assert atk_mcp_env(atk_peer)['DEMO_TRICKY'] == TRICKY


def test_defaults_absent_and_idempotence(demo, ansible: AnsibleRunner):
    demo.write_text('# mine\nDEMO_GREETING=\nDEMO_TOKEN=t\nEXTRA=1\n')
    tasks = [
        {'name': 'defaults', 'atk.core.atk_env': {'plugin': 'env-demo', 'defaults': True}},
        {'name': 'drop extra', 'atk.core.atk_env': {'plugin': 'env-demo', 'state': 'absent', 'keys': ['EXTRA']}},
    ]
    result = ansible.run_tasks(tasks, diff=True)
    assert result.rc == 0, result.describe()
    assert result.task('defaults')['changed_keys'] == ['DEMO_GREETING']
    assert result.task('drop extra')['removed'] == ['EXTRA']
    assert demo.read_text() == '# mine\nDEMO_GREETING="hello world"\nDEMO_TOKEN=t\n'
    again = ansible.run_tasks(tasks, diff=True)
    assert again.rc == 0 and again.changed() == 0, again.describe()
