# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's folder in the home: what is the source's and what is the user's. PRIVATE.

``plugins/<dir>/`` holds the files of the plugin's source at the pinned commit, plus three
names that belong to the user or to atk (:data:`LOCAL_NAMES`): ``custom/`` (the user's
changes, git-tracked), ``.env`` (secrets) and ``.atk-ref`` (the commit the files came from,
written by atk and by atk.core). Comparisons of a folder with a source never look at those.

Anything else in the folder that the source never had (a ``.venv``, build outputs an install
script left) is not the plugin's either: comparisons (upgrade, resync, drift) look only at the
paths the source has. Which paths those are, and what they held when atk.core put them there,
is recorded per home in ``.git/atk-core/files.json`` (:class:`Records`), so drift (a source file
edited or deleted in place) is found without network access.
"""

from __future__ import annotations

import json
import os
import shutil
import stat

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _spec

RECORDS_FILE = "files.json"
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


def file_changes(staged, current, old_paths=None):
    """``[{path, status}]`` between a staged tree and the plugin folder on disk (user names skipped).

    ``old_paths``: the paths the folder's own source had (see :meth:`Records.paths`); only those and
    the staged ones are compared, so files an install left are neither "removed" nor "modified".
    None (not known) compares every file of the folder.
    """
    new = _fs.tree_files(staged, LOCAL_NAMES)
    if not (current and os.path.isdir(current)):
        old = {}
    elif old_paths is None:
        old = _fs.tree_files(current, LOCAL_NAMES)
    else:
        old = {}
        for path in sorted(set(new) | set(old_paths)):
            entry = _fs.file_entry(os.path.join(current, path))
            if entry is not None:
                old[path] = entry
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


# -- what atk.core put in each folder ----------------------------------------------------------

def _entry(full, recorded=None):
    """``file_entry`` plus the stat key; the content hash of ``recorded`` is reused while the size and
    mtime have not moved (the executable bit is always read: a chmod keeps the mtime)."""
    try:
        info = os.lstat(full)
    except OSError:
        return None
    key = [info.st_size, info.st_mtime_ns]
    if recorded is not None and recorded[0] == "file" and stat.S_ISREG(info.st_mode) and list(recorded[3:5]) == key:
        return ["file", stat.S_IMODE(info.st_mode) & 0o111 != 0, recorded[2]] + key
    entry = _fs.file_entry(full)
    if entry is None:
        return None
    return list(entry) + (key if entry[0] == "file" else [])


class Records(object):
    """``.git/atk-core/files.json``: per plugin folder, the commit and the files atk.core put there.

    ``{"version": 1, "plugins": {dir: {"ref": sha|null, "files": {path: entry}}}}`` where an entry
    is ``["file", executable, sha256, size, mtime_ns]`` or ``["link", target]``.
    """

    def __init__(self, home):
        self.path = os.path.join(_home.state_dir(home), RECORDS_FILE)
        data = None
        text = _fs.read_text(self.path)
        if text:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
        plugins = data.get("plugins") if isinstance(data, dict) else None
        self.plugins = plugins if isinstance(plugins, dict) else {}
        self.dirty = False

    def get(self, directory, ref=None):
        """The record of ``directory`` (for ``ref`` when given), or None."""
        record = self.plugins.get(directory)
        if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
            return None
        if ref is not None and record.get("ref") != ref:
            return None
        return record

    def paths(self, directory, ref=None):
        record = self.get(directory, ref)
        return None if record is None else sorted(record["files"])

    def put(self, directory, ref, plugin_dir, paths):
        """Record what ``paths`` of ``plugin_dir`` hold now (right after atk.core put them there)."""
        files = {}
        for path in sorted(paths):
            entry = _entry(os.path.join(plugin_dir, path))
            if entry is not None:
                files[path] = entry
        self.plugins[directory] = {"ref": ref, "files": files}
        self.dirty = True

    def drop(self, directory):
        if self.plugins.pop(directory, None) is not None:
            self.dirty = True

    def save(self):
        if self.dirty:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            _fs.atomic_write(self.path, json.dumps({"version": 1, "plugins": self.plugins}, sort_keys=True) + "\n",
                             mode=0o600)
            self.dirty = False

    def drift(self, directory, plugin_dir, ref=None):
        """Source files of ``directory`` edited or deleted in place: ``[{path, status}]``, [] when none,
        None when nothing is recorded (for ``ref``). Files the source never had are not looked at."""
        record = self.get(directory, ref)
        if record is None:
            return None
        changes = []
        for path, want in sorted(record["files"].items()):
            got = _entry(os.path.join(plugin_dir, path), want)
            if got is None:
                changes.append({"path": path, "status": "deleted"})
            elif got[:3] != list(want[:3]):
                changes.append({"path": path, "status": "modified"})
        return changes
