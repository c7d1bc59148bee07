# -*- coding: utf-8 -*-
"""Make ``ansible_collections.atk.core`` importable when tests/unit runs under plain pytest.

``ansible-test units`` installs Ansible's collection finder before it collects anything, so
this file does nothing there. Under plain ``pytest tests/unit`` (``make units-pytest``) it maps
the package ``ansible_collections.atk.core`` onto the repository root, so the code under test
is the working tree itself (no copy, no symlink): ``plugins/``, ``plugins/module_utils/``, ...
are then ordinary namespace packages below it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import importlib.machinery
import importlib.util
import os
import sys
import types

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _install_collection_alias():
    """Register ansible_collections, ansible_collections.atk and ansible_collections.atk.core."""
    chain = (
        ('ansible_collections', []),
        ('ansible_collections.atk', []),
        ('ansible_collections.atk.core', [COLLECTION_ROOT]),
    )
    for name, path in chain:
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
            spec.submodule_search_locations = list(path)
            module = types.ModuleType(name)
            module.__spec__ = spec
            module.__path__ = list(path)
            module.__package__ = name
            sys.modules[name] = module
            parent, child = name.rpartition('.')[::2]
            if parent:
                setattr(sys.modules[parent], child, module)


if not _importable('ansible_collections.atk.core'):
    _install_collection_alias()
