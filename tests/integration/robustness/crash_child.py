# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One atk.core converge in a child process that SIGKILLs itself at a named point (test only).

Usage: ``python crash_child.py <config.json>`` runs one converge; ``python crash_child.py --serve
<collections_path>`` is a fork server: it imports atk.core once, then for every config (one JSON
object per stdin line) forks a child in its own session that runs the converge, and answers one
JSON line ``{"rc": <exit code, -9 when killed>}``. A config holds ``collections_path`` (the
``ansible_collections`` layout), the ``converge`` keyword arguments of
``_converge.converge_plugins`` (without ``run``), an optional ``kill`` spec, ``environ`` (variables
set in the child) and ``result`` (where to write the converge result as JSON when the run ends
without being killed).

Nothing here is production code: the kill points are monkeypatches installed in this process
only, wrapping the module_utils functions at the phase boundaries:

=====================  ========================================================================
``remote:<op>``        the ``<op>``-th (``occurrence``) remote git call (clone, fetch, ls-remote) is
                       started, then after ``delay`` seconds this process and the git child are
                       SIGKILLed together (``group``: the whole process group) or only this one
``checkout:after``     after ``_source_cache.CacheRepo._checkout`` made its temporary work tree
``copy:after``         after ``_fs.copy_tree`` copied one plugin into the staging area
``stage:after``        after ``_plan.Planner.stage`` (everything fetched and staged, nothing applied)
``swap:before``        before ``_fs.swap_tree``
``swap:mid``           inside ``_fs.swap_tree``: after the atomic exchange, before the old tree is
                       deleted; with ``no_exchange`` (the two-rename fallback) between the renames
``swap:after``         after ``_fs.swap_tree``
``remove:mid``         inside ``_fs.swap_out(delete=True)``: folder moved to the trash, not deleted
``manifest:mid``       manifest.yaml's temporary file written and fsynced, not renamed
``manifest:after``     after ``_manifest.save_manifest``
``env:mid``            a .env's temporary file written, not renamed
``env:after``          after ``_envfile.write_file``
``gitignore:mid``      .gitignore's temporary file written, not renamed
``state:mid``          .git/atk-core/state.json's temporary file written, not renamed
``install:before``     before a plugin's install command runs
``install:after``      after it ran
``commit:before``      before ``_git.Git.commit``
``commit:after``       after it
``commit:git-killed``  as if git was killed with the converge while it held .git/index.lock
=====================  ========================================================================

``occurrence`` (1-based) picks which call of that point kills.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
import traceback


def _import(collections_path):
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    importlib.import_module("ansible_collections.atk.core.plugins.module_utils._converge")


