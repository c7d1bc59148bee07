"""Mirror the collection into an ``ansible_collections/atk/core`` layout outside the repository.

ansible-test only works on a collection that sits at ``.../ansible_collections/<ns>/<name>/``
(and resolves the current directory, so a symlink to the repository is not enough), and
ansible-playbook needs the same layout on ANSIBLE_COLLECTIONS_PATH. This script keeps a copy
in ``$ATK_CORE_LAYOUT_ROOT`` (default ``/tmp/atk-core-<8 hex of sha1(repo path)>``):

    <root>/ansible_collections/atk/core/   <- the files git would show for the repository
                                             (tracked + untracked-but-not-ignored), no .git

The copy is incremental (size + mtime), deletes files that went away in the repository, and
never touches ``tests/output/`` in the copy (ansible-test's work area). Uses only the
standard library; safe to run concurrently (flock).

Usage:
    collection_layout.py [--repo DIR] [--print-root | --print-path]   # sync, then print
Library:
    sync(repo) -> (root, collection_dir)
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import stat
import subprocess
import sys

NAMESPACE = 'atk'
NAME = 'core'

# Never copied, even when git does not ignore them (or when there is no git).
EXCLUDE_DIRS = {'.git', '.venv', '.venv-atk', '.cache', '.ansible', '.pytest_cache', '__pycache__', '.mypy_cache', '.tox', '.hypothesis'}
EXCLUDE_SUFFIXES = ('.pyc', '.pyo')
# Paths (relative to the collection) kept in the copy although absent from the repository.
PROTECTED = ('tests/output',)


def default_repo() -> str:
    """The repository this script lives in."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def layout_root(repo: str) -> str:
    """Folder that holds ``ansible_collections/`` for this repository."""
    env = os.environ.get('ATK_CORE_LAYOUT_ROOT')
    if env:
        return os.path.abspath(env)
    digest = hashlib.sha1(os.path.realpath(repo).encode()).hexdigest()[:8]
    return os.path.join('/tmp', 'atk-core-%s' % digest)


def _excluded(rel: str) -> bool:
    parts = rel.split('/')
    if any(part in EXCLUDE_DIRS for part in parts):
        return True
    if rel.endswith(EXCLUDE_SUFFIXES):
        return True
    return rel == 'tests/output' or rel.startswith('tests/output/')


def source_files(repo: str) -> list[str]:
    """Relative paths of the files (and symlinks) to mirror."""
    if os.path.isdir(os.path.join(repo, '.git')) or os.path.isfile(os.path.join(repo, '.git')):
        out = subprocess.run(
            ['git', '-C', repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
            check=True, stdout=subprocess.PIPE,
        ).stdout.decode('utf-8', 'surrogateescape')
        files = sorted(set(p for p in out.split('\0') if p))
    else:
        files = []
        for root, dirs, names in os.walk(repo):
            rel_root = os.path.relpath(root, repo)
            rel_root = '' if rel_root == '.' else rel_root + '/'
            dirs[:] = [d for d in dirs if not _excluded(rel_root + d) and not os.path.islink(os.path.join(root, d))]
            files.extend(rel_root + n for n in names)
            files.extend(rel_root + d for d in os.listdir(root) if os.path.islink(os.path.join(root, d)) and os.path.isdir(os.path.join(root, d)))
    return [f for f in files if not _excluded(f) and os.path.lexists(os.path.join(repo, f))]


def _same(src: str, dst: str) -> bool:
    try:
        s, d = os.lstat(src), os.lstat(dst)
    except FileNotFoundError:
        return False
    if stat.S_IFMT(s.st_mode) != stat.S_IFMT(d.st_mode):
        return False
    if stat.S_ISLNK(s.st_mode):
        return os.readlink(src) == os.readlink(dst)
    return s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime) and stat.S_IMODE(s.st_mode) == stat.S_IMODE(d.st_mode)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _copy(src: str, dst: str) -> None:
    parent = os.path.dirname(dst)
    if os.path.lexists(parent) and not os.path.isdir(parent):
        _remove(parent)
    os.makedirs(parent, exist_ok=True)
    if os.path.isdir(dst) and not os.path.islink(dst):
        shutil.rmtree(dst)
    if os.path.islink(src):
        if os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(os.readlink(src), dst)
        return
    tmp = dst + '.atk-layout-tmp'
    shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def _prune(dest: str, wanted: set[str]) -> None:
    """Delete what is in the copy but not wanted (keeping PROTECTED paths), then empty dirs."""
    for root, dirs, names in os.walk(dest, topdown=True):
        rel_root = os.path.relpath(root, dest)
        rel_root = '' if rel_root == '.' else rel_root + '/'
        keep_dirs = []
        for d in dirs:
            rel = rel_root + d
            if rel in PROTECTED:
                continue
            if os.path.islink(os.path.join(root, d)):
                if rel not in wanted:
                    os.unlink(os.path.join(root, d))
                continue
            keep_dirs.append(d)
        dirs[:] = keep_dirs
        for n in names:
            if rel_root + n not in wanted:
                os.unlink(os.path.join(root, n))
    for root, dirs, names in os.walk(dest, topdown=False):
        rel = os.path.relpath(root, dest)
        if rel == '.' or rel in PROTECTED or any(rel.startswith(p + '/') for p in PROTECTED):
            continue
        if not os.listdir(root):
            os.rmdir(root)


def sync(repo: str | None = None) -> tuple[str, str]:
    """Bring the copy up to date; return (layout root, collection dir)."""
    repo = os.path.abspath(repo or default_repo())
    root = layout_root(repo)
    dest = os.path.join(root, 'ansible_collections', NAMESPACE, NAME)
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(root, '.lock'), 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = source_files(repo)
        for rel in files:
            src, dst = os.path.join(repo, rel), os.path.join(dest, rel)
            if not _same(src, dst):
                _copy(src, dst)
        _prune(dest, set(files))
        with open(os.path.join(root, 'SOURCE'), 'w', encoding='utf-8') as marker:
            marker.write(repo + '\n')
    return root, dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--repo', default=default_repo())
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--print-root', action='store_true', help='print the folder to use as ANSIBLE_COLLECTIONS_PATH')
    group.add_argument('--print-path', action='store_true', help='print the collection folder inside the layout')
    args = parser.parse_args(argv)
    root, dest = sync(args.repo)
    if args.print_root:
        print(root)
    elif args.print_path:
        print(dest)
    else:
        print('collection layout: %s (ANSIBLE_COLLECTIONS_PATH=%s)' % (dest, root))
    return 0


if __name__ == '__main__':
    sys.exit(main())
