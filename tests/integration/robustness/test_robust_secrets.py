# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret-leak suite: canary secrets go into .env files and nowhere else.

Canaries enter through atk.core.atk_env (an inline ``!vault`` value), through the role
(``atk_plugins[].env`` from a vaulted vars file) and through atk_plugin's ``env``. Every playbook runs
with ``-vvv --diff``; the set runs again in check mode (with new canaries, which must then be written
nowhere at all), an upgrade preview whose new plugin files hold a secret value shows their content
diffs and writes a saved plan (the value must show as ``********``), and two runs fail on purpose: a plugin whose install script echoes its token on
stdout and stderr and exits 7, first with the token given in the task, then (the retry) with the
token only in the .env, where Ansible's own no_log masking cannot help and atk.core must mask it.

While each playbook runs, a thread samples every process's argv (``/proc/*/cmdline``) every 2 ms.
Afterwards these are scanned for every canary: stdout and stderr of every run (the JSON callback
document included), ``git log -p --all`` and every object in the home's repository (``git cat-file
--batch-all-objects``), every file under the home except the plugins' ``.env`` files, Ansible's
home and temp folders (where the saved plan is written), and the sampled argv. Figure: hits (must be 0).

The second test does the same for what a plugin's own scripts and logs command print (atk_run,
atk_logs, atk_backup, atk_restore): figure ``secrets-scripts``.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import yaml

from harness import synthetic_plugin
from harness.paths import ansible_bin
from robustness_lib import ArgvSampler

CANARIES = {
    'env': 'cnry-ENV-a71f93c0d2',
    'role': 'cnry-ROLE-5be8114e77',
    'fail': 'cnry-FAIL-0c4d2e9a61',
    'check_env': 'cnry-CHKENV-93ad0e71f4',
    'check_role': 'cnry-CHKROLE-e2c6a0b58d',
}
VAULT_PASSWORD = 'robustness vault password'

LEAKY = {
    'plugin.yaml': textwrap.dedent("""\
        schema_version: '2026-01-23'
        name: leaky
        description: An install that prints its token and fails.
        maturity: verified
        env_vars:
          - name: LEAKY_TOKEN
            required: true
            secret: true
            description: The token
        lifecycle:
          install: ./install.sh
          uninstall: 'true'
        """),
    'install.sh': '#!/bin/sh\necho "using token $LEAKY_TOKEN"\necho "fatal: token $LEAKY_TOKEN rejected by the server" >&2\nexit 7\n',
}


def _vault_string(ansible, password_file, name, value):
    proc = subprocess.run([str(ansible_bin('ansible-vault')), 'encrypt_string', '--vault-password-file', str(password_file),
                           '--stdin-name', name], input=value, text=True, capture_output=True, env=ansible.environ(), check=True)
    return proc.stdout.strip()


def _vault_file(ansible, password_file, path, data):
    path.write_text(yaml.safe_dump(data))
    subprocess.run([str(ansible_bin('ansible-vault')), 'encrypt', '--vault-password-file', str(password_file), str(path)],
                   text=True, capture_output=True, env=ansible.environ(), check=True)


def _leaks(canaries, runs, isolated_env, home, roots, figure):
    """Where a canary shows: the runs' stdout, stderr and sampled argv, the home's git history and objects,
    and every file under ``roots`` but the plugins' .env files (the one place values belong)."""
    hits = []

    def scan(text, where):
        hits.extend('%s holds the %s canary' % (where, label) for label, canary in canaries.items() if canary in text)

    for number, (result, sampler) in enumerate(runs, 1):
        scan(result.stdout, 'stdout of run %d' % number)
        scan(result.stderr, 'stderr of run %d' % number)
        for argv in sampler.argvs():
            joined = b' '.join(argv).decode('utf-8', 'replace')
            scan(joined, 'argv of a process during run %d (%s)' % (number, joined[:120]))
    log = subprocess.run(['git', 'log', '-p', '--all'], cwd=str(home), env=isolated_env.environ(), capture_output=True, text=True, check=True)
    scan(log.stdout, 'git log -p --all')
    objects = subprocess.run(['git', 'cat-file', '--batch-all-objects', '--batch'], cwd=str(home), env=isolated_env.environ(),
                             capture_output=True, check=True)
    scan(objects.stdout.decode('utf-8', 'replace'), 'an object of the home repository')
    env_files = {str(p) for p in home.glob('plugins/*/.env')}
    for root in roots:
        for folder, _dirs, files in os.walk(str(root)):
            for name in files:
                path = os.path.join(folder, name)
                if path in env_files or os.path.islink(path) or '/.git/objects/' in path:
                    continue
                figure.add('files')
                with open(path, 'rb') as handle:
                    scan(handle.read().decode('utf-8', 'replace'), path)
    return hits


