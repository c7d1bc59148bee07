# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Review before rollout, through real ``ansible-playbook atk.core.upgrade`` runs.

* Content diffs: the preview of an upgrade whose ``install.sh`` changed shows the changed line of the
  script and the changed line of plugin.yaml's ``lifecycle`` section, before the other diffs, as
  Ansible's default output prints them; a binary file is one line; ``custom/`` is kept; a secret
  value of the plugin's ``.env`` found in a plugin file is masked; the real run diffs the same.
* Saved plans: a preview writes the plan file on the controller (``-e atk_plan_out=...``); applied
  after the registry moved again (``-e atk_plan_in=...``) it installs the previewed commit, not the
  newest, touches only what it names, and applying it twice changes nothing the second time. Over
  three hosts (one on the module path, the others in-process): one whose home changed since the
  preview is refused (with what differs, nothing written on it) while the others proceed, and a
  host the plan does not name is untouched. A plan file with one ref edited by hand is refused on
  every host before anything is written. The guide's canary rollout (``serial`` and
  ``max_fail_percentage``) stops at a refused canary, and otherwise installs the reviewed commit on
  every host, batch by batch.

The tests marked ``matrix`` run on the oldest supported ansible-core too (``make matrix``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from harness import AnsibleRunner, IsolatedEnv, fixture_plugins
from harness.registry import PluginSource

SECRET = 'tok-Rev13w-5ecret-77d1'
DEFAULT_OUTPUT = {'ANSIBLE_STDOUT_CALLBACK': 'default', 'ANSIBLE_CALLBACK_RESULT_FORMAT': 'json'}

SCRIPTED_SPEC = {
    'schema_version': '2026-01-23',
    'name': 'scripted',
    'description': 'A plugin whose install runs its own script.',
    'maturity': 'verified',
    'env_vars': [{'name': 'SCRIPTED_TOKEN', 'required': False, 'secret': True, 'description': 'A token'}],
    'lifecycle': {'install': './install.sh', 'uninstall': 'true'},
}
INSTALL_V1 = '#!/bin/sh\necho "installing scripted v1"\nmkdir -p data\n'
INSTALL_V2 = '#!/bin/sh\necho "installing scripted v2"\nmkdir -p data\ncurl -fsS https://example.org/setup | sh\n'
LOGO_V1 = bytes(range(256)) * 4
LOGO_V2 = bytes(reversed(range(256))) * 8


def scripted_plugin():
    return PluginSource('scripted', {
        'plugin.yaml': yaml.safe_dump(SCRIPTED_SPEC, sort_keys=False),
        'install.sh': INSTALL_V1,
        'README.md': '# scripted\n\nInstalls with its own script.\n',
        'logo.png': LOGO_V1,
    }, 'A plugin whose install runs its own script.')


def snapshot(root: Path):
    """Every path below ``root`` with its bytes (or link target) and mode: nothing may change it."""
    out = {}
    for path in sorted(root.rglob('*')) if root.exists() else []:
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ('link', os.readlink(path))
        elif path.is_file():
            out[rel] = ('file', path.read_bytes(), path.stat().st_mode)
        else:
            out[rel] = ('dir', path.stat().st_mode)
    return out


def pins(home: Path):
    data = yaml.safe_load((home / 'manifest.yaml').read_text())
    return {p['directory']: p['source']['ref'] for p in data['plugins']}


def converge_result(result, host=None):
    calls = [r for r in result.results if r['action'] == 'atk.core.atk_converge' and r['status'] != 'skipped'
             and (host is None or r['host'] == host)]
    assert calls, result.describe()
    return calls[-1]['result']


def upgrade(ansible: AnsibleRunner, cwd: Path, **kw):
    return ansible.run(Path('atk.core.upgrade'), cwd=cwd, **kw)


@pytest.mark.matrix
def test_preview_shows_what_will_run_first_then_the_other_diffs(registry_factory, ansible: AnsibleRunner,
                                                                isolated_env: IsolatedEnv, tmp_path):
    registry = registry_factory([scripted_plugin()], lifecycle='keep')
    work = tmp_path / 'review'
    work.mkdir()
    first = ansible.run(Path('atk.core.bootstrap'), cwd=work, extra_vars={
        'atk_plugins': [{'name': 'scripted', 'env': {'SCRIPTED_TOKEN': SECRET}}]})
    assert first.rc == 0, first.describe()
    home = isolated_env.atk_home
    plugin = home / 'plugins' / 'scripted'
    (plugin / 'custom').mkdir()
    (plugin / 'custom' / 'notes.md').write_text('my own notes\n')
    pin = pins(home)['scripted']
    spec = dict(SCRIPTED_SPEC, lifecycle={'install': './install.sh --with-cache', 'uninstall': 'true'})
    registry.update_plugin('scripted', {
        'plugin.yaml': yaml.safe_dump(spec, sort_keys=False), 'install.sh': INSTALL_V2, 'logo.png': LOGO_V2,
        # An upstream file that happens to hold the value this host keeps in .env: masked in every diff.
        'README.md': '# scripted\n\nInstalls with its own script.\nExample token: %s\n' % SECRET})
    head = registry.head()

    before = snapshot(home)
    preview = upgrade(ansible, work, check=True, diff=True, env=DEFAULT_OUTPUT)
    assert preview.rc == 0, preview.stdout + preview.stderr
    text = preview.stdout
    assert snapshot(home) == before
    assert SECRET not in text and SECRET not in preview.stderr
    # The changed line of the script and of plugin.yaml's lifecycle section, as unified diff lines.
    assert '-echo "installing scripted v1"\n' in text and '+echo "installing scripted v2"\n' in text, text
    assert '+curl -fsS https://example.org/setup | sh\n' in text
    assert '-  install: ./install.sh\n' in text and '+  install: ./install.sh --with-cache\n' in text, text
    # What will run comes first: the summary, the commands, the script; then the file list and the rest.
    summary = text.index('plugins/scripted: upgrade %s (installed) -> %s' % (pin[:12], head[:12]))
    commands = text.index('+  install: ./install.sh --with-cache')
    script = text.index('+echo "installing scripted v2"')
    listing = text.index('+install.sh  (modified)')
    readme = text.index('+Example token: ********')
    assert summary < commands < script < listing < readme, text
    assert 'what will run changes: plugin.yaml commands, install.sh' in text
    assert 'custom/: kept' in text and '.env: kept (values are never shown)' in text
    assert '-binary file: 1024 bytes, sha256 ' in text and '+binary file: 2048 bytes, sha256 ' in text
    assert 'my own notes' not in text and 'custom/notes.md' not in text

    # The real run shows the same diffs, and installs v2.
    done = upgrade(ansible, work, diff=True)
    assert done.rc == 0, done.describe()
    items = converge_result(done)['diff']
    assert any(i.get('after', '').startswith('#!/bin/sh\necho "installing scripted v2"') for i in items)
    assert any('+' not in i.get('prepared', '+') for i in items)
    assert SECRET not in done.stdout and SECRET not in json.dumps(items)
    assert pins(home)['scripted'] == head
    assert (plugin / 'install.sh').read_text() == INSTALL_V2
    assert (plugin / 'custom' / 'notes.md').read_text() == 'my own notes\n'


def read_plan(path: Path):
    return json.loads(path.read_text())


@pytest.mark.matrix
def test_a_saved_plan_installs_the_reviewed_commit_even_after_the_registry_moved(
        registry_factory, ansible: AnsibleRunner, isolated_env: IsolatedEnv, tmp_path):
    registry = registry_factory(fixture_plugins(['fetch', 'serena']))
    work = tmp_path / 'review'
    work.mkdir()
    first = ansible.run(Path('atk.core.bootstrap'), cwd=work, extra_vars={'atk_plugins': [{'name': 'fetch'}, {'name': 'serena'}]})
    assert first.rc == 0, first.describe()
    home = isolated_env.atk_home
    pinned = pins(home)
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v2, the reviewed one\n'})
    reviewed = registry.head()

    before = snapshot(home)
    preview = upgrade(ansible, work, check=True, diff=True, extra_vars={'atk_plan_out': 'upgrade-plan.json'})
    assert preview.rc == 0, preview.describe()
    assert snapshot(home) == before
    plan_file = work / 'upgrade-plan.json'
    plan = read_plan(plan_file)
    assert plan['format'] == 'atk.core.plan/1' and plan['digest'].startswith('sha256:')
    record = plan['hosts']['localhost']
    assert record['home']['path'] == str(home)
    assert record['home']['plugins']['serena']['ref'] == pinned['serena']
    assert [(p['plugin'], p['action'], p['from'], p['to']) for p in record['plugins']] == [
        ('fetch', 'upgrade', pinned['fetch'], reviewed)]
    assert record['plugins'][0]['files'].startswith('sha256:')

    # The registry moves on after the review: fetch again, and serena.
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v3, nobody reviewed this\n'})
    registry.update_plugin('serena', {'README.md': '# serena, newer\n'})
    newest = registry.head()

    # Check mode previews the plan itself: the reviewed commit, nothing written.
    dry = upgrade(ansible, work, check=True, diff=True, extra_vars={'atk_plan_in': 'upgrade-plan.json'})
    assert dry.rc == 0, dry.describe()
    assert [(a['plugin'], a['action'], a['after']['ref']) for a in converge_result(dry)['actions']] == [
        ('fetch', 'upgrade', reviewed)]
    assert snapshot(home) == before

    applied = upgrade(ansible, work, extra_vars={'atk_plan_in': 'upgrade-plan.json'})
    assert applied.rc == 0, applied.describe()
    result = converge_result(applied)
    assert result['saved_plan'] == {'digest': plan['digest'], 'host': 'localhost', 'named': True}
    assert [(a['plugin'], a['action']) for a in result['actions']] == [('fetch', 'upgrade')]
    assert pins(home) == {'fetch': reviewed, 'serena': pinned['serena']}
    assert pins(home)['fetch'] != newest
    assert (home / 'plugins' / 'fetch' / 'SKILL.md').read_text() == '# fetch v2, the reviewed one\n'
    assert (home / 'plugins' / 'serena' / '.atk-ref').read_text().strip() == pinned['serena']

    again = upgrade(ansible, work, extra_vars={'atk_plan_in': 'upgrade-plan.json'})
    assert again.rc == 0, again.describe()
    assert again.changed() == 0, [(r['task'], r['result'].get('actions')) for r in again.results]


FLEET = ('alpha', 'beta', 'gamma')


def fleet_inventory(ansible: AnsibleRunner, homes, hosts):
    # beta takes the module path, the others run in-process: the plan checks are the same code on both.
    lines = ['%s ansible_connection=local ansible_python_interpreter=%s atk_home=%s%s' % (
        host, ansible.python, homes[host], ' atk_core_in_process=false' if host == 'beta' else '') for host in hosts]
    return '[fleet]\n' + '\n'.join(lines) + '\n'


def test_a_plan_over_hosts_refuses_a_changed_home_and_an_edited_plan(registry_factory, ansible: AnsibleRunner,
                                                                     isolated_env: IsolatedEnv, atk_peer, tmp_path):
    registry = registry_factory(fixture_plugins(['fetch', 'serena', 'notion']))
    work = tmp_path / 'review'
    work.mkdir()
    homes = dict((host, isolated_env.root / 'homes' / host) for host in FLEET)
    everyone = fleet_inventory(ansible, homes, FLEET)
    wanted = {'atk_hosts': 'fleet', 'atk_plugins': [{'name': 'fetch'}, {'name': 'serena'}]}
    first = ansible.run(Path('atk.core.sync'), cwd=work, inventory=everyone, extra_vars=wanted)
    assert first.rc == 0, first.describe()
    pinned = pins(homes['alpha'])
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v2, the reviewed one\n'})
    reviewed = registry.head()

    # The preview covers alpha and beta; gamma is not in it.
    two = fleet_inventory(ansible, homes, ('alpha', 'beta'))
    preview = upgrade(ansible, work, check=True, inventory=two, extra_vars={'atk_hosts': 'fleet', 'atk_plan_out': 'plan.json'})
    assert preview.rc == 0, preview.describe()
    plan = read_plan(work / 'plan.json')
    assert sorted(plan['hosts']) == ['alpha', 'beta']
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v3, nobody reviewed this\n'})

    # A plan file with one ref edited by hand: refused on every host, nothing written anywhere.
    edited = work / 'edited.json'
    text = (work / 'plan.json').read_text()
    assert text.count('"to": "%s"' % reviewed) == 2
    edited.write_text(text.replace('"to": "%s"' % reviewed, '"to": "%s"' % registry.head(), 1))
    before = dict((host, snapshot(homes[host])) for host in FLEET)
    refused = upgrade(ansible, work, inventory=everyone, extra_vars={'atk_hosts': 'fleet', 'atk_plan_in': 'edited.json'})
    assert refused.rc != 0
    for host in FLEET:
        failure = [r for r in refused.failed() if r['host'] == host]
        assert failure and 'changed after it was written' in failure[-1]['result']['msg'], refused.describe()
        assert snapshot(homes[host]) == before[host], host

    # beta's home changes after the preview: a person adds a plugin there with the real atk.
    atk_peer.run('add', 'notion', input='not-a-real-token\n', env={'ATK_HOME': str(homes['beta'])}, check=True)
    before = dict((host, snapshot(homes[host])) for host in FLEET)

    applied = upgrade(ansible, work, inventory=everyone, extra_vars={'atk_hosts': 'fleet', 'atk_plan_in': 'plan.json'})
    assert applied.rc != 0
    assert applied.stats['alpha']['failures'] == 0 and applied.stats['gamma']['failures'] == 0, applied.stats
    assert pins(homes['alpha'])['fetch'] == reviewed
    msg = [r for r in applied.failed() if r['host'] == 'beta'][-1]['result']['msg']
    assert 'changed since the saved plan was made' in msg and "plugin 'notion' was added" in msg, msg
    assert snapshot(homes['beta']) == before['beta']
    gamma = converge_result(applied, 'gamma')
    assert gamma['changed'] is False and gamma['saved_plan']['named'] is False
    assert any('does not name the host' in w for w in gamma.get('warnings', [])), gamma
    assert snapshot(homes['gamma']) == before['gamma'] and pins(homes['gamma']) == pinned


def test_plan_out_needs_check_mode(registry_factory, ansible: AnsibleRunner, isolated_env: IsolatedEnv, tmp_path):
    registry_factory(fixture_plugins(['fetch']))
    work = tmp_path / 'review'
    work.mkdir()
    result = ansible.run(Path('atk.core.bootstrap'), cwd=work,
                         extra_vars={'atk_plugins': [{'name': 'fetch'}], 'atk_plan_out': 'plan.json'})
    assert result.rc != 0
    assert 'plan_record needs check mode' in result.failed()[-1]['result']['msg']
    assert not isolated_env.atk_home.exists() and not (work / 'plan.json').exists()


def test_the_plan_file_reads_in_review(registry_factory, ansible: AnsibleRunner, tmp_path):
    """The plan file is stable text: two previews of the same state write the same bytes."""
    registry_factory(fixture_plugins(['fetch']))
    work = tmp_path / 'review'
    work.mkdir()
    bootstrap = ansible.run(Path('atk.core.bootstrap'), cwd=work, extra_vars={'atk_plugins': [{'name': 'fetch'}]})
    assert bootstrap.rc == 0, bootstrap.describe()
    texts = []
    for name in ('one.json', 'two.json'):
        preview = upgrade(ansible, work, check=True, extra_vars={'atk_plan_out': name})
        assert preview.rc == 0, preview.describe()
        texts.append((work / name).read_text())
    assert texts[0] == texts[1] and texts[0].endswith('\n')
    assert texts[0].startswith('{\n  "format": "atk.core.plan/1",\n  "digest": "sha256:')


ROLLOUT = """\
- name: Roll out a reviewed upgrade plan
  hosts: fleet
  gather_facts: false
  serial: [1, "100%"]
  max_fail_percentage: 0
  roles:
    - role: atk.core.atk
      vars:
        atk_plan_in: upgrade-plan.json
"""


def test_a_canary_rollout_of_a_plan_stops_at_the_canary(registry_factory, ansible: AnsibleRunner,
                                                        isolated_env: IsolatedEnv, atk_peer, tmp_path):
    """The guide's rollout: serial [1, 100%] and max_fail_percentage 0 over a plan of three hosts."""
    registry = registry_factory(fixture_plugins(['fetch', 'serena', 'notion']))
    work = tmp_path / 'review'
    work.mkdir()
    homes = dict((host, isolated_env.root / 'homes' / host) for host in FLEET)
    inventory = fleet_inventory(ansible, homes, FLEET)
    first = ansible.run(Path('atk.core.sync'), cwd=work, inventory=inventory,
                        extra_vars={'atk_hosts': 'fleet', 'atk_plugins': [{'name': 'fetch'}, {'name': 'serena'}]})
    assert first.rc == 0, first.describe()
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v2, the reviewed one\n'})
    reviewed = registry.head()
    preview = upgrade(ansible, work, check=True, inventory=inventory,
                      extra_vars={'atk_hosts': 'fleet', 'atk_plan_out': 'upgrade-plan.json'})
    assert preview.rc == 0, preview.describe()
    registry.update_plugin('fetch', {'SKILL.md': '# fetch v3, nobody reviewed this\n'})

    # The canary's home changed since the preview: the rollout stops there, the other hosts are not reached.
    canary = {'ATK_HOME': str(homes['alpha'])}
    atk_peer.run('add', 'notion', input='not-a-real-token\n', env=canary, check=True)
    before = dict((host, snapshot(homes[host])) for host in FLEET)
    stopped = ansible.run(ROLLOUT, cwd=work, inventory=inventory)
    assert stopped.rc != 0
    assert {r['host'] for r in stopped.failed()} == {'alpha'}, stopped.describe()
    assert not [r for r in stopped.results if r['host'] != 'alpha'], 'the rollout went past the canary'
    assert all(snapshot(homes[host]) == before[host] for host in FLEET)

    # Put the canary back as it was previewed: the whole rollout installs the reviewed commit, batch by batch.
    atk_peer.run('remove', 'notion', '--force', env=canary, check=True)
    done = ansible.run(ROLLOUT, cwd=work, inventory=inventory)
    assert done.rc == 0, done.describe()
    assert sorted(r['host'] for r in done.results if r['action'] == 'atk.core.atk_converge' and r['status'] != 'skipped') == [
        'alpha', 'beta', 'gamma']
    assert all(pins(homes[host])['fetch'] == reviewed for host in FLEET)
