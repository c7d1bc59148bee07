# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin from a local folder or a single plugin.yaml file. PRIVATE to the collection."""

from __future__ import annotations

import os
import shutil

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs


def _external_symlinks(root):
    """Relative paths of symlinks under ``root`` whose target leaves it (not descending into them)."""
    root = os.path.abspath(root)
    root_real = os.path.realpath(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                target = os.readlink(full)
                if (os.path.isabs(target) or not _fs.inside(os.path.join(dirpath, target), root)
                        or not _fs.inside(os.path.realpath(full), root_real)):
                    found.append(os.path.relpath(full, root))
    return found


def stage_local(path, dest, follow_symlinks=False, followed=None):
    """Copy a local plugin into the new directory ``dest`` (docs/atk-compatibility.md §5.1); returns ``dest``.

    ``path`` is a folder (must hold plugin.yaml or plugin.yml) or a single .yaml/.yml
    file (copied as ``dest/plugin.yaml`` with copy2, like atk). A folder is copied
    whole, .git and .env included, with modes kept. atk's error texts.

    Symlinks, the decision: by default a symlink whose target stays inside the folder is
    copied as a symlink and one that leaves it (absolute, or resolving outside) is
    refused with an AtkError naming it, so a plugin never pulls files from elsewhere on
    the host unnoticed. With ``follow_symlinks=True`` the copy is exactly atk's
    ``shutil.copytree`` (every symlink followed and materialised as files), and the
    symlinks that led outside the folder are appended to the list ``followed`` (when
    given) so the caller can say so.
    """
    source = os.path.abspath(os.path.expanduser(path))
    dest = os.path.abspath(dest)
    if not os.path.exists(source):
        raise AtkError("Source path '%s' does not exist" % path)
    if os.path.lexists(dest):
        raise AtkError("Staging directory %s already exists." % dest)
    if os.path.isdir(source):
        if not (os.path.exists(os.path.join(source, "plugin.yaml")) or os.path.exists(os.path.join(source, "plugin.yml"))):
            raise AtkError("Directory '%s' does not contain plugin.yaml or plugin.yml" % path)
        if _fs.inside(os.path.realpath(dest), os.path.realpath(source)):
            raise AtkError("Cannot stage %s into %s: the destination is inside the source." % (path, dest))
        if follow_symlinks:
            external = _external_symlinks(source)
            try:
                shutil.copytree(source, dest, symlinks=False)
            except (shutil.Error, OSError) as exc:
                raise AtkError("Could not copy %s to %s: %s" % (path, dest, exc))
            if followed is not None:
                followed.extend(external)
            return dest
        _fs.check_tree(source, "local plugin '%s'" % path)
        _fs.copy_tree(source, dest)
        return dest
    if not source.endswith((".yaml", ".yml")):
        raise AtkError("Source file '%s' must be .yaml or .yml" % path)
    os.makedirs(dest)
    try:
        shutil.copy2(source, os.path.join(dest, "plugin.yaml"))
    except (IOError, OSError) as exc:
        raise AtkError("Could not copy %s to %s: %s" % (path, dest, exc))
    return dest
