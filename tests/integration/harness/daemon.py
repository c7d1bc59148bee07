"""A real ``git daemon`` serving test repositories over git:// on loopback (or other local addresses)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from .gitrepo import SERVE_CONFIG, GitRepo


def free_port(host: str = '127.0.0.1') -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class GitDaemon:
    """``git daemon --export-all --enable=upload-pack --reuseaddr`` over ``base_path``.

    Every repository below ``base_path`` is served as ``git://<host>:<port>/<relpath>``.
    :meth:`stop` kills the daemon and every connection it forked and waits until the port
    refuses connections, so "registry unreachable" tests see a real, fast failure.
    :meth:`start` after :meth:`stop` reuses the same port, so URLs stay valid.

    ``listen`` is the list of addresses to listen on (default ``127.0.0.1``); fleet tests add
    network-namespace gateway addresses (e.g. ``10.200.1.1``), which must exist when the
    daemon starts (:meth:`restart` with a new ``listen`` to add some later).
    """

    def __init__(self, base_path: Union[str, Path], listen: Sequence[str] = ('127.0.0.1',), port: Optional[int] = None,
                 log_path: Union[str, Path, None] = None):
        self.base_path = Path(base_path)
        self.base_path.mkdir(parents=True, exist_ok=True)
        self.listen = list(listen)
        self.port = port
        self._fixed_port = port is not None
        self.log_path = Path(log_path) if log_path else self.base_path.parent / ('%s.git-daemon.log' % self.base_path.name)
        self.config_path = self.base_path.parent / ('%s.git-daemon.gitconfig' % self.base_path.name)
        self._proc: Optional[subprocess.Popen] = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The first listen address (the one URLs use by default)."""
        return self.listen[0]

    @property
    def running(self) -> bool:
        """True while the daemon process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> 'GitDaemon':
        """Start the daemon and wait until it accepts connections. No-op when running."""
        if self.running:
            return self
        self._write_config()
        attempts = 1 if (self._fixed_port or self.port) else 5
        last_error = ''
        for _attempt in range(attempts):
            if self.port is None:
                self.port = free_port(self.host)
            self._spawn()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break
                if all(port_open(host, self.port) for host in self.listen):
                    return self
                time.sleep(0.02)
            last_error = self._log_tail()
            self._kill()
            if not self._fixed_port:
                self.port = None
        raise RuntimeError('git daemon did not start on %s:%s\n%s' % (','.join(self.listen), self.port, last_error))

    def stop(self, timeout: float = 5.0) -> None:
        """Kill the daemon (and its per-connection children); wait until the port is closed."""
        self._kill(timeout)
        if self.port is None:
            return
        deadline = time.monotonic() + timeout
        while any(port_open(host, self.port) for host in self.listen):
            if time.monotonic() > deadline:
                raise RuntimeError('git daemon port %s still open after stop' % self.port)
            time.sleep(0.02)

    def restart(self, listen: Optional[Iterable[str]] = None) -> 'GitDaemon':
        """Stop, optionally change the listen addresses, start again on the same port."""
        self.stop()
        if listen is not None:
            self.listen = list(listen)
        return self.start()

    def ensure_running(self) -> 'GitDaemon':
        """Start the daemon if a test stopped it."""
        return self.start()

    def __enter__(self) -> 'GitDaemon':
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- repositories ------------------------------------------------------------------------

    def url(self, relpath: str = '', host: Optional[str] = None) -> str:
        """``git://host:port/relpath`` for a repository below ``base_path``."""
        if self.port is None:
            raise RuntimeError('git daemon has no port yet: start() it first')
        return 'git://%s:%d/%s' % (host or self.host, self.port, relpath.strip('/'))

    def base_url(self, host: Optional[str] = None) -> str:
        """``git://host:port/`` (with the trailing slash, for insteadOf prefixes)."""
        return self.url('', host=host).rstrip('/') + '/'

    def init_repo(self, relpath: str, cls=GitRepo) -> GitRepo:
        """Create an empty served repository (branch main, partial clone enabled) at ``relpath``."""
        path = self.base_path / relpath
        if path.exists():
            raise FileExistsError(path)
        return cls.init(path, daemon=self, relpath=relpath.strip('/'))

    # -- internals ---------------------------------------------------------------------------

    def _write_config(self) -> None:
        lines = ['[uploadpack]'] + ['\t%s = %s' % (key.split('.', 1)[1], value) for key, value in SERVE_CONFIG.items()]
        lines += ['[safe]', '\tdirectory = *']
        self.config_path.write_text('\n'.join(lines) + '\n', encoding='utf-8')

    def _spawn(self) -> None:
        argv = ['git', 'daemon', '--export-all', '--enable=upload-pack', '--reuseaddr', '--informative-errors', '--verbose',
                '--base-path=%s' % self.base_path, '--port=%d' % self.port]
        argv += ['--listen=%s' % host for host in self.listen]
        env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
        env.update(GIT_CONFIG_NOSYSTEM='1', GIT_CONFIG_GLOBAL=str(self.config_path))
        log = open(self.log_path, 'ab')  # pylint: disable=consider-using-with
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,  # pylint: disable=consider-using-with
                                          start_new_session=True)
        finally:
            log.close()

    def _kill(self, timeout: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        # per-connection children share the process group; make sure none survives
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding='utf-8', errors='replace')[-2000:]
        except OSError:
            return ''

    def __repr__(self) -> str:
        return '<GitDaemon %s port=%s base=%s %s>' % (','.join(self.listen), self.port, self.base_path, 'running' if self.running else 'stopped')