def test_canaries_never_leak(isolated_env, registry_factory, atk_peer, ansible, figures, tmp_path):
    figure = figures.suite('secrets', '{hits} hits ({runs} playbook runs -vvv --diff, {argv} argv samples, {files} files scanned)')
    vaulty = synthetic_plugin('vaulty', env_vars=2)
    leaky_files = dict(LEAKY)
    from harness.registry import PluginSource  # pylint: disable=import-outside-toplevel
    registry = registry_factory([vaulty, synthetic_plugin('plain'), PluginSource('leaky', leaky_files, 'x')], lifecycle='keep')
    home = isolated_env.atk_home
    password_file = tmp_path / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD + '\n')
    password_file.chmod(0o600)
    vault_args = ['--vault-password-file', str(password_file)]
    inputs = tmp_path / 'inputs'
    inputs.mkdir()

    def vars_file(role_secret):
        path = inputs / ('secrets-%s.yml' % role_secret[-4:])
        _vault_file(ansible, password_file, path, {'vault_vaulty_token': role_secret})
        return path

    def playbook(role_secret, env_secret):
        inline = _vault_string(ansible, password_file, 'env_secret', env_secret)
        return textwrap.dedent("""\
            - hosts: localhost
              gather_facts: false
              vars_files:
                - {vars_file}
              vars:
            {inline}
                atk_registry_url: https://github.com/Svtoo/atk-registry
                atk_from_manifest: true
                atk_plugins:
                  - name: vaulty
                    env:
                      VAULTY_VAR_1: "{{{{ vault_vaulty_token }}}}"
                  - name: plain
              roles:
                - atk.core.atk
              tasks:
                - name: set the second secret with atk_env
                  atk.core.atk_env:
                    plugin: vaulty
                    values:
                      VAULTY_VAR_2: "{{{{ env_secret }}}}"
                  register: env_result
                - name: show what atk_env returned
                  ansible.builtin.debug:
                    var: env_result
            """).format(vars_file=vars_file(role_secret), inline=textwrap.indent(inline, '    '))

    def failing_playbook(with_value):
        task = {'name': 'leaky', 'atk.core.atk_plugin': {'name': 'leaky'}}
        text = '- hosts: localhost\n  gather_facts: false\n'
        if with_value:
            text += '  vars:\n%s\n' % textwrap.indent(_vault_string(ansible, password_file, 'fail_secret', CANARIES['fail']), '    ')
            task['atk.core.atk_plugin']['env'] = {'LEAKY_TOKEN': '{{ fail_secret }}'}
        text += '  tasks:\n' + textwrap.indent(yaml.safe_dump([task], sort_keys=False), '    ')
        return text

    runs = []

    def run(text, check=False):
        with ArgvSampler() as sampler:
            result = ansible.run(text, check=check, diff=True, verbosity=3, extra_args=vault_args)
        runs.append((result, sampler))
        figure.add('runs')
        figure.add('argv', sampler.samples)
        return result

    real = run(playbook(CANARIES['role'], CANARIES['env']))
    assert real.rc == 0, real.describe()[-4000:]
    env_file = home / 'plugins' / 'vaulty' / '.env'
    text = env_file.read_text()
    assert CANARIES['role'] in text and CANARIES['env'] in text, 'the canaries did not reach the .env'
    again = run(playbook(CANARIES['role'], CANARIES['env']))
    assert again.rc == 0 and again.changed() == 0, again.describe()[-4000:]
    checked = run(playbook(CANARIES['check_role'], CANARIES['check_env']), check=True)
    assert checked.rc == 0, checked.describe()[-4000:]
    assert checked.task('set the second secret with atk_env')['changed'] is True
    assert env_file.read_text() == text, 'check mode wrote the .env'
    failed = run(failing_playbook(True))
    assert failed.rc != 0
    fail_msg = failed.task('leaky')['msg']
    assert 'Install failed' in fail_msg and 'exit code 7' in fail_msg, fail_msg
    retried = run(failing_playbook(False))
    assert retried.rc != 0
    retry_msg = retried.task('leaky')['msg']
    assert 'Install failed' in retry_msg and 'rejected by the server' in retry_msg, retry_msg
    # Only the .env held the token this time, so the masking is atk.core's own, not Ansible's no_log.
    assert 'token ******** rejected by the server' in retry_msg, retry_msg
    assert CANARIES['fail'] in (home / 'plugins' / 'leaky' / '.env').read_text()

    # Content diffs: the registry's next vaulty holds the value of its secret VAULTY_VAR_1 in a script and SKILL.md.
    registry.update_plugin('vaulty', {'SKILL.md': '# vaulty\n\nExample: VAULTY_VAR_1=%s\n' % CANARIES['role'],
                                      'mcp.sh': '#!/bin/sh\nTOKEN=%s exec cat\n' % CANARIES['role']})
    with ArgvSampler() as sampler:
        preview = ansible.run(Path('atk.core.upgrade'), check=True, diff=True, verbosity=3, extra_args=vault_args,
                              extra_vars={'atk_plan_out': 'upgrade-plan.json'})
    runs.append((preview, sampler))
    figure.add('runs')
    figure.add('argv', sampler.samples)
    assert preview.rc == 0, preview.describe()[-4000:]
    items = [d for r in preview.results if r['action'] == 'atk.core.atk_converge' for d in r['result'].get('diff', [])]
    assert any('\nTOKEN=******** exec cat' in '%s' % d.get('after') for d in items), items
    assert any('Example: VAULTY_VAR_1=********' in '%s' % d.get('after') for d in items), items
    assert list((isolated_env.root / 'ansible').glob('run-*/upgrade-plan.json')), 'the saved plan was not written'

    hits = _leaks(CANARIES, runs, isolated_env, home,
                  [home, isolated_env.root / 'ansible-home', isolated_env.tmp, isolated_env.root / 'ansible'], figure)
    figure.set('hits', len(hits))
    assert not hits, '\n'.join(hits)


