# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one file lock atk.core takes (a home, a source cache). PRIVATE to the collection.

An ``flock`` on a lock file: exclusive, or shared (check mode reads a home while another
check reads it too). Re-entrant per object, so code under the lock may call code that takes
it again. Waits up to ``timeout`` seconds, then fails with ``message`` (which names what is
locked and what to do).

``remove=True`` deletes the lock file when the lock is released (a lock in the system temp
directory must not outlive the run). Deleting is safe because every acquirer checks, once it
holds the lock, that the path still names the file it locked, and starts over when not.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError


class FileLock(object):
    """``with FileLock(path, timeout, message):`` holds ``flock(path)`` for the block."""

    def __init__(self, path, timeout=600.0, message=None, hint=None, shared=False, remove=False):
        self.path = path
        self.remove = remove
        self.timeout = timeout
        self.message = message or "Another process has held the lock %s for more than %d seconds." % (path, timeout)
        self.hint = hint or "Wait for it to finish and retry."
        self.shared = shared
        self._fd = None
        self._depth = 0

    def __enter__(self):
        if self._depth == 0:
            self._fd = self._acquire()
        self._depth += 1
        return self

    def _acquire(self):
        flags = (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.time() + self.timeout
        delay = 0.02
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(fd, flags)
                if self._still_named(fd):
                    return fd
                # The holder before us deleted the file: lock the one the path names now.
                os.close(fd)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                continue
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            if time.time() >= deadline:
                os.close(fd)
                raise AtkError(self.message, hint=self.hint)
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _still_named(self, fd):
        try:
            named = os.stat(self.path)
        except OSError:
            return False
        held = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

    def __exit__(self, *exc_info):
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            if self.remove and not self.shared:
                try:
                    os.unlink(self.path)
                except OSError:
                    pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        return False
