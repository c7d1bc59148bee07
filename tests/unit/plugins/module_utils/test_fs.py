# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_fs: atomic writes, tree swaps, leftovers and the home lock."""

from __future__ import annotations

import multiprocessing
import os
import stat
import tempfile
import threading
import time

import pytest

from ansible_collections.atk.core.plugins.module_utils import _fs as F
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

REAL_RENAME = os.rename


def mode_of(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


# -- atomic_write ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o600, 0o644, 0o640, 0o755])
def test_atomic_write_modes(tmp_path, mode):
    target = tmp_path / "f"
    assert F.atomic_write(str(target), b"data", mode=mode) is True
    assert target.read_bytes() == b"data"
    assert mode_of(target) == mode


@pytest.mark.parametrize("existing", [None, 0o644, 0o666])
def test_secret_file_is_never_visible_with_a_wider_mode(tmp_path, monkeypatch, existing):
    """The temporary file already has 0600 and sits in the target's directory when it is renamed."""
    target = tmp_path / ".env"
    if existing is not None:
        target.write_bytes(b"OLD=1\n")
        os.chmod(str(target), existing)
    seen = []

    def spy(src, dst):
        seen.append((os.path.basename(src), os.path.dirname(src), mode_of(src), open(src, "rb").read(), dst))
        return REAL_RENAME(src, dst)

    monkeypatch.setattr(os, "rename", spy)
    old_umask = os.umask(0)  # the widest umask: the mode must not come from it
    try:
        F.atomic_write(str(target), "TOKEN=s3cret\n", mode=0o600)
    finally:
        os.umask(old_umask)
    assert len(seen) == 1
    name, directory, tmp_mode, content, dst = seen[0]
    assert name.startswith(F.TEMP_PREFIX)
    assert directory == str(tmp_path)
    assert tmp_mode == 0o600
    assert content == b"TOKEN=s3cret\n"
    assert dst == str(target)
    assert mode_of(target) == 0o600
    assert sorted(os.listdir(str(tmp_path))) == [".env"]


def test_mode_ignores_umask(tmp_path):
    old_umask = os.umask(0o077)
    try:
        F.atomic_write(str(tmp_path / "m"), b"x", mode=0o644)
    finally:
        os.umask(old_umask)
    assert mode_of(tmp_path / "m") == 0o644


def test_unchanged_bytes_leave_the_file_alone(tmp_path):
    target = tmp_path / "manifest.yaml"
    target.write_bytes(u"caf\u00e9\n".encode("utf-8"))
    os.chmod(str(target), 0o644)
    os.utime(str(target), ns=(10 ** 18, 10 ** 18))
    inode = target.stat().st_ino
    assert F.atomic_write(str(target), u"caf\u00e9\n") is False
    assert target.stat().st_mtime_ns == 10 ** 18
    assert target.stat().st_ino == inode


def test_unchanged_bytes_with_another_mode_only_chmod(tmp_path):
    target = tmp_path / ".env"
    target.write_bytes(b"A=1\n")
    os.chmod(str(target), 0o644)
    os.utime(str(target), ns=(10 ** 18, 10 ** 18))
    assert F.atomic_write(str(target), b"A=1\n", mode=0o600) is True
    assert mode_of(target) == 0o600
    assert target.stat().st_mtime_ns == 10 ** 18


def test_failed_rename_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "manifest.yaml"
    target.write_bytes(b"old\n")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", boom)
    with pytest.raises(OSError):
        F.atomic_write(str(target), b"new\n")
    assert target.read_bytes() == b"old\n"
    assert os.listdir(str(tmp_path)) == ["manifest.yaml"]


def test_read_helpers(tmp_path):
    assert F.read_bytes(str(tmp_path / "missing")) is None
    assert F.read_text(str(tmp_path / "missing" / "deeper")) is None
    (tmp_path / "t").write_bytes(u"\u2014\r\n".encode("utf-8"))
    assert F.read_text(str(tmp_path / "t")) == u"\u2014\r\n"
    with pytest.raises(OSError):
        F.read_bytes(str(tmp_path))


# -- swap_tree / swap_out / leftovers ---------------------------------------------------------

def make_tree(root, files):
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_atomic_write_temp_dir_keeps_the_temporary_out_of_the_target_folder(tmp_path, monkeypatch):
    home, state = tmp_path / "home", tmp_path / "home" / ".git" / "atk-core"
    state.mkdir(parents=True)
    renames = []

    def rename(src, dst):
        renames.append(os.path.dirname(src))
        return REAL_RENAME(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    assert F.atomic_write(str(home / "manifest.yaml"), "a: 1\n", temp_dir=str(state)) is True
    assert renames == [str(state)] and (home / "manifest.yaml").read_text() == "a: 1\n"
    assert F.atomic_write(str(home / "manifest.yaml"), "a: 2\n", temp_dir=str(tmp_path / "missing")) is True
    assert renames[-1] == str(home)
    assert F.temp_dir_for(str(home / "x"), None) == str(home)


def test_swap_tree_replaces_the_target(tmp_path):
    staged, target, trash = tmp_path / "staged", tmp_path / "plugins" / "p", tmp_path / "trash"
    make_tree(staged, {"plugin.yaml": b"new", "sub/x": b"1"})
    make_tree(target, {"plugin.yaml": b"old", "gone": b"2"})
    F.swap_tree(str(staged), str(target), str(trash))
    assert sorted(os.listdir(str(target))) == ["plugin.yaml", "sub"]
    assert (target / "plugin.yaml").read_bytes() == b"new"
    assert not staged.exists()
    assert not trash.exists() or os.listdir(str(trash)) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_swap_tree_replaces_the_target_on_both_paths(tmp_path, monkeypatch, exchange):
    staged, target, trash = tmp_path / "staged", tmp_path / "plugins" / "p", tmp_path / "trash"
    make_tree(staged, {"plugin.yaml": b"new"})
    make_tree(target, {"plugin.yaml": b"old"})
    if not exchange:
        monkeypatch.setattr(F, "_exchange", lambda first, second: False)
    F.swap_tree(str(staged), str(target), str(trash))
    assert sorted(os.listdir(str(target))) == ["plugin.yaml"]
    assert (target / "plugin.yaml").read_bytes() == b"new"
    assert not staged.exists()
    assert not trash.exists() or os.listdir(str(trash)) == []


def test_exchange_swaps_two_directories(tmp_path):
    make_tree(tmp_path / "a", {"x": b"a"})
    make_tree(tmp_path / "b", {"x": b"b"})
    if not F._exchange(str(tmp_path / "a"), str(tmp_path / "b")):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here")
    assert (tmp_path / "a" / "x").read_bytes() == b"b"
    assert (tmp_path / "b" / "x").read_bytes() == b"a"


def test_restore_swapped_puts_back_what_a_killed_swap_moved_out(tmp_path):
    plugins, trash = tmp_path / "plugins", tmp_path / "trash"
    make_tree(plugins / "my-plugin", {"custom/overrides.yaml": b"mine", ".env": b"K=v\n"})
    make_tree(plugins / "other", {"plugin.yaml": b"old"})
    F.swap_out(str(plugins / "my-plugin"), str(trash), delete=False)  # a swap killed between its renames
    kept = F.swap_out(str(plugins / "other"), str(trash), delete=False)  # ... and one whose new tree arrived
    make_tree(plugins / "other", {"plugin.yaml": b"new"})
    make_tree(trash / "del-gone-abc123", {"plugin.yaml": b"half deleted"})  # a removal killed mid-delete
    assert F.restore_swapped(str(trash), str(plugins)) == ["my-plugin"]
    assert (plugins / "my-plugin" / "custom" / "overrides.yaml").read_bytes() == b"mine"
    assert (plugins / "my-plugin" / ".env").read_bytes() == b"K=v\n"
    assert (plugins / "other" / "plugin.yaml").read_bytes() == b"new"
    assert not (plugins / "gone").exists()
    assert os.path.isdir(kept)


def test_swap_tree_into_a_new_place(tmp_path):
    staged, target = tmp_path / "staged", tmp_path / "p"
    make_tree(staged, {"plugin.yaml": b"new"})
    F.swap_tree(str(staged), str(target), str(tmp_path / "trash"))
    assert (target / "plugin.yaml").read_bytes() == b"new"


def test_swap_tree_keeps_the_old_tree_when_the_rename_fails(tmp_path, monkeypatch):
    staged, target, trash = tmp_path / "staged", tmp_path / "p", tmp_path / "trash"
    make_tree(staged, {"plugin.yaml": b"new"})
    make_tree(target, {"plugin.yaml": b"old", "custom/overrides.yaml": b"mine"})

    def failing(src, dst):
        if src == str(staged):
            raise OSError(18, "Invalid cross-device link")
        return REAL_RENAME(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    monkeypatch.setattr(F, "_exchange", lambda first, second: False)  # the two-rename path
    with pytest.raises(OSError):
        F.swap_tree(str(staged), str(target), str(trash))
    assert (target / "plugin.yaml").read_bytes() == b"old"
    assert (target / "custom" / "overrides.yaml").read_bytes() == b"mine"
    assert (staged / "plugin.yaml").read_bytes() == b"new"
    assert os.listdir(str(trash)) == []


def test_swap_out(tmp_path):
    make_tree(tmp_path / "p", {"a": b"1"})
    old = F.swap_out(str(tmp_path / "p"), str(tmp_path / "trash"), delete=False)
    assert not (tmp_path / "p").exists()
    assert os.path.dirname(old) == str(tmp_path / "trash")
    assert open(os.path.join(old, "a"), "rb").read() == b"1"
    make_tree(tmp_path / "q", {"a": b"1"})
    F.swap_out(str(tmp_path / "q"), str(tmp_path / "trash"))
    assert os.listdir(str(tmp_path / "trash")) == [os.path.basename(old)]


def test_clean_temp_leftovers(tmp_path):
    make_tree(tmp_path, {F.TEMP_PREFIX + "stage-1/x": b"1", "user-file": b"2", "user/.atk-core-tmp-nested": b"3",
                         "atk-core-tmp-lookalike": b"4"})
    (tmp_path / (F.TEMP_PREFIX + "abc")).write_bytes(b"5")
    os.symlink("/nonexistent", str(tmp_path / (F.TEMP_PREFIX + "link")))
    removed = F.clean_temp_leftovers(str(tmp_path))
    assert sorted(removed) == sorted([F.TEMP_PREFIX + "stage-1", F.TEMP_PREFIX + "abc", F.TEMP_PREFIX + "link"])
    assert sorted(os.listdir(str(tmp_path))) == ["atk-core-tmp-lookalike", "user", "user-file"]
    assert F.clean_temp_leftovers(str(tmp_path)) == []
    assert F.clean_temp_leftovers(str(tmp_path / "missing")) == []


def test_make_temp_dir_is_a_leftover_candidate(tmp_path):
    path = F.make_temp_dir(str(tmp_path), "stage")
    assert os.path.dirname(path) == str(tmp_path)
    assert os.path.basename(path).startswith(F.TEMP_PREFIX + "stage-")
    assert F.clean_temp_leftovers(str(tmp_path)) == [os.path.basename(path)]


def test_remove_tree(tmp_path):
    make_tree(tmp_path, {"d/x": b"1", "f": b"2"})
    os.symlink(str(tmp_path / "d"), str(tmp_path / "link"))
    F.remove_tree(str(tmp_path / "link"))
    assert (tmp_path / "d" / "x").exists()
    F.remove_tree(str(tmp_path / "d"))
    F.remove_tree(str(tmp_path / "f"))
    F.remove_tree(str(tmp_path / "missing"))
    assert os.listdir(str(tmp_path)) == []


def test_tree_files(tmp_path):
    make_tree(tmp_path, {"plugin.yaml": b"a", "bin/run.sh": b"#!/bin/sh\n", "custom/o.yaml": b"c", ".env": b"S=1",
                         "sub/.env": b"nested", "sub/custom/k": b"k"})
    os.chmod(str(tmp_path / "bin" / "run.sh"), 0o755)
    os.symlink("plugin.yaml", str(tmp_path / "alias"))
    os.symlink("bin", str(tmp_path / "bindir"))
    files = F.tree_files(str(tmp_path), ("custom", ".env"))
    assert sorted(files) == ["alias", "bin/run.sh", "bindir", "plugin.yaml", "sub/.env", "sub/custom/k"]
    assert files["alias"] == ("link", "plugin.yaml")
    assert files["bindir"] == ("link", "bin")
    assert files["bin/run.sh"][:2] == ("file", True)
    assert files["plugin.yaml"][:2] == ("file", False)
    assert F.tree_files(str(tmp_path / "missing")) == {}


# -- HomeLock -----------------------------------------------------------------------------------

def _hold_lock(home, held, release, queue):
    with F.HomeLock(home, timeout=5):
        held.set()
        release.wait(10)
        queue.put(time.time())


def _fork_context():
    return multiprocessing.get_context("fork")


def test_lock_lives_in_dot_git(tmp_path):
    (tmp_path / ".git").mkdir()
    with F.HomeLock(str(tmp_path)):
        assert (tmp_path / ".git" / "atk-core" / "lock").is_file()
        assert mode_of(tmp_path / ".git" / "atk-core" / "lock") & 0o077 == 0
    assert sorted(os.listdir(str(tmp_path))) == [".git"]


def test_lock_before_the_home_exists_lives_in_tmp(tmp_path, monkeypatch):
    # A private "system temp dir": the lock file must not be left in the real one by this test.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "systmp"))
    (tmp_path / "systmp").mkdir()
    home = tmp_path / "not-yet"
    lock = F.HomeLock(str(home))
    with lock:
        assert not home.exists()
        path = lock._lock_path()  # pylint: disable=protected-access
        assert os.path.dirname(path) == tempfile.gettempdir()
        assert os.path.basename(path).startswith("atk-core-%d-" % os.getuid())
        assert os.path.isfile(path)
    # Keyed on the real path: another spelling of the same home gets the same lock file.
    (tmp_path / "alias").symlink_to(tmp_path)
    assert F.HomeLock(str(tmp_path / "alias" / "not-yet"))._lock_path() == path  # pylint: disable=protected-access


def _rounds(most, seconds, least=3):
    """Round numbers for a racy test: at least ``least``, at most ``most``, stopping after ``seconds``."""
    deadline = time.monotonic() + seconds
    number = 0
    while number < most and (number < least or time.monotonic() < deadline):
        yield number
        number += 1


def test_lock_serialises_two_processes(tmp_path):
    """The waiter never gets the lock before the holder lets go (repeated: a race shows now and then)."""
    (tmp_path / ".git").mkdir()
    ctx = _fork_context()
    for number in _rounds(most=10, seconds=4):
        held, release, queue = ctx.Event(), ctx.Event(), ctx.Queue()
        child = ctx.Process(target=_hold_lock, args=(str(tmp_path), held, release, queue))
        child.start()
        try:
            assert held.wait(10), "round %d" % number
            # Let the holder go in 0.05 to 0.3 s; we must not get the lock before it has let go.
            delay = 0.05 + 0.05 * (number % 6)
            release_at = time.time() + delay
            timer = threading.Timer(delay, release.set)
            timer.start()
            with F.HomeLock(str(tmp_path), timeout=10):
                acquired = time.time()
            timer.join(10)
            released = queue.get(timeout=10)
        finally:
            release.set()
            child.join(10)
        assert child.exitcode == 0, "round %d" % number
        assert acquired >= released, "round %d" % number
        assert acquired >= release_at - 0.05, "round %d" % number


def _count_under_lock(home, start, increments, errors):
    """Wait at ``start`` (a barrier), then add 1 to ``<home>/counter`` ``increments`` times under the lock."""
    try:
        start.wait(10)
        for _number in range(increments):
            with F.HomeLock(home, timeout=30):
                counter = os.path.join(home, "counter")
                value = int(open(counter).read()) if os.path.exists(counter) else 0
                time.sleep(0.001)  # widen the read-modify-write window: a second holder would lose an update
                with open(counter, "w") as handle:
                    handle.write(str(value + 1))
    except BaseException as exc:  # pylint: disable=broad-except
        errors.put(repr(exc))
        raise


@pytest.mark.parametrize("kind", ["processes", "threads"])
def test_first_users_of_a_home_race_for_the_lock_and_lose_no_update(tmp_path, kind):
    """Four runs start at once on a home whose .git has no atk-core/ yet: none fails, none overlaps.

    Each round takes a fresh home, so the lock folder is created concurrently every time (two
    playbooks started together on a new machine crashed with FileExistsError there), and every
    holder does a read-modify-write of a counter that loses an update if two ever hold the lock.
    """
    ctx = _fork_context()
    workers, increments = 4, 5
    for number in _rounds(most=12, seconds=6):
        home = tmp_path / ("home%d" % number)
        (home / ".git").mkdir(parents=True)
        if kind == "processes":
            start, errors = ctx.Barrier(workers), ctx.Queue()
            runners = [ctx.Process(target=_count_under_lock, args=(str(home), start, increments, errors)) for _n in range(workers)]
        else:
            import queue  # pylint: disable=import-outside-toplevel
            start, errors = threading.Barrier(workers), queue.Queue()
            runners = [threading.Thread(target=_count_under_lock, args=(str(home), start, increments, errors)) for _n in range(workers)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(60)
        problems = []
        while not errors.empty():
            problems.append(errors.get())
        assert problems == [], "round %d: %s" % (number, problems)
        assert (home / "counter").read_text() == str(workers * increments), "round %d" % number
        assert sorted(os.listdir(str(home / ".git" / "atk-core"))) == ["lock"]


def test_lock_times_out_with_a_clear_message(tmp_path):
    (tmp_path / ".git").mkdir()
    ctx = _fork_context()
    held, release, queue = ctx.Event(), ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_hold_lock, args=(str(tmp_path), held, release, queue))
    child.start()
    try:
        assert held.wait(10)
        start = time.time()
        with pytest.raises(AtkError) as info:
            with F.HomeLock(str(tmp_path), timeout=1):
                pytest.fail("got a lock another process holds")
        waited = time.time() - start
        # A waiter that times out while the holder keeps the lock, again and again: never gets it early.
        for number in _rounds(most=5, seconds=1.5):
            with pytest.raises(AtkError):
                with F.HomeLock(str(tmp_path), timeout=0.1):
                    pytest.fail("got a lock another process holds (round %d)" % number)
    finally:
        release.set()
        child.join(10)
    assert 0.9 <= waited < 5
    assert info.value.msg == "Another atk.core run has held the lock on %s for more than 1 seconds." % tmp_path
    assert info.value.hint == "Wait for it to finish, or raise lock_timeout."
    assert str(info.value) == info.value.msg + " " + info.value.hint
    # After the holder is gone the lock is free again, and a timed-out attempt leaked nothing.
    with F.HomeLock(str(tmp_path), timeout=1):
        pass


def test_lock_is_exclusive_within_one_process_too(tmp_path):
    (tmp_path / ".git").mkdir()
    with F.HomeLock(str(tmp_path)):
        with pytest.raises(AtkError):
            with F.HomeLock(str(tmp_path), timeout=0.1):
                pass
    with F.HomeLock(str(tmp_path), shared=True):
        with F.HomeLock(str(tmp_path), shared=True, timeout=0.1):
            pass
        with pytest.raises(AtkError):
            with F.HomeLock(str(tmp_path), timeout=0.1):
                pass
