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
import tempfile
import types

import pytest

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


@pytest.fixture(scope="session", autouse=True)
def _private_temp_dir(tmp_path_factory):
    """Point the system temp dir (``tempfile`` and ``$TMPDIR`` of child processes) into pytest's own.

    Code under test puts files there (e.g. the lock of a home that does not exist yet); they go
    away with pytest's temp folders instead of staying in /tmp.
    """
    folder = str(tmp_path_factory.mktemp("systmp"))
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = folder
    os.environ["TMPDIR"] = folder
    yield folder
    tempfile.tempdir = saved[0]
    if saved[1] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved[1]
