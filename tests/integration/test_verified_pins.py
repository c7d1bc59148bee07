# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verified pins through real ``ansible-playbook`` runs: keys made in the test, no network.

* SSH (through the role, in-process): a registry whose HEAD is signed by an allowed key installs;
  the no-op run after stays offline; a second plugin at the same commit is remembered, not checked
  again; an unsigned HEAD and a foreign-signed HEAD are refused, in check mode and for real, with
  the home byte-identical before and after; a new signed HEAD upgrades.
* OpenPGP (atk_plugin on the module path, ``gpg_allowlist``): the same for a registry, and a git
  source; a good signature by a key of the keyring that the allow-list does not name is refused.
* The home repository: a clone whose tip is unsigned checks out nothing; an update whose upstream tip
  is signed by a foreign key is refused and leaves the home as it was.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
import yaml

from harness import AtkPeer, git, synthetic_plugin
from harness.signing import PRINCIPAL, Signers


@pytest.fixture
def signers(tmp_path):
    made = Signers(tmp_path / 'keys')
    yield made
    made.close()


def snapshot(root):
    """Every path under ``root`` (``.git`` included): kind, mode and the bytes' digest."""
    out = {}
    for folder, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            full = os.path.join(folder, name)
            info = os.lstat(full)
            if stat.S_ISREG(info.st_mode):
                with open(full, 'rb') as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                digest = os.readlink(full)
            else:
                digest = None
            out[os.path.relpath(full, str(root))] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), digest)
    return out


def pins(home):
    manifest = yaml.safe_load((Path(home) / 'manifest.yaml').read_text())
    return dict((p['directory'], p['source']['ref']) for p in manifest['plugins'])


def role_play(signers, plugins, state='present'):
    return [{'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'atk.core.atk', 'vars': {
        'atk_plugins': plugins, 'atk_state': state, 'atk_verify_commit': True,
        'atk_ssh_allowed_signers': str(signers.allowed_signers)}}]}]


CONVERGE = 'atk.core.atk : Converge the ATK home, its plugins and their agents'


def refused(result, task):
    assert result.rc != 0, result.describe()
    return result.task(task)['msg']


def test_ssh_signed_registry_head_installs_and_unsigned_or_foreign_heads_are_refused(
        registry_factory, isolated_env, ansible, signers):
    registry = registry_factory([synthetic_plugin('alpha'), synthetic_plugin('beta')], lifecycle='keep')
    home = isolated_env.atk_home
    signed = signers.sign(registry, 'trusted')

    first = ansible.run(role_play(signers, [{'name': 'alpha'}]))
    assert first.rc == 0, first.describe()
    result = first.task(CONVERGE)
    assert pins(home) == {'alpha': signed}
    assert result['verified'] == [{'commit': signed, 'source': 'https://github.com/Svtoo/atk-registry', 'format': 'ssh',
                                   'key': signers.ssh_fingerprint('trusted'), 'signer': PRINCIPAL, 'remembered': False}]

    again = ansible.run(role_play(signers, [{'name': 'alpha'}]))
    assert again.rc == 0 and again.changed() == 0, again.describe()
    assert again.task(CONVERGE)['network']['contacts'] == 0 and again.task(CONVERGE)['verified'] == []

    both = ansible.run(role_play(signers, [{'name': 'alpha'}, {'name': 'beta'}]))
    assert both.rc == 0, both.describe()
    assert pins(home) == {'alpha': signed, 'beta': signed}
    assert [(v['commit'], v['remembered']) for v in both.task(CONVERGE)['verified']] == [(signed, True)]

    unsigned = registry.update_plugin('alpha', {'SKILL.md': '# alpha\n\nAn unsigned change.\n'})
    foreign = None
    for label in ('unsigned', 'foreign'):
        if label == 'foreign':
            foreign = signers.sign(registry, 'foreign')
        head = registry.head()
        for check in (True, False):
            before = snapshot(home)
            result = ansible.run(role_play(signers, [{'name': 'alpha'}, {'name': 'beta'}], state='latest'), check=check)
            msg = refused(result, CONVERGE)
            assert 'Refusing commit %s of https://github.com/Svtoo/atk-registry' % head in msg, msg
            if label == 'unsigned':
                assert head == unsigned and 'it is not signed' in msg, msg
            else:
                assert head == foreign and 'signed by SSH key %s, which %s does not list' % (
                    signers.ssh_fingerprint('foreign'), signers.allowed_signers) in msg, msg
            assert snapshot(home) == before, (label, check)
            assert pins(home) == {'alpha': signed, 'beta': signed}

    release = signers.sign(registry, 'trusted', 'release 2')
    upgraded = ansible.run(role_play(signers, [{'name': 'alpha'}, {'name': 'beta'}], state='latest'))
    assert upgraded.rc == 0, upgraded.describe()
    assert pins(home)['alpha'] == release
    assert (home / 'plugins' / 'alpha' / 'SKILL.md').read_text() == '# alpha\n\nAn unsigned change.\n'
    assert [v['commit'] for v in upgraded.task(CONVERGE)['verified']] == [release]


def gpg_task(signers, **args):
    args = dict(args, verify_commit=True, in_process=False, gpg_allowlist=[signers.fingerprint['release']])
    return {'name': 'converge', 'atk.core.atk_plugin': args}


