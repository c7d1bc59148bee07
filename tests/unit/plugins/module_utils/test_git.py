# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_git: commits with atk's identity, path-limited commits, auto_push like atk's (real git, isolated)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from ansible_collections.atk.core.plugins.module_utils import _git as G
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

git = atk_peer.git


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home-like repository with one ATK commit: manifest.yaml, .gitignore, plugins/."""
    atk_peer.isolate_git(monkeypatch, tmp_path)
    path = tmp_path / "home"
    (path / "plugins").mkdir(parents=True)
    (path / "manifest.yaml").write_text("schema_version: '2026-02-06'\n")
    (path / ".gitignore").write_text(_gitignore.INITIAL_CONTENT)
    runner = G.Git()
    runner.init(str(path))
    assert runner.commit(str(path), G.MSG_INIT) is True
    return path


def committed_files(repo, rev="HEAD"):
    return sorted(git(repo, "show", "--name-only", "--format=", rev).split())


def tracked(repo):
    return sorted(git(repo, "ls-files").split())


def status(repo):
    return git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()


# -- argv and environment (fake runner) ---------------------------------------------------------

class Recorder(object):
    def __init__(self, answers=None):
        self.calls = []
        self.answers = list(answers or [])

    def __call__(self, argv, cwd=None, env_update=None, data=None):
        self.calls.append({"argv": argv, "cwd": cwd, "env": dict(env_update or {}), "data": data})
        return self.answers.pop(0) if self.answers else (0, "", "")


def test_identity_and_argv_lists():
    rec = Recorder(answers=[(0, "", ""), (1, "", ""), (0, "", "")])
    assert G.Git(rec, git_path="/usr/bin/git").commit("/h", "Add plugin 'X'") is True
    assert [c["argv"] for c in rec.calls] == [
        ["/usr/bin/git", "add", "-A"],
        ["/usr/bin/git", "diff", "--cached", "--quiet"],
        ["/usr/bin/git", "commit", "-q", "-m", "Add plugin 'X'"],
    ]
    assert all(c["cwd"] == "/h" for c in rec.calls)
    commit_env = rec.calls[2]["env"]
    assert {k: commit_env[k] for k in G.ATK_IDENTITY} == {
        "GIT_AUTHOR_NAME": "ATK", "GIT_AUTHOR_EMAIL": "atk@localhost",
        "GIT_COMMITTER_NAME": "ATK", "GIT_COMMITTER_EMAIL": "atk@localhost"}
    assert commit_env["GIT_TERMINAL_PROMPT"] == "0"
    assert "GIT_AUTHOR_NAME" not in rec.calls[0]["env"]


def test_nothing_staged_means_no_commit():
    rec = Recorder(answers=[(0, "", ""), (0, "", "")])
    assert G.Git(rec).commit("/h", "m") is False
    assert len(rec.calls) == 2


def test_failures_raise_with_the_first_stderr_line():
    rec = Recorder(answers=[(128, "", "\nfatal: not a git repository\nmore\n")])
    with pytest.raises(AtkError) as info:
        G.Git(rec).run(["status"], cwd="/h")
    assert info.value.msg == "git status failed (exit code 128): fatal: not a git repository"
    assert info.value.details["rc"] == 128


def test_messages_are_atks():
    assert G.MSG_INIT == "Initialize ATK Home"
    assert G.msg_add("Demo Plugin_X") == "Add plugin 'Demo Plugin_X'"
    assert G.msg_remove("Piper TTS") == "Remove plugin 'Piper TTS'"
    assert G.msg_upgrade("Fancy Tool") == "Upgrade plugin 'Fancy Tool'"
    assert G.MSG_DOCTOR == "atk doctor: keep secrets out of git"
    assert G.NO_REMOTE_WARNING == "auto_push enabled but no remote configured. Run: atk git remote add origin <url>"


# -- real git -----------------------------------------------------------------------------------

def test_commit_identity_is_atk(home):
    assert git(home, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s") == "ATK <atk@localhost>|ATK <atk@localhost>|Initialize ATK Home\n"
    assert tracked(home) == [".gitignore", "manifest.yaml"]
    assert G.Git().head(str(home)) == git(home, "rev-parse", "HEAD").strip()


def test_identity_wins_over_the_users_config(home, monkeypatch):
    with open(os.environ["GIT_CONFIG_GLOBAL"], "w") as handle:
        handle.write("[user]\n\tname = Someone Else\n\temail = else@example.invalid\n")
    (home / "manifest.yaml").write_text("schema_version: '2'\n")
    assert G.Git().commit(str(home), "Update ATK config", paths=["manifest.yaml"]) is True
    assert git(home, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == "ATK <atk@localhost>|ATK <atk@localhost>\n"


def test_commit_all_is_git_add_dash_a(home):
    (home / "stray.txt").write_text("x")
    assert G.Git().commit(str(home), "m") is True
    assert committed_files(home) == ["stray.txt"]
    assert G.Git().commit(str(home), "m") is False


def test_commit_with_paths_leaves_unrelated_work_alone(home):
    (home / "stray.txt").write_text("user's notes")
    (home / "manifest.yaml").write_text("schema_version: '2026-02-06'\nplugins: []\n")
    (home / "plugins" / "loc").mkdir()
    (home / "plugins" / "loc" / "plugin.yaml").write_text("name: loc\n")
    (home / ".gitignore").write_text(_gitignore.add_exemption(_gitignore.INITIAL_CONTENT, "loc"))
    # The user also staged something of their own.
    (home / "staged-by-user.txt").write_text("mine")
    git(home, "add", "staged-by-user.txt")
    head = git(home, "rev-parse", "HEAD")
    assert G.Git().commit(str(home), "Add plugin 'loc'", paths=["manifest.yaml", ".gitignore", "plugins/loc"]) is True
    assert git(home, "rev-parse", "HEAD^") == head
    assert committed_files(home) == [".gitignore", "manifest.yaml", "plugins/loc/plugin.yaml"]
    assert sorted(status(home)) == ["?? stray.txt", "A  staged-by-user.txt"]


def test_commit_of_a_folder_whose_files_are_all_ignored(home):
    reg = home / "plugins" / "reg"
    reg.mkdir()
    (reg / "plugin.yaml").write_text("name: reg\n")
    (reg / ".env").write_text("TOKEN=x\n")
    (reg / ".atk-ref").write_text("0" * 40 + "\n")
    (home / "manifest.yaml").write_text("schema_version: '2026-02-06'\nplugins: [reg]\n")
    runner = G.Git()
    assert runner.commit(str(home), "Add plugin 'Reg'", paths=["manifest.yaml", ".gitignore", "plugins/reg"]) is True
    assert committed_files(home) == ["manifest.yaml"]
    # Only the ignored folder: nothing to commit, and no error.
    (reg / "plugin.yaml").write_text("name: reg v2\n")
    assert runner.commit(str(home), "Upgrade plugin 'Reg'", paths=["plugins/reg"]) is False
    assert status(home) == []


def test_commit_of_a_folder_with_custom_files(home):
    custom = home / "plugins" / "reg" / "custom"
    custom.mkdir(parents=True)
    (custom / "overrides.yaml").write_text("x: 1\n")
    (custom / ".env").write_text("SECRET=1\n")
    (home / "plugins" / "reg" / "plugin.yaml").write_text("name: reg\n")
    assert G.Git().commit(str(home), "m", paths=["plugins/reg"]) is True
    assert committed_files(home) == ["plugins/reg/custom/overrides.yaml"]


def test_commit_of_a_removed_path(home):
    loc = home / "plugins" / "loc"
    loc.mkdir()
    (loc / "plugin.yaml").write_text("name: loc\n")
    (home / ".gitignore").write_text(_gitignore.add_exemption(_gitignore.INITIAL_CONTENT, "loc"))
    runner = G.Git()
    assert runner.commit(str(home), "Add", paths=[".gitignore", "plugins/loc"]) is True
    assert "plugins/loc/plugin.yaml" in tracked(home)
    (loc / "plugin.yaml").unlink()
    loc.rmdir()
    (home / ".gitignore").write_text(_gitignore.INITIAL_CONTENT)
    (home / "stray.txt").write_text("x")
    assert runner.is_tracked(str(home), "plugins/loc")
    assert runner.commit(str(home), "Remove plugin 'loc'", paths=["manifest.yaml", ".gitignore", "plugins/loc"]) is True
    assert tracked(home) == [".gitignore", "manifest.yaml"]
    assert status(home) == ["?? stray.txt"]


def test_commit_of_paths_that_do_not_exist(home):
    assert G.Git().commit(str(home), "m", paths=["plugins/never", "nothing.yaml"]) is False
    assert G.Git().commit(str(home), "m", paths=[]) is False


def test_is_dirty(home):
    runner = G.Git()
    assert not runner.is_dirty(str(home))
    (home / "plugins" / "reg").mkdir()
    (home / "plugins" / "reg" / "plugin.yaml").write_text("ignored\n")
    assert not runner.is_dirty(str(home))
    (home / "stray").write_text("x")
    assert runner.is_dirty(str(home))
    assert not runner.is_dirty(str(home), ["manifest.yaml"])


# -- auto_push ----------------------------------------------------------------------------------

ATK_PUSH = """
import logging
from pathlib import Path
from atk.git import git_push
messages = []
class Keep(logging.Handler):
    def emit(self, record):
        messages.append(record.getMessage())
