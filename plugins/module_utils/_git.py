# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few git commands atk.core runs on a home, with atk 0.4.0's identity and messages.

PRIVATE to the collection. Every call is an argument list run through an injected
``run(argv, cwd=None, env_update=None, data=None) -> (rc, stdout, stderr)``, so the
modules can pass ``AnsibleModule.run_command`` and unit tests a fake.
"""

from __future__ import annotations

import os
import re
import time

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils._proc import subprocess_runner

# atk forces this identity through the environment, so hooks and signing still apply.
ATK_IDENTITY = {
    "GIT_AUTHOR_NAME": "ATK",
    "GIT_AUTHOR_EMAIL": "atk@localhost",
    "GIT_COMMITTER_NAME": "ATK",
    "GIT_COMMITTER_EMAIL": "atk@localhost",
}

# Never let git (or a credential manager) wait for a human; C messages so stderr can be
# classified in any locale. Every git atk.core runs gets this.
BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "Never", "LC_ALL": "C"}

MSG_INIT = "Initialize ATK Home"

_SHA_RE = re.compile(r"^[0-9a-fA-F]{40}$")
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def msg_add(name):
    return "Add plugin '%s'" % name


def msg_remove(name):
    return "Remove plugin '%s'" % name


def msg_upgrade(name):
    return "Upgrade plugin '%s'" % name


# atk.core's own: atk has no downgrade, and atk install restores files without a commit.
def msg_downgrade(name):
    return "Downgrade plugin '%s'" % name


def msg_restore(name):
    return "Restore plugin '%s'" % name


MSG_DOCTOR = "atk doctor: keep secrets out of git"

# A git killed while it held one of these (OOM killer, power loss, a stopped container) leaves it
# behind, and every later git that needs it fails ("Unable to create '.git/index.lock': File exists").
TOP_LOCKS = ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "config.lock", "packed-refs.lock", "shallow.lock")
# A lock no live git holds is removed only once it is this old (seconds): a git that is just starting
# or finishing is given time, and without /proc (no way to see other processes) the wait is longer.
STALE_LOCK_AGE = 3.0
STALE_LOCK_AGE_BLIND = 60.0
NO_REMOTE_WARNING = "auto_push enabled but no remote configured. Run: atk git remote add origin <url>"


def is_sha(text):
    """True for a full 40-hex commit id."""
    return isinstance(text, str) and bool(_SHA_RE.match(text))


def check_version(version):
    """Return ``version`` (a branch, tag, ``refs/...`` name or 40-hex commit) or raise AtkError.

    Follows ``git check-ref-format`` closely enough to refuse anything that is not a
    plausible ref name, and always refuses a leading ``-``.
    """
    if not isinstance(version, str) or not version:
        raise AtkError("The version is empty.", hint="Give a branch, a tag or a 40-character commit id.")
    bad = (
        version.startswith("-") or version.startswith("/") or version.endswith("/") or version.endswith(".")
        or version.endswith(".lock") or ".." in version or "@{" in version or "//" in version or version == "@"
        or _BAD_REF_CHARS.search(version) is not None
        or any(part.startswith(".") for part in version.split("/"))
    )
    if bad:
        raise AtkError("Refusing version %r: it is not a valid git branch, tag or commit id." % version,
                       hint="Give a branch, a tag or a 40-character commit id.")
    return version


def lock_files(home):
    """git's lock files present in ``home``'s ``.git`` (top level and under refs/)."""
    git_dir = os.path.join(home, ".git")
    found = [os.path.join(git_dir, name) for name in TOP_LOCKS if os.path.lexists(os.path.join(git_dir, name))]
    for dirpath, dummy, filenames in os.walk(os.path.join(git_dir, "refs")):
        found.extend(os.path.join(dirpath, name) for name in sorted(filenames) if name.endswith(".lock"))
    return found


def _git_processes_in(home, paths):
    """Pids of other processes that are git in ``home`` (cwd inside it) or hold one of ``paths`` open.
    None when processes cannot be seen (no /proc)."""
    if not os.path.isdir("/proc/self/fd"):
        return None
    home = os.path.realpath(home)
    wanted = set(os.path.realpath(p) for p in paths)
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        base = os.path.join("/proc", name)
        try:
            with open(os.path.join(base, "comm")) as handle:
                comm = handle.read().strip()
            cwd = os.readlink(os.path.join(base, "cwd"))
            if comm.startswith("git") and (cwd == home or cwd.startswith(home + os.sep)):
                found.append(int(name))
                continue
            for fd in os.listdir(os.path.join(base, "fd")):
                if os.readlink(os.path.join(base, "fd", fd)) in wanted:
                    found.append(int(name))
                    break
        except OSError:
            continue  # gone, or not ours to look at
    return found


def _age(path, now):
    try:
        return now - os.lstat(path).st_mtime
    except OSError:
        return None


def clear_stale_locks(home, timeout=600, check_mode=False, clock=time.time, sleep=time.sleep):
    """Remove git lock files in ``home`` that no live process holds. Returns warnings naming them.

    Call it under atk.core's own home lock (no atk.core git runs then). A lock a live git holds is
    waited for up to ``timeout`` seconds, then an AtkError says who holds it. In check mode nothing
    is removed or waited for; the warning says what the real run will do.
    """
    if check_mode:
        return ["git's lock %s is there; the real run removes it if no git holds it." % path for path in lock_files(home)]
    warnings = []
    deadline = clock() + timeout
    while True:
        locks = lock_files(home)
        if not locks:
            return warnings
        holders = _git_processes_in(home, locks)
        safe = STALE_LOCK_AGE if holders is not None else STALE_LOCK_AGE_BLIND
        now = clock()
        stale = [path for path in locks if not holders and (_age(path, now) or 0) >= safe]
        for path in stale:
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            warnings.append("Removed the stale git lock %s: no git held it (a git killed earlier left it)." % path)
        if len(stale) == len(locks):
            continue
        if now >= deadline:
            if holders:
                raise AtkError("git's lock %s is held by a running process (pid %s) for more than %d seconds." % (
                    locks[0], ", ".join(str(pid) for pid in holders), timeout),
                    hint="Wait for that git to finish, or stop it; atk.core removes a lock only when no git holds it.")
            raise AtkError("git's lock %s is still there after %d seconds." % (locks[0], timeout),
                           hint="If no git runs in %s, delete it." % home)
        sleep(0.2)


def first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


class Git(object):
    """git on the ATK home."""

    def __init__(self, run=subprocess_runner, git_path="git"):
        self._run = run
        self.git_path = git_path

    def run(self, args, cwd=None, env_update=None, check=True, data=None):
        env = dict(BASE_ENV)
        env.update(env_update or {})
        rc, out, err = self._run([self.git_path] + list(args), cwd=cwd, env_update=env, data=data)
        if check and rc != 0:
            raise AtkError(
                "git %s failed (exit code %d): %s" % (args[0], rc, first_line(err) or first_line(out)),
                rc=rc, stderr=err)
        return rc, out, err

    # -- a home's repository -------------------------------------------------
    def init(self, home):
        self.run(["init"], cwd=home)

    def is_tracked(self, home, path):
        rc, out, dummy = self.run(["ls-files", "-z", "--", path], cwd=home, check=False)
        return rc == 0 and bool(out.strip("\0"))

    def commit(self, home, message, paths=None):
        """Stage and commit like atk (``git add -A`` + commit when something is staged).

        With ``paths``, only those paths are staged and committed, so a user's unrelated
        work in the home is not swept into an ATK commit (atk itself stages everything).
        Returns True when a commit was made.
        """
        if paths is None:
            self.run(["add", "-A"], cwd=home)
            rc, dummy, dummy2 = self.run(["diff", "--cached", "--quiet"], cwd=home, check=False)
            if rc == 0:
                return False
            self.run(["commit", "-q", "-m", message], cwd=home, env_update=ATK_IDENTITY)
            return True
        wanted = [p for p in paths if os.path.lexists(os.path.join(home, p)) or self.is_tracked(home, p)]
        if not wanted:
            return False
        self.run(["add", "-A", "--"] + wanted, cwd=home)
        # Commit exactly the staged files under our paths: a pathspec naming a folder whose
        # files are all ignored (a registry plugin) would make git commit fail.
        dummy, out, dummy2 = self.run(["diff", "--cached", "--name-only", "-z", "--"] + wanted, cwd=home)
        staged = [name for name in out.split("\0") if name]
        if not staged:
            return False
        self.run(["commit", "-q", "-m", message, "--"] + staged, cwd=home, env_update=ATK_IDENTITY)
        return True

    def auto_push(self, home):
        """atk's best-effort push after a commit. Returns warnings (atk's texts), never raises."""
        rc, out, dummy = self.run(["remote"], cwd=home, check=False)
        if rc != 0 or not out.strip():
            return [NO_REMOTE_WARNING]
        rc, dummy, err = self.run(["push"], cwd=home, check=False)
        if rc != 0:
            return ["auto-push failed: %s" % err.strip()]
        return []

    def head(self, home):
        rc, out, dummy = self.run(["rev-parse", "--verify", "-q", "HEAD"], cwd=home, check=False)
        return out.strip() if rc == 0 else None

    def remote_url(self, home, remote="origin"):
        rc, out, dummy = self.run(["remote", "get-url", "--", remote], cwd=home, check=False)
        return out.strip() if rc == 0 else None

    def is_dirty(self, home, paths=None):
        args = ["status", "--porcelain"]
        if paths:
            args += ["--"] + list(paths)
        dummy, out, dummy2 = self.run(args, cwd=home)
        return bool(out.strip())
