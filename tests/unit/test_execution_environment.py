# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""execution-environment.yml (ansible-builder v3) and the dependency files it and meta/ point at."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return handle.read()


def _requirements(text):
    names = []
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            names.append(re.split(r'[<>=!~\[; ]', line, 1)[0].lower())
    return names


def test_execution_environment_is_builder_v3_with_the_collection_and_its_dependencies():
    ee = yaml.safe_load(_read('execution-environment.yml'))
    assert ee['version'] == 3
    assert ee['images']['base_image']['name']
    deps = ee['dependencies']
    assert deps['ansible_core']['package_pip'].startswith('ansible-core')
    assert deps['ansible_runner']['package_pip'].startswith('ansible-runner')
    assert any('atk.core' in c['name'] for c in deps['galaxy']['collections'])
    assert sorted(_requirements(_read(deps['python']))) == ['jsonschema', 'pyyaml']
    assert _requirements(_read(deps['system'])) == ['git']


def test_collection_declares_its_dependencies_for_introspection():
    meta = yaml.safe_load(_read('meta', 'execution-environment.yml'))
    assert meta['dependencies'] == {'python': 'requirements.txt', 'system': 'bindep.txt'}
    for name in meta['dependencies'].values():
        assert os.path.isfile(os.path.join(ROOT, name)), name
