# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""roles/*/defaults/main.yml and meta/argument_specs.yml say the same thing.

Every default has a spec and every spec option has a default (or is templated in defaults),
names carry the role prefix, literal defaults equal the spec's ``default``, and the options of
``atk_plugins`` items are exactly the ``plugins`` suboptions of the atk_plugin module they feed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import ast
import os

import pytest
import yaml

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES_DIR = os.path.join(COLLECTION_ROOT, 'roles')
ROLES = sorted(r for r in os.listdir(ROLES_DIR) if os.path.isfile(os.path.join(ROLES_DIR, r, 'meta', 'argument_specs.yml')))
TYPES = {'str': str, 'bool': bool, 'list': list, 'dict': dict, 'int': int, 'raw': object, 'path': str}


def _load(*parts):
    with open(os.path.join(ROLES_DIR, *parts)) as handle:
        return yaml.safe_load(handle) or {}


def _module_doc(name):
    """The parsed DOCUMENTATION of plugins/modules/<name>.py (read with ast: no import needed)."""
    with open(os.path.join(COLLECTION_ROOT, 'plugins', 'modules', name + '.py')) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DOCUMENTATION' for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError('no DOCUMENTATION in %s' % name)


def _templated(value):
    return isinstance(value, str) and '{{' in value


@pytest.fixture(params=ROLES)
def role(request):
    defaults = _load(request.param, 'defaults', 'main.yml')
    specs = _load(request.param, 'meta', 'argument_specs.yml')['argument_specs']
    return request.param, defaults, specs['main']['options']


def test_there_is_a_role_with_specs():
    assert 'atk' in ROLES


def test_every_default_has_a_spec_and_every_spec_a_default(role):
    _name, defaults, options = role
    assert sorted(defaults) == sorted(options), (
        'only in defaults: %s; only in argument_specs: %s' % (sorted(set(defaults) - set(options)), sorted(set(options) - set(defaults))))


def test_names_carry_the_role_prefix(role):
    name, defaults, options = role
    for key in list(defaults) + list(options):
        assert key.startswith(name + '_'), key


def test_literal_defaults_match_the_spec(role):
    _name, defaults, options = role
    for key, value in defaults.items():
        spec = options[key]
        assert spec.get('description'), '%s has no description' % key
        assert spec.get('type') in TYPES, '%s has no (known) type' % key
        if _templated(value):
            # A computed default cannot be stated in the spec; the spec must then not claim one.
            assert 'default' not in spec, '%s: templated default, but the spec states %r' % (key, spec['default'])
            continue
        assert 'default' in spec, '%s: default %r is not in the spec' % (key, value)
        assert spec['default'] == value, '%s: defaults/main.yml has %r, argument_specs %r' % (key, value, spec['default'])
        assert isinstance(value, TYPES[spec['type']]), '%s: %r is not a %s' % (key, value, spec['type'])
        if 'choices' in spec:
            assert value in spec['choices'], key


def test_plugin_items_match_the_module_suboptions():
    options = _load('atk', 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
    item_options = options['atk_plugins']['options']
    module_items = _module_doc('atk_plugin')['options']['plugins']['suboptions']
    # 'agents' is the one key the role takes out and hands to atk_agent instead.
    assert sorted(k for k in item_options if k != 'agents') == sorted(module_items)
    agent_choices = _module_doc('atk_agent')['options']['agents']['choices']
    assert item_options['agents']['choices'] == agent_choices
    for key, spec in item_options.items():
        if key == 'agents':
            continue
        module_type = module_items[key]['type']
        # The role passes items through untouched; a path is a str before the module expands it.
        assert spec['type'] == ('str' if module_type == 'path' else module_type), key
        assert spec.get('choices') == module_items[key].get('choices'), key


def test_the_readme_lists_every_variable(role):
    """roles/<role>/README.md (what Galaxy shows) has a table row for every option of the argument spec, and no other."""
    name, _defaults, options = role
    with open(os.path.join(ROLES_DIR, name, 'README.md')) as handle:
        rows = [line.split('|')[1].strip().strip('`') for line in handle if line.startswith('| `')]
    variables = [row for row in rows if row.startswith(name + '_')]
    assert sorted(variables) == sorted(options), (
        'only in README.md: %s; only in argument_specs: %s' % (sorted(set(variables) - set(options)), sorted(set(options) - set(variables))))
