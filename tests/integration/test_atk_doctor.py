"""atk.core.atk_doctor through real ansible-playbook, compared with the real ``atk doctor`` on a twin home."""

from __future__ import annotations

import shutil
import subprocess

import yaml

LEAK = 'leak-secret-789'


def doctor(args=None, name='doctor'):
    return {'name': name, 'atk.core.atk_doctor': dict(args or {})}


def git(env, home, *args):
    return subprocess.run(['git'] + list(args), cwd=str(home), env=env.environ(), text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)


def leaky_home(atk_peer, tmp_path):
    """A home like pre-0.4 atk left it: the local plugin's exemption after the secret rules, its .env committed."""
    atk_peer.init()
    src = tmp_path / 'src' / 'leaky'
    src.mkdir(parents=True)
    (src / 'plugin.yaml').write_text(yaml.safe_dump({
        'schema_version': '2026-01-23', 'name': 'Leaky', 'description': 'd', 'maturity': 'verified',
        'env_vars': [{'name': 'LEAKY_TOKEN', 'secret': True}]}))
    (src / 'custom').mkdir()
    (src / 'custom' / 'settings.env').write_text('X=%s\n' % LEAK)
    proc = atk_peer.run('add', str(src), input=LEAK + '\n')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    home = atk_peer.home
    gitignore = (home / '.gitignore').read_text()
    block = '\n# Always ignore secrets \u2014 keep LAST (gitignore is last-match-wins)\n*.env\n.env.*\n'
    assert gitignore.endswith('!plugins/leaky/\n!plugins/leaky/**\n' + block)
    old = gitignore.replace(block, '').replace('!plugins/leaky/\n!plugins/leaky/**\n', '')
    (home / '.gitignore').write_text(old.rstrip('\n') + '\n' + block + '!plugins/leaky/\n!plugins/leaky/**\n')
    assert atk_peer.git('add', '-A').returncode == 0
    assert atk_peer.git('-c', 'user.name=old', '-c', 'user.email=old@atk', 'commit', '-q', '-m', 'pre-0.4 add').returncode == 0
    tracked = atk_peer.git('ls-files').stdout.split()
    assert 'plugins/leaky/.env' in tracked and 'plugins/leaky/custom/settings.env' in tracked
    return home


def test_doctor_matches_atk_doctor(atk_peer, ansible, isolated_env, tmp_path):
    home = leaky_home(atk_peer, tmp_path)
    twin = tmp_path / 'twin'
    shutil.copytree(str(home), str(twin), symlinks=True)

    res = ansible.run_tasks([doctor({}, 'check')], check=True, diff=True)
    assert res.rc == 0, res.describe()
    check = res.task('check')
    assert check['changed'] is True and check['committed'] is True
    assert check['untracked_secrets'] == ['plugins/leaky/.env', 'plugins/leaky/custom/settings.env']
    assert 'plugins/leaky/.env\n' in check['diff'][1]['before']
    assert 'plugins/leaky/.env' in atk_peer.git('ls-files').stdout  # nothing changed yet

    res = ansible.run_tasks([doctor({}, 'repair'), doctor({}, 'again')])
    assert res.rc == 0, res.describe()
    repair = res.task('repair')
    assert repair['changed'] is True and repair['gitignore_fixed'] is True and repair['committed'] is True
    assert repair['untracked_secrets'] == ['plugins/leaky/.env', 'plugins/leaky/custom/settings.env']
    assert any('ROTATE' in w for w in repair['warnings'])
    again = res.task('again')
    assert again['changed'] is False and again['messages'][-1] == 'Nothing to fix: ATK Home is healthy'
    assert LEAK not in res.stdout + res.stderr

    proc = atk_peer.run('doctor', env={'ATK_HOME': str(twin)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Committed the repair' in proc.stdout
    # same files, same index, same commit (message, identity, tree)
    assert (home / '.gitignore').read_bytes() == (twin / '.gitignore').read_bytes()
    assert (home / 'plugins' / 'leaky' / '.env').read_text() == (twin / 'plugins' / 'leaky' / '.env').read_text()
    for args in (['ls-files', '-s'], ['log', '-1', '--format=%s%n%an <%ae>%n%cn <%ce>%n%T'], ['status', '--porcelain']):
        assert git(isolated_env, home, *args).stdout == git(isolated_env, twin, *args).stdout, args
    assert git(isolated_env, home, 'log', '-1', '--format=%s').stdout == 'atk doctor: keep secrets out of git\n'


def test_doctor_keeps_other_staged_work_out_of_its_commit(atk_peer, ansible, isolated_env, tmp_path):
    home = leaky_home(atk_peer, tmp_path)
    (home / 'notes.md').write_text('mine\n')
    assert atk_peer.git('add', 'notes.md').returncode == 0
    res = ansible.run_tasks([doctor()])
    assert res.rc == 0, res.describe()
    assert res.task('doctor')['committed'] is True
    files = git(isolated_env, home, 'show', '--name-status', '--format=', 'HEAD').stdout.split('\n')
    assert sorted(line for line in files if line) == sorted(['M\t.gitignore', 'D\tplugins/leaky/.env',
                                                             'D\tplugins/leaky/custom/settings.env'])
    assert git(isolated_env, home, 'status', '--porcelain').stdout == 'A  notes.md\n'
    assert (home / 'plugins' / 'leaky' / '.env').exists()


def test_doctor_without_auto_commit_stages_only(atk_peer, ansible, isolated_env, tmp_path):
    home = leaky_home(atk_peer, tmp_path)
    manifest = (home / 'manifest.yaml').read_text().replace('auto_commit: true', 'auto_commit: false')
    (home / 'manifest.yaml').write_text(manifest)
    head = git(isolated_env, home, 'rev-parse', 'HEAD').stdout
    res = ansible.run_tasks([doctor()])
    assert res.rc == 0, res.describe()
    result = res.task('doctor')
    assert result['changed'] is True and result['committed'] is False
    assert 'Changes staged: commit them when ready (auto_commit is off)' in result['messages']
    assert git(isolated_env, home, 'rev-parse', 'HEAD').stdout == head
    staged = git(isolated_env, home, 'diff', '--cached', '--name-status').stdout
    assert 'D\tplugins/leaky/.env' in staged and 'M\t.gitignore' in staged


def test_healthy_home_is_not_changed(atk_peer, ansible):
    atk_peer.init()
    res = ansible.run_tasks([doctor()])
    assert res.rc == 0, res.describe()
    result = res.task('doctor')
    assert result['changed'] is False and result['untracked_secrets'] == [] and result['gitignore_fixed'] is False
