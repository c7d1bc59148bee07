# -*- coding: utf-8 -*-
"""The collection's own code is importable as ansible_collections.atk.core (plain pytest and ansible-test units)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import os

import ansible_collections.atk.core as collection


def test_collection_package_is_this_collection():
    paths = [os.path.realpath(p) for p in collection.__path__]
    assert any(os.path.isfile(os.path.join(p, 'galaxy.yml')) or os.path.isdir(os.path.join(p, 'plugins')) for p in paths), paths


def test_module_utils_package_resolves():
    from ansible_collections.atk.core.plugins import module_utils  # pylint: disable=import-outside-toplevel

    assert any(os.path.isdir(p) for p in module_utils.__path__)


def test_the_action_group_lists_every_module():
    """module_defaults: group/atk.core.atk must reach every module (each takes home and lock_timeout)."""
    import yaml  # pylint: disable=import-outside-toplevel

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, 'meta', 'runtime.yml')) as handle:
        group = yaml.safe_load(handle)['action_groups']['atk']
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(root, 'plugins', 'modules'))
                     if name.endswith('.py') and not name.startswith('_'))
    assert group == modules
