# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file writes, tree swaps and the home lock. PRIVATE to the collection.

Why atomic: atk itself writes with ``Path.write_text``; a run killed mid-write would
leave a truncated manifest.yaml or .env that atk then refuses. Every file atk.core
writes goes through a temporary file in the same directory plus ``rename``.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import stat
import tempfile
import time

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

# Temporary names atk.core creates start with this, so a later run can tell its own
# leftovers (from a killed run) from the user's files and remove them.
TEMP_PREFIX = ".atk-core-tmp-"


def read_bytes(path):
    """Return the file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def read_text(path):
    """Return the file's text (UTF-8), or None when it does not exist."""
    data = read_bytes(path)
    return None if data is None else data.decode("utf-8")


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data, mode=0o644, temp_dir=None):
    """Write ``data`` (bytes or str) to ``path`` atomically with ``mode``.

    The temporary file is created with the final mode from the start (never
    world-readable first), fsynced, then renamed over the target.
    Returns True when the bytes changed, False when the file already held them
    (then it is left untouched, mtime included).

    ``temp_dir`` (a directory on the same filesystem, e.g. ``<home>/.git/atk-core``)
    keeps the temporary file out of the target's directory, so a run killed before
    the rename leaves nothing in a home's working tree for atk's ``git add -A``; when
    it is missing or on another filesystem the target's directory is used.
    """
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    current = read_bytes(path)
    if current == data:
        try:
            if stat.S_IMODE(os.stat(path).st_mode) != mode:
                os.chmod(path, mode)
                return True
        except OSError:
            pass
        return False
    directory = os.path.dirname(os.path.abspath(path))
    where = temp_dir_for(path, temp_dir)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=where)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return True


def temp_dir_for(path, temp_dir=None):
    """Where the temporary file of an atomic write of ``path`` goes: ``temp_dir`` when it is
    a directory on the same filesystem as ``path``'s directory, else that directory."""
    directory = os.path.dirname(os.path.abspath(path))
    if temp_dir:
        try:
            if os.stat(temp_dir).st_dev == os.stat(directory).st_dev and os.path.isdir(temp_dir):
                return temp_dir
        except OSError:
            pass
    return directory