def run_one(cfg):
    """One converge with the kill point of ``cfg`` armed (never returns when it fires)."""
    _import(cfg["collections_path"])
    os.environ.update(cfg.get("environ") or {})
    # pylint: disable=import-outside-toplevel
    from ansible_collections.atk.core.plugins.module_utils import _converge
    from ansible_collections.atk.core.plugins.module_utils import _envfile
    from ansible_collections.atk.core.plugins.module_utils import _fs
    from ansible_collections.atk.core.plugins.module_utils import _git
    from ansible_collections.atk.core.plugins.module_utils import _lifecycle
    from ansible_collections.atk.core.plugins.module_utils import _manifest
    from ansible_collections.atk.core.plugins.module_utils import _plan
    from ansible_collections.atk.core.plugins.module_utils import _proc
    from ansible_collections.atk.core.plugins.module_utils import _source_cache
    from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

    kill = cfg.get("kill") or {}
    point = kill.get("point")
    occurrence = int(kill.get("occurrence", 1))
    group = bool(kill.get("group"))
    counts = {}
    log_path = cfg.get("log")

    def note(text):
        if log_path:
            with open(log_path, "a") as handle:
                handle.write(text + "\n")

    def die(where):
        note("KILL %s" % where)
        if group:
            os.killpg(0, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    def hit(name):
        """True when this call of point ``name`` is the one that kills."""
        if name != point:
            return False
        counts[name] = counts.get(name, 0) + 1
        return counts[name] == occurrence

    home = os.path.abspath(cfg["converge"]["home"])

    # -- remote git calls -------------------------------------------------------------------
    current = {"op": None}
    original_remote = _source_cache.CacheRepo._remote

    def remote(self, op, args, repo=True, data=None):
        current["op"] = op
        try:
            return original_remote(self, op, args, repo=repo, data=data)
        finally:
            current["op"] = None

    _source_cache.CacheRepo._remote = remote

    base_runner = _proc.subprocess_runner

    def runner(argv, cwd=None, env_update=None, data=None):
        op = current["op"]
        if op is not None and point == "remote:" + op and hit(point):
            env = dict(os.environ)
            env.update(_git.BASE_ENV)
            env.update(env_update or {})
            proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if data is not None:
                proc.stdin.write(data.encode("utf-8"))
                proc.stdin.flush()
            time.sleep(float(kill.get("delay", 0)))
            die("%s while git %s runs (pid %d)" % (point, op, proc.pid))
        return base_runner(argv, cwd=cwd, env_update=env_update, data=data)

    # -- wrappers around phase boundaries ---------------------------------------------------
    def wrap_after(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            if hit(label):
                die(label)
            return result
        setattr(owner, name, wrapper)

    def wrap_before(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if hit(label):
                die(label)
            return original(*args, **kwargs)
        setattr(owner, name, wrapper)

    wrap_after(_source_cache.CacheRepo, "_checkout", "checkout:after")
    wrap_after(_fs, "copy_tree", "copy:after")
    wrap_after(_plan.Planner, "stage", "stage:after")
    wrap_before(_fs, "swap_tree", "swap:before")
    wrap_after(_fs, "swap_tree", "swap:after")
    wrap_after(_manifest, "save_manifest", "manifest:after")
    wrap_after(_envfile, "write_file", "env:after")
    wrap_before(_git.Git, "commit", "commit:before")

    original_commit = _git.Git.commit

    def commit(self, *args, **kwargs):
        # git (killed together with the module) was staging: its .git/index.lock stays behind.
        if hit("commit:git-killed"):
            with open(os.path.join(home, ".git", "index.lock"), "wb") as handle:
                handle.write(b"DIRC")
            die("commit:git-killed (git died holding .git/index.lock)")
        return original_commit(self, *args, **kwargs)

    _git.Git.commit = commit
    wrap_after(_git.Git, "commit", "commit:after")

    # swap:mid is the instant between "the old tree left the target" and "it is deleted": after
    # the atomic exchange (old tree at the staging path), or, on the two-rename path (forced with
    # ``no_exchange``, as on systems without renameat2), between the two renames.
    original_exchange = getattr(_fs, "_exchange", None)
    if original_exchange is not None:
        def exchange(first, second):
            if kill.get("no_exchange"):
                return False
            done = original_exchange(first, second)
            if done and hit("swap:mid"):
                die("swap:mid (exchanged)")
            return done
        _fs._exchange = exchange

    original_swap_out = _fs.swap_out

    def swap_out(target, trash, delete=True):
        if not delete:
            old = original_swap_out(target, trash, delete=False)
            if hit("swap:mid"):
                die("swap:mid")
            return old
        old = original_swap_out(target, trash, delete=False)
        if hit("remove:mid"):
            die("remove:mid")
        _fs.remove_tree(old)
        return old

    _fs.swap_out = swap_out

    original_lifecycle_run = _lifecycle.run

    def lifecycle_run(*args, **kwargs):
        key = args[2] if len(args) > 2 else kwargs.get("key")
        if key == "install" and hit("install:before"):
            die("install:before")
        result = original_lifecycle_run(*args, **kwargs)
        if key == "install" and hit("install:after"):
            die("install:after")
        return result

    _lifecycle.run = lifecycle_run

    # Renames of temporary files onto the files atk.core writes atomically.
    original_rename = os.rename
    manifest_path = os.path.join(home, _manifest.FILENAME)
    gitignore_path = os.path.join(home, ".gitignore")

    def rename(src, dst, *args, **kwargs):
        dst_abs = os.path.abspath(dst)
        label = None
        if dst_abs == manifest_path:
            label = "manifest:mid"
        elif dst_abs == gitignore_path:
            label = "gitignore:mid"
        elif os.path.basename(dst_abs) == ".env":
            label = "env:mid"
        elif os.path.basename(dst_abs) == "state.json":
            label = "state:mid"
        if label and hit(label):
            die("%s (%s not renamed to %s)" % (label, src, dst))
        return original_rename(src, dst, *args, **kwargs)

    os.rename = rename

    # -- the converge -----------------------------------------------------------------------
    kwargs = dict(cfg["converge"])
    out = {"ok": False}
    try:
        result = _converge.converge_plugins(run=runner, git_path="git", **kwargs)
        out = {"ok": True, "result": result}
    except AtkError as exc:
        out = {"ok": False, "error": str(exc)}
    except Exception:  # pylint: disable=broad-except
        out = {"ok": False, "error": traceback.format_exc()}
    if point and counts.get(point, 0) < occurrence:
        out["kill_not_reached"] = point
    with open(cfg["result"], "w") as handle:
        json.dump(out, handle, default=str)


def serve(collections_path):
    _import(collections_path)
    out = sys.stdout
    for line in sys.stdin:
        cfg = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                log = os.open(cfg.get("output") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                os.dup2(log, 1)
                os.dup2(log, 2)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                run_one(cfg)
            except BaseException:  # pylint: disable=broad-except
                traceback.print_exc()
                os._exit(70)
            os._exit(0)
        _pid, status = os.waitpid(pid, 0)
        rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.write(json.dumps({"rc": rc}) + "\n")
        out.flush()


def main():
    if sys.argv[1] == "--serve":
        serve(sys.argv[2])
        return
    with open(sys.argv[1]) as handle:
        run_one(json.load(handle))


if __name__ == "__main__":
    main()