SCRIPT_CANARIES = {
    'script': 'cnry-SCRIPT-6d2f0a91e3',
    'undeclared': 'cnry-UNDECL-b4c7e2d018',
}


def test_script_and_logs_outputs_never_leak(isolated_env, registry_factory, ansible, figures, tmp_path):
    """The plugin's scripts and logs command print its secret values (a declared secret and a .env key
    plugin.yaml does not declare, neither of them in any task argument): atk_run (ok, failing, check mode),
    atk_logs (finished, and stopped by its timeout) and atk_backup/atk_restore, -vvv --diff, with the same
    scans as above. The values reach the .env through a vaulted file, then the tasks name no secret at all."""
    from harness.dataplugin import data_plugin  # pylint: disable=import-outside-toplevel
    figure = figures.suite('secrets-scripts', '{hits} hits ({runs} playbook runs -vvv --diff, {argv} argv samples, '
                                              '{files} files scanned)')
    registry_factory([data_plugin(), data_plugin('tailer', logs='./logs.sh follow')], lifecycle='keep')
    home = isolated_env.atk_home
    password_file = tmp_path / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD + '\n')
    password_file.chmod(0o600)
    vault_args = ['--vault-password-file', str(password_file)]
    secrets_file = tmp_path / 'secrets.yml'
    values = {'notes_token': SCRIPT_CANARIES['script'], 'undeclared': SCRIPT_CANARIES['undeclared']}
    _vault_file(ansible, password_file, secrets_file, values)
    backups = tmp_path / 'host-backups'
    tasks = [
        {'name': 'install', 'atk.core.atk_converge': {'plugins': [
            {'name': 'notes', 'env': {'NOTES_TOKEN': '{{ notes_token }}', 'NOTES_EXTRA': '{{ undeclared }}'}},
            {'name': 'tailer', 'env': {'NOTES_TOKEN': '{{ notes_token }}'}}]}},
        {'name': 'hello', 'atk.core.atk_run': {'plugin': 'notes', 'script': 'hello', 'args': ['x']}},
        {'name': 'failing', 'atk.core.atk_run': {'plugin': 'notes', 'script': 'hello', 'args': ['fail', '5']},
         'ignore_errors': True},
        {'name': 'logs', 'atk.core.atk_logs': {'plugins': ['notes', 'tailer'], 'lines': 400, 'timeout': 2}},
        {'name': 'backup', 'atk.core.atk_backup': {'dest': str(backups)}, 'register': 'saved'},
        {'name': 'restore', 'atk.core.atk_restore': {'plugin': 'notes', 'src': '{{ saved.plugins[0].dir }}'},
         'when': 'not ansible_check_mode'},
        {'name': 'show', 'ansible.builtin.debug': {'var': 'saved'}},
    ]
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(secrets_file)], 'tasks': tasks}]
    runs = []
    for check in (False, True):
        with ArgvSampler() as sampler:
            result = ansible.run(play, check=check, diff=True, verbosity=3, extra_args=vault_args)
        runs.append((result, sampler))
        figure.add('runs')
        figure.add('argv', sampler.samples)
        assert result.rc == 0, result.describe()[-4000:]
    real = runs[0][0]
    assert real.task('hello')['stderr'] == 'token=********\n'
    assert real.task('failing')['rc'] == 5 and 'token=********' in real.task('failing')['stderr']
    assert real.task('logs')['logs']['notes'][-1] == 'line 300 token=********'
    assert real.task('logs')['plugins'][1]['timed_out'] is True
    assert real.task('backup')['plugins'][0]['stdout'] == 'backing up with token ********'
    assert real.task('restore')['stdout'] == 'restoring with token ********'
    env_text = (home / 'plugins' / 'notes' / '.env').read_text()
    assert SCRIPT_CANARIES['script'] in env_text and SCRIPT_CANARIES['undeclared'] in env_text

    hits = _leaks(SCRIPT_CANARIES, runs, isolated_env, home,
                  [home, backups, isolated_env.root / 'ansible-home', isolated_env.tmp, isolated_env.root / 'ansible'], figure)
    figure.set('hits', len(hits))
    assert not hits, '\n'.join(hits)
