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
NO_REMOTE_WARNING = "auto_push enabled but no remote configured. Run: atk git remote add origin <url>"


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