def remove_tree(path):
    """Remove a file, symlink or directory tree if it exists."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def make_temp_dir(parent, label="stage"):
    """A temporary directory inside ``parent`` (same filesystem, so renames are atomic)."""
    return tempfile.mkdtemp(prefix=TEMP_PREFIX + label + "-", dir=parent)


def clean_temp_leftovers(directory):
    """Remove atk.core temporaries a killed run left in ``directory``. Returns their names."""
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if name.startswith(TEMP_PREFIX):
            remove_tree(os.path.join(directory, name))
            removed.append(name)
    return removed


# renameat2(2) flag: exchange the two paths atomically (Linux >= 3.15, most local filesystems).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first, second):
    """Atomically exchange two existing paths. False when the system cannot (the caller falls back)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (ImportError, OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(error, os.strerror(error), second)


def swap_tree(staged, target, trash):
    """Put the directory ``staged`` at ``target``, replacing what was there.

    Where the system can, one atomic exchange (``renameat2(RENAME_EXCHANGE)``): at every
    instant ``target`` holds the complete old or the complete new tree, and the old one
    (left at ``staged``, outside the working tree) is deleted afterwards. Elsewhere, two
    renames: the old tree is first moved into ``trash`` (same filesystem, outside the home's
    working tree) as ``old-<name>-*``; a run killed between the two renames leaves
    ``target`` missing, and :func:`restore_swapped` (called by the next run before it
    empties its temporary area) puts the old tree back, user files and all.
    """
    if os.path.isdir(target) and not os.path.islink(target) and _exchange(staged, target):
        remove_tree(staged)
        _fsync_dir(os.path.dirname(os.path.abspath(target)))
        return
    old = swap_out(target, trash, delete=False) if os.path.lexists(target) else None
    try:
        os.rename(staged, target)
    except BaseException:
        if old is not None and not os.path.lexists(target):
            os.rename(old, target)
        raise
    if old is not None:
        remove_tree(old)
    _fsync_dir(os.path.dirname(os.path.abspath(target)))


def swap_out(target, trash, delete=True):
    """Move ``target`` into ``trash`` with one rename (then delete it). Returns its trash path.

    Kept trees are named ``old-<name>-*`` (a swap in progress, see :func:`restore_swapped`),
    trees being deleted ``del-<name>-*`` (never restored).
    """
    os.makedirs(trash, exist_ok=True)
    prefix = "%s-%s-" % ("del" if delete else "old", os.path.basename(os.path.normpath(target)))
    old = tempfile.mkdtemp(prefix=prefix, dir=trash)
    os.rmdir(old)
    os.rename(target, old)
    if delete:
        remove_tree(old)
    return old


def restore_swapped(trash, parent):
    """Put back every ``old-<name>-*`` tree of ``trash`` whose ``<parent>/<name>`` is missing.

    Those are the old trees of swaps a killed run left half done (the new tree never
    arrived); they hold the user's ``custom/`` and ``.env``. Returns the names restored.
    """
    restored = []
    try:
        names = sorted(os.listdir(trash))
    except OSError:
        return restored
    for name in names:
        if not name.startswith("old-") or name.count("-") < 2:
            continue
        directory = name[len("old-"):].rsplit("-", 1)[0]
        target = os.path.join(parent, directory)
        if directory in ("", ".", "..") or "/" in directory or os.path.lexists(target):
            continue
        os.rename(os.path.join(trash, name), target)
        restored.append(directory)
    if restored:
        _fsync_dir(parent)
    return restored


def tree_files(root, skip_top=()):
    """Map of relative path -> ('file', executable, sha256) | ('link', target) for a tree.

    Names in ``skip_top`` are skipped at the top level only (custom/, .env, .atk-ref).
    """
    result = {}
    if not os.path.isdir(root):
        return result
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            rel_dir = ""
            dirnames[:] = [d for d in dirnames if d not in skip_top]
            filenames = [f for f in filenames if f not in skip_top]
        for name in list(dirnames):
            full = os.path.join(dirpath, name)
            rel = os.path.join(rel_dir, name) if rel_dir else name
            if os.path.islink(full):
                result[rel] = ("link", os.readlink(full))
                dirnames.remove(name)
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.join(rel_dir, name) if rel_dir else name
            if os.path.islink(full):
                result[rel] = ("link", os.readlink(full))
            else:
                with open(full, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                result[rel] = ("file", stat.S_IMODE(os.lstat(full).st_mode) & 0o111 != 0, digest)
    return result


class HomeLock(object):
    """Serialises atk.core runs on one home: an exclusive ``flock``.

    The lock file lives in ``<home>/.git/atk-core/lock`` (never in the tracked tree);
    before the home exists (init, clone) it lives in the system temp directory, keyed
    by the home's real path.
    """

    def __init__(self, home, timeout=600.0, shared=False):
        self.home = os.path.abspath(home)
        self.timeout = timeout
        self.shared = shared
        self._fd = None

    def _lock_path(self):
        git_dir = os.path.join(self.home, ".git")
        if os.path.isdir(git_dir):
            state = os.path.join(git_dir, "atk-core")
            # Created before the lock is held: concurrent runs race here.
            os.makedirs(state, exist_ok=True)
            return os.path.join(state, "lock")
        key = hashlib.sha256(os.path.realpath(self.home).encode("utf-8")).hexdigest()[:16]
        return os.path.join(tempfile.gettempdir(), "atk-core-%d-%s.lock" % (os.getuid(), key))

    def __enter__(self):
        path = self._lock_path()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        flags = (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.time() + self.timeout
        delay = 0.02
        while True:
            try:
                fcntl.flock(self._fd, flags)
                return self
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.time() >= deadline:
                os.close(self._fd)
                self._fd = None
                raise AtkError(
                    "Another atk.core run has held the lock on %s for more than %d seconds." % (self.home, self.timeout),
                    hint="Wait for it to finish, or raise lock_timeout.")
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def __exit__(self, *exc_info):
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        return False
