# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's folder in the home: what is the source's and what is the user's. PRIVATE.

``plugins/<dir>/`` holds the files of the plugin's source at the pinned commit, plus three
names that belong to the user or to atk (:data:`LOCAL_NAMES`): ``custom/`` (the user's
changes, git-tracked), ``.env`` (secrets) and ``.atk-ref`` (the commit the files came from,
written by atk and by atk.core). Comparisons of a folder with a source never look at those.
"""

from __future__ import annotations

import os
import shutil

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _spec

REF_FILE = ".atk-ref"
ENV_FILE = ".env"
CUSTOM_DIR = _spec.CUSTOM_DIR
LOCAL_NAMES = (CUSTOM_DIR, ENV_FILE, REF_FILE)


def read_ref(plugin_dir):
    """The commit in ``.atk-ref``, or None."""
    text = _fs.read_text(os.path.join(plugin_dir, REF_FILE))
    return text.strip() if text else None


def has_spec(plugin_dir):
    return any(os.path.isfile(os.path.join(plugin_dir, name)) for name in _spec.PLUGIN_FILES)


def disk_state(home, directory):
    """What is on disk for one plugin folder: exists, has_spec, ref (of .atk-ref)."""
    path = _home.plugin_dir(home, directory)
    spec = has_spec(path)
    return {"exists": os.path.isdir(path), "has_spec": spec, "ref": read_ref(path) if spec else None}


def file_changes(staged, current):
    """``[{path, status}]`` between a staged tree and the plugin folder on disk (user names skipped)."""
    new = _fs.tree_files(staged, LOCAL_NAMES)
    old = _fs.tree_files(current, LOCAL_NAMES) if current and os.path.isdir(current) else {}
    changes = []
    for path in sorted(set(new) | set(old)):
        if path not in old:
            changes.append({"path": path, "status": "added"})
        elif path not in new:
            changes.append({"path": path, "status": "removed"})
        elif new[path] != old[path]:
            changes.append({"path": path, "status": "modified"})
    return changes


def try_load(plugin_dir):
    """The plugin's spec (with custom/overrides.yaml), or None when it is missing or invalid."""
    try:
        return _spec.load_plugin(plugin_dir)
    except AtkError:
        return None


def check_custom(plugin_dir):
    """custom/ is copied into every new version of the plugin and committed: it must be a real
    folder whose symlinks stay inside it, or the files a symlink leads to (anywhere on the host)
    would be copied into the home and its history."""
    custom = os.path.join(plugin_dir, CUSTOM_DIR)
    if os.path.islink(custom):
        raise AtkError("Refusing %s: it is a symlink (-> %s), and atk.core copies custom/ into the new version of the "
                       "plugin and commits it." % (custom, os.readlink(custom)),
                       hint="Make custom/ a real folder inside the plugin folder.")
    if os.path.isdir(custom):
        _fs.check_tree(custom, custom)


def carry_custom(current, staged):
    """Copy ``current``'s custom/ into ``staged`` (when ``staged`` has none): it survives every change."""
    source = os.path.join(current, CUSTOM_DIR)
    if os.path.isdir(source) and not os.path.lexists(os.path.join(staged, CUSTOM_DIR)):
        shutil.copytree(source, os.path.join(staged, CUSTOM_DIR), symlinks=True)
