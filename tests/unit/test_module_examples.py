# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES are tasks its argument spec accepts.

Each task of EXAMPLES that calls an atk.core module is validated with the module's own argument
spec and rules (``_specs.ATK_<NAME>`` and ``ATK_<NAME>_RULES``, what ``_module.new`` is given),
through ansible's ArgumentSpecValidator: a renamed or removed option, a wrong type, a missing
required option or a broken rule in an example fails here. A templated value (``{{ ... }}``)
stands for a value of the option's type, and atk_agent's short ``plugins: [exa]`` form is expanded
as the module does before validating.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import importlib
import os

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.atk.core.plugins.module_utils import _specs
from ansible_collections.atk.core.plugins.module_utils._agents import _items

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if name.endswith('.py') and not name.startswith('_'))
STAND_INS = {'bool': True, 'int': 1, 'float': 1.0, 'list': [], 'dict': {}, 'path': '/x', 'str': 'x', 'raw': 'x'}


class _Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """YAML as Ansible reads it: a ``!vault`` value is a string once decrypted."""


_Loader.add_constructor('!vault', lambda loader, node: '{{ vaulted }}')


def _templated(value):
    return isinstance(value, str) and '{{' in value


def _stand_in(option):
    if option.get('type') == 'list' and option.get('elements') not in (None, 'dict'):
        return [STAND_INS[option['elements']]]
    return STAND_INS[option.get('type', 'str')]


def _untemplate(args, spec):
    """``args`` with every templated value replaced by a value of its option's type."""
    out = {}
    for key, value in args.items():
        option = spec.get(key)
        if option is None:
            option = next((o for o in spec.values() if key in o.get('aliases', ())), None)
        if option is None:
            out[key] = value  # the validator names the unknown option
        elif _templated(value):
            out[key] = _stand_in(option)
        elif option.get('options') and isinstance(value, dict):
            out[key] = _untemplate(value, option['options'])
        elif option.get('options') and isinstance(value, list):
            out[key] = [_untemplate(item, option['options']) if isinstance(item, dict) else item for item in value]
        elif isinstance(value, list) and option.get('elements') not in (None, 'dict'):
            out[key] = [STAND_INS[option['elements']] if _templated(item) else item for item in value]
        else:
            out[key] = value
    return out


def _example_calls():
    for name in MODULES:
        module = importlib.import_module('ansible_collections.atk.core.plugins.modules.%s' % name)
        tasks = yaml.load(module.EXAMPLES, Loader=_Loader)  # nosec B506 - a SafeLoader
        assert isinstance(tasks, list) and tasks, '%s: EXAMPLES must be a list of tasks' % name
        for number, task in enumerate(tasks):
            calls = [(key.rsplit('.', 1)[1], args) for key, args in task.items() if key.startswith('atk.core.atk_')]
            for called, args in calls:
                yield pytest.param(called, args or {}, id='%s-%d-%s' % (name, number, called))


@pytest.mark.parametrize('module, args', list(_example_calls()))
def test_example_task_passes_the_module_argument_spec(module, args):
    spec = getattr(_specs, module.upper())
    rules = getattr(_specs, module.upper() + '_RULES', {})
    if module == 'atk_agent' and 'plugins' in args:
        args = dict(args, plugins=_items.expand_names(args['plugins']))  # as atk_agent's _load_params does
    result = ArgumentSpecValidator(spec, **rules).validate(_untemplate(args, spec))
    assert not result.error_messages, result.error_messages


def test_every_module_has_an_example_of_itself():
    called = set(call.values[0] for call in _example_calls())
    assert called >= set(MODULES), sorted(set(MODULES) - called)
