# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ATK home: where it is, whether atk accepts it, and making one. PRIVATE to the collection."""

from __future__ import annotations

import hashlib
import os
import tempfile

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _lock
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _manifest

ENV_VAR = "ATK_HOME"


def resolve_home(path=None, environ=None):
    """The option, else ``$ATK_HOME`` (when non-empty), else ``~/.atk``; ``~`` follows ``$HOME``."""
    environ = os.environ if environ is None else environ
    if not path:
        path = environ.get(ENV_VAR) or os.path.join("~", ".atk")
    if path.startswith("~"):
        home_dir = environ.get("HOME") or os.path.expanduser("~")
        path = home_dir + path[1:] if path == "~" or path.startswith("~/") else os.path.expanduser(path)
    return os.path.abspath(path)


def validate_home(home):
    """atk's ``validate_atk_home``: the errors atk would print, [] when atk accepts the home."""
    errors = []
    # atk checks exists() for the manifest and is_dir() (following symlinks) for the rest.
    if not os.path.exists(os.path.join(home, _manifest.FILENAME)):
        errors.append("Missing manifest.yaml file")
    if not os.path.isdir(os.path.join(home, "plugins")):
        errors.append("Missing plugins/ directory")
    if not os.path.isdir(os.path.join(home, ".git")):
        errors.append("Missing .git directory (not a git repository)")
    return errors


def is_repairable(home):
    """A git clone of a home lacks only ``plugins/`` (git keeps no empty directories)."""
    return validate_home(home) == ["Missing plugins/ directory"]


def repair(home):
    """Make a clone acceptable to atk. Returns the list of repairs made."""
    done = []
    plugins = os.path.join(home, "plugins")
    if not os.path.isdir(plugins):
        os.makedirs(plugins)
        done.append("created plugins/")
    for name in _fs.clean_temp_leftovers(plugins):
        done.append("removed leftover %s" % name)
    return done


def require(home, check_mode=False):
    """atk's validation, with the repair a clone needs. True when the home exists; a missing
    home is False in check mode (an empty one is predicted), an AtkError otherwise."""
    if not os.path.lexists(home) and check_mode:
        return False
    errors = validate_home(home)
    if errors == ["Missing plugins/ directory"]:
        if not check_mode:
            repair(home)
        return True
    if errors:
        raise AtkError("ATK Home not initialized at %s: %s." % (home, "; ".join(errors)),
                       hint="Create it first with atk.core.atk_home (or atk init).")
    return True


def state_dir(home):
    """atk.core's own per-home state, inside .git so atk never stages or compares it."""
    return os.path.join(home, ".git", "atk-core")


def plugin_dir(home, directory):
    return os.path.join(home, "plugins", directory)


class _NoLock(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


NO_LOCK = _NoLock()   # for a caller that already holds the lock


def lock(home, timeout=600, shared=False):
    """The lock that serialises atk.core runs on ``home`` (shared for check mode).

    It lives in ``<home>/.git/atk-core/lock``, never in the tracked tree. Before the home has a
    ``.git`` (init, clone), a real run locks a file in the system temp directory keyed by the
    home's real path and deletes it at the end, leaving the home's own lock file if it made ``.git``
    (see _CreationLock); a check-mode run of a missing home writes
    nothing and so takes no lock (nor does one on a home no real run of atk.core has locked yet: it
    would have to create the lock file).
    """
    home = os.path.abspath(home)
    message = "Another atk.core run has held the lock on %s for more than %d seconds." % (home, timeout)
    hint = "Wait for it to finish, or raise lock_timeout."
    if os.path.isdir(os.path.join(home, ".git")):
        directory = state_dir(home)
        path = os.path.join(directory, "lock")
        if shared and not os.path.exists(path):
            return _NoLock()   # check mode writes nothing; no real run has locked this home yet
        # Created before the lock is held: concurrent runs race here.
        os.makedirs(directory, exist_ok=True)
        return _lock.FileLock(path, timeout, message, hint, shared=shared)
    if shared:
        return _NoLock()
    key = hashlib.sha256(os.path.realpath(home).encode("utf-8")).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), "atk-core-%d-%s.lock" % (os.getuid(), key))
    return _CreationLock(home, path, timeout, message, hint)


class _CreationLock(_lock.FileLock):
    """The temp-directory lock of a run that may create the home. If the home has a ``.git`` when
    the run ends, the home's own lock file is made before the temp lock goes, so that the next run,
    a no-op, finds it and writes nothing."""

    def __init__(self, home, path, timeout, message, hint):
        super(_CreationLock, self).__init__(path, timeout, message, hint, remove=True)
        self.home = home

    def __exit__(self, *exc_info):
        try:
            if self._depth == 1 and os.path.isdir(os.path.join(self.home, ".git")):
                directory = state_dir(self.home)
                os.makedirs(directory, exist_ok=True)
                os.close(os.open(os.path.join(directory, "lock"), os.O_RDWR | os.O_CREAT, 0o600))
        except OSError:
            pass  # the next run makes it
        return super(_CreationLock, self).__exit__(*exc_info)


def check_init_target(home):
    """Raise like ``atk init`` when ``home`` can't become a home; True when it already is one."""
    if not os.path.lexists(home):
        return False
    if not os.path.isdir(home):
        raise AtkError("Path exists but is a file, not a directory: %s" % home)
    errors = validate_home(home)
    if not errors:
        return True
    if is_repairable(home):
        return True
    if os.listdir(home):
        raise AtkError("Directory exists but is not a valid ATK Home: %s (%s)" % (home, "; ".join(errors)),
                       hint="Point the home option (the role's atk_home) elsewhere or move that directory away.")
    return False


def init_home(home, git):
    """Create a home exactly as ``atk init`` does (files, git init, the first commit).

    The home is built in a temporary sibling directory and renamed into place, so a
    killed run never leaves a half-made home that atk (and the next run) would refuse.
    """
    parent = os.path.dirname(home)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    work = os.path.join(parent, _fs.TEMP_PREFIX + "init-" + os.path.basename(home))
    _fs.remove_tree(work)
    os.makedirs(work)
    try:
        os.makedirs(os.path.join(work, "plugins"))
        _fs.atomic_write(os.path.join(work, _manifest.FILENAME), _manifest.dump_manifest(_manifest.initial_manifest()))
        _fs.atomic_write(os.path.join(work, ".gitignore"), _gitignore.INITIAL_CONTENT)
        git.init(work)
        git.commit(work, _git.MSG_INIT)
        os.rename(work, home)  # rename(2) also replaces an empty directory
    finally:
        _fs.remove_tree(work)