logging.getLogger("atk.git").addHandler(Keep())
logging.getLogger("atk.git").propagate = False
ok = git_push(Path(PAYLOAD))
RESULT = [ok, messages]
"""


def test_auto_push_without_remote(home):
    assert G.Git().auto_push(str(home)) == [G.NO_REMOTE_WARNING]


@atk_peer.needs_atk
def test_auto_push_without_remote_is_atks_text(home):
    ok, messages = atk_peer.atk_python(ATK_PUSH, str(home))
    assert ok is False
    assert G.Git().auto_push(str(home)) == messages


def test_auto_push_to_a_local_bare_repo(home, tmp_path):
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(home, "remote", "add", "origin", str(bare))
    git(home, "push", "-q", "-u", "origin", "HEAD")
    (home / "manifest.yaml").write_text("schema_version: '3'\n")
    runner = G.Git()
    assert runner.commit(str(home), "Update ATK config", paths=["manifest.yaml"]) is True
    assert runner.auto_push(str(home)) == []
    assert git(bare, "rev-parse", "HEAD") == git(home, "rev-parse", "HEAD")
    assert runner.remote_url(str(home)) == str(bare)
    assert runner.remote_url(str(home), "upstream") is None


@atk_peer.needs_atk
def test_auto_push_failure_matches_atk(home, tmp_path):
    git(home, "remote", "add", "origin", str(tmp_path / "does-not-exist.git"))
    ours = G.Git().auto_push(str(home))
    ok, messages = atk_peer.atk_python(ATK_PUSH, str(home), env={"LC_ALL": "C"})
    assert ok is False
    assert len(ours) == 1 and ours[0].startswith("auto-push failed: ")
    assert ours == messages


# -- stale git locks ---------------------------------------------------------------------------

class FakeClock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _home_with_lock(tmp_path, name="index.lock", age=0.0, clock=None):
    home = tmp_path / "home"
    (home / ".git" / "refs" / "heads").mkdir(parents=True)
    lock = home / ".git" / name
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_bytes(b"DIRC")
    when = (clock() if clock else time.time()) - age
    os.utime(str(lock), (when, when))
    return home, lock


def test_a_stale_lock_is_removed_with_a_warning_naming_it(tmp_path):
    home, lock = _home_with_lock(tmp_path, age=G.STALE_LOCK_AGE + 1)
    warnings = G.clear_stale_locks(str(home), timeout=5)
    assert not lock.exists()
    assert warnings == ["Removed the stale git lock %s: no git held it (a git killed earlier left it)." % lock]
    assert G.clear_stale_locks(str(home), timeout=5) == []


def test_ref_locks_are_stale_locks_too(tmp_path):
    home, lock = _home_with_lock(tmp_path, name="refs/heads/main.lock", age=G.STALE_LOCK_AGE + 1)
    assert G.lock_files(str(home)) == [str(lock)]
    G.clear_stale_locks(str(home), timeout=5)
    assert not lock.exists()


def test_a_young_lock_is_given_time_before_it_is_removed(tmp_path):
    clock = FakeClock()
    home, lock = _home_with_lock(tmp_path, age=0.0, clock=clock)
    warnings = G.clear_stale_locks(str(home), timeout=30, clock=clock, sleep=clock.sleep)
    assert not lock.exists() and len(warnings) == 1
    assert clock.now - 1000.0 >= G.STALE_LOCK_AGE


def test_check_mode_removes_nothing(tmp_path):
    home, lock = _home_with_lock(tmp_path, age=100)
    warnings = G.clear_stale_locks(str(home), timeout=5, check_mode=True)
    assert lock.exists() and warnings and str(lock) in warnings[0]


def test_a_lock_a_live_process_holds_is_waited_for_then_named(tmp_path):
    home, lock = _home_with_lock(tmp_path, age=100)
    holder = subprocess.Popen(["sh", "-c", "exec 3<'%s'; exec sleep 30" % lock])
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            fds = os.listdir("/proc/%d/fd" % holder.pid)
            if any(os.readlink("/proc/%d/fd/%s" % (holder.pid, fd)) == str(lock) for fd in fds):
                break
            time.sleep(0.02)
        started = time.time()
        with pytest.raises(AtkError) as info:
            G.clear_stale_locks(str(home), timeout=1)
        assert time.time() - started >= 0.9
        assert "held by a running process (pid %d" % holder.pid in str(info.value)
        assert lock.exists()
    finally:
        holder.kill()
        holder.wait()
    # Once the holder is gone, the same lock is stale.
    G.clear_stale_locks(str(home), timeout=5)
    assert not lock.exists()


def test_a_git_working_in_the_home_keeps_its_lock(tmp_path):
    """A git whose cwd is the home holds the lock even while it has no file open (a commit running hooks)."""
    home, lock = _home_with_lock(tmp_path, age=100)
    fake_git = tmp_path / "git-fake"
    fake_git.write_text("#!/bin/sh\nsleep 30\n")
    fake_git.chmod(0o755)
    proc = subprocess.Popen([str(fake_git)], cwd=str(home))
    try:
        time.sleep(0.2)
        assert G._git_processes_in(str(home), [str(lock)]) == [proc.pid]  # pylint: disable=protected-access
    finally:
        proc.kill()
        proc.wait()
