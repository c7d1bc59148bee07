# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A return value that two modules make with the same code is documented the same in both.

ansible-core reads RETURN from the module file only (doc fragments extend DOCUMENTATION, not
RETURN), so these texts are written once per module; this test is what keeps the copies from
drifting apart.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import importlib
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if name.endswith('.py') and not name.startswith('_'))

# atk_converge's plugins step is _converge.converge_plugins, atk_plugin's whole work.
# (``plugins`` there points at atk_plugin's entry; ``network`` covers only its plugins step.)
PLUGIN_RUN_RETURNS = ('counts', 'actions', 'before', 'after', 'changed_plugins', 'unchanged_plugins', 'verified')


def _returns(name):
    module = importlib.import_module('ansible_collections.atk.core.plugins.modules.%s' % name)
    return yaml.safe_load(module.RETURN)


@pytest.mark.parametrize('key', PLUGIN_RUN_RETURNS)
def test_plugin_run_returns_are_documented_alike(key):
    assert _returns('atk_plugin')[key] == _returns('atk_converge')[key]


def test_home_path_is_documented_alike_wherever_returned():
    returns = dict((name, _returns(name) or {}) for name in MODULES)
    documented = dict((name, r['home']) for name, r in returns.items() if r.get('home', {}).get('type') == 'str')
    assert len(documented) >= 2, documented
    first = sorted(documented)[0]
    assert [name for name in documented if documented[name] != documented[first]] == []
