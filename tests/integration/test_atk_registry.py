# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acceptance tests of atk.core.atk_registry through real ``ansible-playbook`` runs.

The registry is served by a real ``git daemon`` on loopback and reached through the git
``insteadOf`` redirect of atk's hard-coded URL; the real atk 0.4.0 is the reference for search.
"""

from __future__ import annotations

import re

import yaml

from harness import build_registry, fixture_plugins


def registry_task(title, **args):
    return {'name': title, 'atk.core.atk_registry': args}


def atk_search_names(atk_peer, query):
    """The plugin names of ``atk search <query>`` (first column of its table)."""
    if not (atk_peer.home / 'manifest.yaml').exists():
        atk_peer.init()  # atk needs a home even to search
    proc = atk_peer.run('search', query, check=True)
    names = []
    for line in proc.stdout.splitlines():
        # rows: two spaces, an installed mark or two more spaces, the name; wrapped descriptions are deeper
        match = re.match(r'^  (?:✓ |  )([a-z0-9][a-z0-9._-]*)(?:\s|$)', line)
        if match and match.group(1) != 'NAME':
            names.append(match.group(1))
    return names


def test_registry_present_latest_query_validate(registry, git_daemon, test_id, atk_peer, ansible):
    """9. present (offline when cached), query like atk search, validate, latest after a commit, a broken registry."""
    old = registry.head()
    query = 'memory'
    res = ansible.run_tasks([
        registry_task('present'),
        registry_task('present-again'),
        registry_task('query', query=query),
        registry_task('validate', validate=True),
    ])
    assert res.rc == 0, res.describe()
    first, again = res.task('present'), res.task('present-again')
    assert first['changed'] is True and first['before'] == {'cached': False, 'commit': None}
    assert first['commit'] == old and first['after'] == {'cached': True, 'commit': old}
    assert first['network']['contacts'] >= 1
    assert [e['name'] for e in first['index']] == registry.slugs()
    assert first['index'][0] == {k: registry.index()['plugins'][0][k] for k in ('name', 'path', 'description')}
    assert again['changed'] is False and again['commit'] == old
    assert again['network']['contacts'] == 0, again['network']

    # query: the same plugins atk search finds
    found = [e['name'] for e in res.task('query')['index']]
    expected = [e['name'] for e in registry.index()['plugins']
                if query in e['name'].lower() or query in e['description'].lower()]
    assert found == expected and 0 < len(found) < len(registry.slugs()), found
    assert sorted(found) == sorted(atk_search_names(atk_peer, query))
    assert len(atk_search_names(atk_peer, '')) == len(registry.slugs())  # the parser sees every row

    # validate: every plugin of the fixture registry is valid
    validation = res.task('validate')['validation']
    assert validation == {'valid': registry.slugs(), 'invalid': []}

    # a registry commit: latest moves to it (check mode predicts without moving), present stays offline
    new = registry.update_plugin('exa', {'SKILL.md': '# exa v2\n'})
    broken = build_registry(git_daemon.init_repo('registries/%s-broken' % test_id), fixture_plugins(['exa', 'fetch', 'serena']))
    spec = broken.plugin_spec('fetch')
    spec['bogus_key'] = 1
    broken.update_plugin('fetch', {'plugin.yaml': spec})
    res = ansible.run_tasks([
        dict(registry_task('latest-check', state='latest'), check_mode=True),
        registry_task('present-before', version=None),
        registry_task('latest', state='latest'),
        registry_task('latest-again', state='latest'),
        registry_task('present-after'),
        dict(registry_task('validate-broken', url=broken.url, validate=True), ignore_errors=True),
    ])
    assert res.data is not None, res.describe()
    check = res.task('latest-check')
    assert check['changed'] is True and check['commit'] == new
    assert res.task('present-before')['commit'] == old  # the check run moved nothing
    latest = res.task('latest')
    assert latest['changed'] is True and latest['before']['commit'] == old and latest['commit'] == new
    again = res.task('latest-again')
    assert again['changed'] is False and again['commit'] == new
    assert again['network']['contacts'] == 1  # one ls-remote, nothing fetched
    present = res.task('present-after')
    assert present['changed'] is False and present['commit'] == new and present['network']['contacts'] == 0

    assert res.entry('validate-broken')['status'] == 'failed'
    failed = res.task('validate-broken')
    assert '1 plugin(s) of %s are invalid' % broken.url in failed['msg'], failed['msg']
    assert 'fetch' in failed['msg'] and 'bogus_key' in failed['msg'], failed['msg']
    assert failed['validation']['valid'] == ['exa', 'serena']
    assert [i['name'] for i in failed['validation']['invalid']] == ['fetch']
    assert yaml.safe_load(broken.read('index.yaml'))['plugins'][1]['name'] == 'fetch'


def test_one_bad_index_entry_leaves_the_other_plugins_usable(git_daemon, test_id, isolated_env, ansible):
    """An unsafe index entry is skipped with a warning naming it: every other plugin installs, asking
    for the bad one is the clear error, and atk_registry's validate still reports it as an error."""
    reg = build_registry(git_daemon.init_repo('registries/%s-one-bad' % test_id), fixture_plugins(['exa', 'fetch']))
    index = yaml.safe_load(reg.read('index.yaml'))
    index['plugins'].insert(1, {'name': 'evil', 'path': 'plugins/../../outside', 'description': 'escapes'})
    reg.commit({'index.yaml': yaml.safe_dump(index)}, 'a bad entry')
    res = ansible.run_tasks([
        {'name': 'home', 'atk.core.atk_home': {}},
        {'name': 'good', 'atk.core.atk_plugin': {'plugins': [{'name': 'exa'}, {'name': 'fetch'}], 'registry_url': reg.url,
                                                 'lifecycle': False}},
        dict({'name': 'bad', 'atk.core.atk_plugin': {'name': 'evil', 'registry_url': reg.url}}, ignore_errors=True),
        dict(registry_task('validate', url=reg.url, validate=True), ignore_errors=True),
    ])
    assert res.data is not None, res.describe()
    good = res.task('good')
    assert good['changed'] is True and sorted(good['changed_plugins']) == ['exa', 'fetch']
    assert any("'evil'" in w and "unsafe path 'plugins/../../outside'" in w for w in good.get('warnings', [])), good.get('warnings')
    assert (isolated_env.atk_home / 'plugins' / 'fetch' / 'plugin.yaml').is_file()
    assert res.entry('bad')['status'] == 'failed'
    assert "unsafe path 'plugins/../../outside'" in res.task('bad')['msg']
    assert res.entry('validate')['status'] == 'failed'
    validation = res.task('validate')['validation']
    assert validation['valid'] == ['exa', 'fetch']
    assert [i['name'] for i in validation['invalid']] == ['evil']
    assert not (isolated_env.root / 'outside').exists()
