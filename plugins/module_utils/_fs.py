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
import hashlib
import os
import shutil
import stat
import tempfile

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


def atomic_write(path, data, mode=0o644, temp_dir=None, suffix="", keep_owner=False, follow_symlinks=False):
    """Write ``data`` (bytes or str) to ``path`` atomically with ``mode``: the ONE writer.

    The temporary file is created with the final mode from the start (never world-readable
    first), fsynced, then renamed over the target. Returns True when the bytes (or the mode)
    changed, False when the file already held them (then it is left untouched, mtime included).

    ``temp_dir`` (a directory on the same filesystem, e.g. ``<home>/.git/atk-core``) keeps the
    temporary file out of the target's directory, so a run killed before the rename leaves
    nothing in a home's working tree for atk's ``git add -A``; when it is missing or on another
    filesystem the target's directory is used. ``suffix`` ends the temporary name (``.env``
    keeps a leftover git-ignored by the home's secrets block); leftovers of earlier killed runs
    with that suffix are removed first. ``follow_symlinks`` writes through a symlink at ``path``
    to its target (else the link itself is replaced).
    ``keep_owner``: when running as root, the file keeps the owner it had (a new file gets the
    owner of the nearest existing folder above it), so the user it belongs to can still read it.
    """
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    if follow_symlinks:
        path = os.path.realpath(path)
    current = read_bytes(path)
    if current == data:
        try:
            if stat.S_IMODE(os.stat(path).st_mode) != mode:
                os.chmod(path, mode)
                return True
        except OSError:
            pass
        return False
    owner = owner_of(path) if keep_owner else None
    directory = os.path.dirname(path)
    where = temp_dir_for(path, temp_dir)
    if suffix:
        for folder in sorted(set([directory, where])):
            _remove_leftovers(folder, suffix)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=where)
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
    chown_like(path, owner)
    return True


def _remove_leftovers(folder, suffix):
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(TEMP_PREFIX) and name.endswith(suffix):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


def owner_of(path):
    """(uid, gid) of ``path`` or of its nearest existing ancestor; None when none can be read."""
    while path and not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_uid, info.st_gid


def chown_like(path, owner):
    """When running as root, give ``path`` (what atk.core created) to ``owner``."""
    if owner is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    info = os.lstat(path)
    if (info.st_uid, info.st_gid) != owner:
        os.lchown(path, owner[0], owner[1])


def makedirs(directory, mode=0o700, keep_owner=False):
    """``os.makedirs(directory, exist_ok=True)``; with ``keep_owner`` (as root) each folder made
    belongs to the owner of the nearest folder that already existed."""
    if not keep_owner:
        os.makedirs(directory, mode, exist_ok=True)
        return
    owner = owner_of(directory)
    missing = []
    path = directory
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for path in reversed(missing):
        try:
            os.mkdir(path, mode)
        except FileExistsError:
            continue
        chown_like(path, owner)


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


def file_entry(full):
    """What a comparison sees of one path: ('file', executable, sha256) | ('link', target) | None (missing)."""
    try:
        info = os.lstat(full)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(full))
    if not stat.S_ISREG(info.st_mode):
        return ("other", stat.S_IFMT(info.st_mode))
    with open(full, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return ("file", stat.S_IMODE(info.st_mode) & 0o111 != 0, digest)


def tree_files(root, skip_top=()):
    """Map of relative path -> :func:`file_entry` for every file and symlink of a tree.

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
            rel = os.path.join(rel_dir, name) if rel_dir else name
            result[rel] = file_entry(os.path.join(dirpath, name))
    return result


# -- trees from elsewhere (plugin sources) ------------------------------------------------

def inside(path, root):
    path = os.path.normpath(path)
    root = os.path.normpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_tree(root, label):
    """Refuse symlinks leaving ``root`` and special files; ``label`` names the folder in errors."""
    root = os.path.abspath(root)
    root_real = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                target = os.readlink(full)
                if (os.path.isabs(target) or not inside(os.path.join(dirpath, target), root)
                        or not inside(os.path.realpath(full), root_real)):
                    raise AtkError("Refusing symlink '%s' in %s: it points outside the plugin folder (-> %s)."
                                   % (rel, label, target),
                                   hint="Only symlinks to files inside the plugin folder are allowed.")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise AtkError("Refusing '%s' in %s: not a regular file, directory or symlink." % (rel, label))


def copy_tree(src, dst):
    """Copy ``src`` to the new directory ``dst``: modes kept (copy2), symlinks as symlinks."""
    try:
        shutil.copytree(src, dst, symlinks=True)
    except (shutil.Error, OSError) as exc:
        raise AtkError("Could not copy %s to %s: %s" % (src, dst, exc))
