# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bytecode caching for the collection's module_utils when they run in the controller's process.

PRIVATE to the collection. Ansible's collection loader compiles a collection's Python files from
source on every import and never reads or writes ``__pycache__``: for the module_utils the
in-process converge imports, that is about 30 ms of every playbook run on the local connection
(a third of what the converge itself costs there). Importing this module puts a finder right in
front of Ansible's (see install) for ``ansible_collections.atk.core.plugins.module_utils.*`` only,
which loads exactly the same files with Python's own ``SourceFileLoader``: it uses the usual
``.pyc`` files, checked against the source's mtime and size, and writes them where the folder is
writable (unless ``PYTHONDONTWRITEBYTECODE`` is set). A name it cannot map to a file is left to Ansible's loader.
The module path (AnsiballZ) never sees this finder.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys

PREFIX = "ansible_collections.atk.core.plugins.module_utils."
ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils")


class BytecodeCachingFinder(importlib.abc.MetaPathFinder):
    """``ansible_collections.atk.core.plugins.module_utils.<name>`` -> ``module_utils/<name>.py`` of this
    collection (a folder with ``__init__.py`` is a package), loaded by ``SourceFileLoader``."""

    ATK_CORE_BYTECODE = True  # recognised across reloads of this module (one finder per process)

    def __init__(self, root=ROOT):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(PREFIX):
            return None
        base = os.path.join(self.root, *fullname[len(PREFIX):].split("."))
        init = os.path.join(base, "__init__.py")
        if os.path.isfile(init):
            return importlib.util.spec_from_file_location(fullname, init, submodule_search_locations=[base])
        if os.path.isfile(base + ".py"):
            return importlib.util.spec_from_file_location(fullname, base + ".py")
        return None


def install():
    """Put the finder on ``sys.meta_path`` right in front of Ansible's collection finder (once per process).

    Only there: what stands before Ansible's finder (ansible-test's import checker, say) keeps its place,
    and without Ansible's finder the collection is not Ansible's to load, so it is left alone."""
    if not os.path.isdir(ROOT) or any(getattr(finder, "ATK_CORE_BYTECODE", False) for finder in sys.meta_path):
        return
    for position, finder in enumerate(sys.meta_path):
        if type(finder).__name__ == "_AnsibleCollectionFinder":
            sys.meta_path.insert(position, BytecodeCachingFinder())
            return


install()