def test_openpgp_signed_registry_and_git_source(registry_factory, git_source_factory, isolated_env, ansible, signers):
    registry = registry_factory([synthetic_plugin('gamma')], lifecycle='keep')
    source = git_source_factory('acme/delta')
    home = isolated_env.atk_home
    env = {'GNUPGHOME': str(signers.verify_gnupghome)}
    signed = signers.sign(registry, 'release')
    signed_source = signers.sign(source, 'release')
    init = ansible.run_tasks([{'name': 'home', 'atk.core.atk_home': {}}])
    assert init.rc == 0, init.describe()

    first = ansible.run_tasks([gpg_task(signers, plugins=[{'name': 'gamma'}, {'url': source.source}])], play_env=env)
    assert first.rc == 0, first.describe()
    verified = dict((v['commit'], v) for v in first.task('converge')['verified'])
    assert sorted(verified) == sorted([signed, signed_source])
    assert verified[signed]['format'] == 'openpgp' and verified[signed]['key'] == signers.fingerprint['release']
    assert verified[signed]['signer'] == 'Release Manager <release@example.org>'
    assert pins(home) == {'gamma': signed, 'delta': signed_source}

    registry.update_plugin('gamma', {'SKILL.md': '# gamma\n\nUnsigned.\n'})
    stranger = signers.sign(source, 'stranger')
    for plugin, reason in (({'name': 'gamma', 'state': 'latest'}, 'it is not signed'),
                           ({'url': source.source, 'state': 'latest'},
                            'signed by OpenPGP key %s (Stranger <stranger@example.org>), which gpg_allowlist does not list'
                            % signers.fingerprint['stranger'])):
        for check in (True, False):
            before = snapshot(home)
            result = ansible.run_tasks([gpg_task(signers, plugins=[plugin])], play_env=env, check=check)
            msg = refused(result, 'converge')
            assert 'Refusing commit' in msg and reason in msg, msg
            assert snapshot(home) == before
    assert stranger == source.head()
    assert pins(home) == {'gamma': signed, 'delta': signed_source}

    # Another keyring is another policy: the remembered verification does not count there, and without the
    # release key in it the same commit is refused (fail closed).
    other = isolated_env.root / 'other-home'
    empty = isolated_env.root / 'empty-gnupg'
    empty.mkdir(mode=0o700)
    result = ansible.run_tasks([{'name': 'other home', 'atk.core.atk_home': {'path': str(other)}},
                                gpg_task(signers, home=str(other), plugins=[{'name': 'gamma', 'version': signed}])],
                               play_env={'GNUPGHOME': str(empty)})
    assert 'Refusing commit %s' % signed in refused(result, 'converge')
    assert 'which is not in the OpenPGP keyring %s' % empty in result.task('converge')['msg']
    assert pins(other) == {}


def test_the_home_repository_is_verified_on_clone_and_update(tmp_path, registry_factory, isolated_env, ansible, signers):
    registry = registry_factory([synthetic_plugin('alpha')], lifecycle='keep')
    signers.sign(registry, 'trusted')
    admin = AtkPeer(isolated_env)
    admin.init()
    admin.add('alpha')
    upstream = tmp_path / 'team.git'
    git('clone', '-q', '--bare', str(admin.home), str(upstream))
    git('remote', 'add', 'origin', str(upstream), cwd=admin.home)
    home = tmp_path / 'host-home'
    play = {'name': 'home', 'atk.core.atk_converge': {'home': str(home), 'repo': str(upstream), 'verify_commit': True,
                                                      'ssh_allowed_signers': str(signers.allowed_signers)}}

    for check in (True, False):
        result = ansible.run_tasks([play], check=check)
        msg = refused(result, 'home')
        assert 'The home step failed: Refusing commit %s of the home repository %s: it is not signed' % (
            git('rev-parse', 'HEAD', cwd=upstream).stdout.strip(), upstream) in msg, msg
        assert not home.exists() and not [n for n in os.listdir(str(tmp_path)) if n.startswith('.atk-core-tmp')]

    def push_signed(who):
        sha = signers.sign(admin.home, who, 'team release by %s' % who)
        git('push', '-q', 'origin', 'HEAD', cwd=admin.home)
        return sha

    tip = push_signed('trusted')
    cloned = ansible.run_tasks([play])
    assert cloned.rc == 0, cloned.describe()
    assert [a['action'] for a in cloned.task('home')['home_actions']][:1] == ['clone']
    assert cloned.task('home')['verified'][0]['commit'] == tip
    assert git('rev-parse', 'HEAD', cwd=home).stdout.strip() == tip

    noop = ansible.run_tasks([play])
    assert noop.rc == 0 and noop.changed() == 0, noop.describe()
    foreign = push_signed('foreign')
    before = snapshot(home)
    for check in (True, False):
        result = ansible.run_tasks([play], check=check)
        msg = refused(result, 'home')
        assert 'Refusing commit %s of the home repository' % foreign in msg and 'signed by SSH key' in msg, msg
        assert snapshot(home) == before
    atk_home = ansible.run_tasks([{'name': 'update', 'atk.core.atk_home': {
        'path': str(home), 'update': True, 'verify_commit': True, 'ssh_allowed_signers': str(signers.allowed_signers)}}])
    assert 'Refusing commit %s' % foreign in refused(atk_home, 'update')
    assert snapshot(home) == before

    fixed = push_signed('trusted')
    updated = ansible.run_tasks([play])
    assert updated.rc == 0, updated.describe()
    assert git('rev-parse', 'HEAD', cwd=home).stdout.strip() == fixed
