# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_bytecode: where the finder goes on sys.meta_path, and which files it maps the module_utils to."""

from __future__ import annotations

import importlib.machinery
import os
import sys

import pytest

from ansible_collections.atk.core.plugins.plugin_utils import _bytecode as B


class Other(object):
    """A finder that stands first (ansible-test's import checker does): it must keep its place."""

    def find_spec(self, fullname, path=None, target=None):  # pylint: disable=unused-argument
        return None


class _AnsibleCollectionFinder(object):  # pylint: disable=invalid-name  # the name install() looks for
    def find_spec(self, fullname, path=None, target=None):  # pylint: disable=unused-argument
        return None


@pytest.fixture
def meta_path(monkeypatch):
    """sys.meta_path without any atk.core finder (ansible-test units may have installed one), restored after."""
    finders = [finder for finder in sys.meta_path if not getattr(finder, "ATK_CORE_BYTECODE", False)]
    monkeypatch.setattr(sys, "meta_path", finders)
    return finders


def test_the_finder_goes_right_in_front_of_ansibles_and_only_once(meta_path):
    first, ansible = Other(), _AnsibleCollectionFinder()
    meta_path[:0] = [first, ansible]
    B.install()
    B.install()
    ours = [finder for finder in sys.meta_path if getattr(finder, "ATK_CORE_BYTECODE", False)]
    assert len(ours) == 1
    assert sys.meta_path[:3] == [first, ours[0], ansible]


def test_without_ansibles_collection_finder_nothing_is_installed(meta_path):
    meta_path[:] = [finder for finder in meta_path if type(finder).__name__ != "_AnsibleCollectionFinder"]  # ansible-test's
    before = list(meta_path)
    B.install()
    assert sys.meta_path == before


def test_module_utils_names_map_to_the_collections_files_loaded_by_python():
    finder = B.BytecodeCachingFinder()
    spec = finder.find_spec(B.PREFIX + "_manifest")
    assert spec.origin == os.path.join(B.ROOT, "_manifest.py")
    assert isinstance(spec.loader, importlib.machinery.SourceFileLoader) and spec.cached.endswith(".pyc")
    package = finder.find_spec(B.PREFIX + "_agents")
    assert package.origin == os.path.join(B.ROOT, "_agents", "__init__.py")
    assert package.submodule_search_locations == [os.path.join(B.ROOT, "_agents")]
    assert finder.find_spec(B.PREFIX + "_agents._converge").origin == os.path.join(B.ROOT, "_agents", "_converge.py")
    assert finder.find_spec(B.PREFIX + "_no_such_module") is None
    assert finder.find_spec("ansible_collections.atk.core.plugins.plugin_utils._in_process") is None
    assert finder.find_spec("ansible_collections.atk.core.plugins.module_utils") is None  # the package: Ansible's
    assert os.path.samefile(B.ROOT, os.path.join(os.path.dirname(B.__file__), "..", "module_utils"))
