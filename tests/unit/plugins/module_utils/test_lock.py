# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_lock.FileLock and the home lock built on it (_home.lock)."""

from __future__ import annotations

import multiprocessing
import os
import stat
import tempfile
import threading
import time

import pytest

from ansible_collections.atk.core.plugins.module_utils import _home as H
from ansible_collections.atk.core.plugins.module_utils import _lock as L
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError


def mode_of(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


# -- the home lock -----------------------------------------------------------------------------------

def _hold_lock(home, held, release, queue):
    with H.lock(home, timeout=5):
        held.set()
        release.wait(10)
        queue.put(time.time())


def _fork_context():
    return multiprocessing.get_context("fork")


def test_lock_lives_in_dot_git(tmp_path):
    (tmp_path / ".git").mkdir()
    with H.lock(str(tmp_path)):
        assert (tmp_path / ".git" / "atk-core" / "lock").is_file()
        assert mode_of(tmp_path / ".git" / "atk-core" / "lock") & 0o077 == 0
    assert sorted(os.listdir(str(tmp_path))) == [".git"]


def test_lock_before_the_home_exists_lives_in_tmp_and_goes_away(tmp_path, monkeypatch):
    # A private "system temp dir": should the lock file stay, it stays there, not in the real one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "systmp"))
    (tmp_path / "systmp").mkdir()
    home = tmp_path / "not-yet"
    lock = H.lock(str(home))
    with lock:
        assert not home.exists()
        path = lock.path
        assert os.path.dirname(path) == tempfile.gettempdir()
        assert os.path.basename(path).startswith("atk-core-%d-" % os.getuid())
        assert os.path.isfile(path)
    assert not os.path.lexists(path), "the run left its lock file in the temp directory"
    # Keyed on the real path: another spelling of the same home gets the same lock file.
    (tmp_path / "alias").symlink_to(tmp_path)
    assert H.lock(str(tmp_path / "alias" / "not-yet")).path == path


def test_check_mode_of_a_missing_home_takes_no_lock(tmp_path):
    before = set(os.listdir(tempfile.gettempdir()))
    with H.lock(str(tmp_path / "not-yet"), shared=True):
        assert set(os.listdir(tempfile.gettempdir())) == before


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
            with H.lock(str(tmp_path), timeout=10):
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
            with H.lock(home, timeout=30):
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
            with H.lock(str(tmp_path), timeout=1):
                pytest.fail("got a lock another process holds")
        waited = time.time() - start
        # A waiter that times out while the holder keeps the lock, again and again: never gets it early.
        for number in _rounds(most=5, seconds=1.5):
            with pytest.raises(AtkError):
                with H.lock(str(tmp_path), timeout=0.1):
                    pytest.fail("got a lock another process holds (round %d)" % number)
    finally:
        release.set()
        child.join(10)
    assert 0.9 <= waited < 5
    assert info.value.msg == "Another atk.core run has held the lock on %s for more than 1 seconds." % tmp_path
    assert info.value.hint == "Wait for it to finish, or raise lock_timeout."
    assert str(info.value) == info.value.msg + " " + info.value.hint
    # After the holder is gone the lock is free again, and a timed-out attempt leaked nothing.
    with H.lock(str(tmp_path), timeout=1):
        pass


def test_lock_is_exclusive_within_one_process_too(tmp_path):
    (tmp_path / ".git").mkdir()
    with H.lock(str(tmp_path)):
        with pytest.raises(AtkError):
            with H.lock(str(tmp_path), timeout=0.1):
                pass
    with H.lock(str(tmp_path), shared=True):
        with H.lock(str(tmp_path), shared=True, timeout=0.1):
            pass
        with pytest.raises(AtkError):
            with H.lock(str(tmp_path), timeout=0.1):
                pass


# -- FileLock ------------------------------------------------------------------------------------

def test_file_lock_is_reentrant_per_object(tmp_path):
    lock = L.FileLock(str(tmp_path / "lock"), timeout=0.1)
    with lock:
        with lock:
            pass
        with pytest.raises(AtkError):
            with L.FileLock(str(tmp_path / "lock"), timeout=0.1):
                pass


def _removing_worker(path, rounds, counter_path):
    for _number in range(rounds):
        with L.FileLock(path, timeout=30, remove=True):
            # A read-modify-write that loses updates unless the lock is exclusive.
            with open(counter_path) as handle:
                value = int(handle.read())
            time.sleep(0.0005)
            with open(counter_path, "w") as handle:
                handle.write(str(value + 1))


def test_removed_lock_file_still_serialises(tmp_path):
    """Deleting the lock file on release must not let two holders in at once (the unlink race)."""
    path = str(tmp_path / "lock")
    counter = tmp_path / "counter"
    counter.write_text("0")
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_removing_worker, args=(path, 60, str(counter))) for _number in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert counter.read_text() == str(4 * 60)
    assert not os.path.lexists(path)
