"""Git helpers: run git hermetically with a fixed test identity; a small repository wrapper."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Mapping, Optional, Union

TEST_IDENTITY = {
    'GIT_AUTHOR_NAME': 'atk.core tests',
    'GIT_AUTHOR_EMAIL': 'tests@atk-core.invalid',
    'GIT_COMMITTER_NAME': 'atk.core tests',
    'GIT_COMMITTER_EMAIL': 'tests@atk-core.invalid',
}

# Settings every repository served by the test git daemon gets (partial clone, pinned commits).
SERVE_CONFIG = {
    'uploadpack.allowFilter': 'true',
    'uploadpack.allowAnySHA1InWant': 'true',
    'uploadpack.allowReachableSHA1InWant': 'true',
}

Content = Union[str, bytes, None]


def git_env(extra: Optional[Mapping[str, str]] = None) -> dict:
    """Environment for the harness's own git calls: no user/system config, fixed identity."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
    env.update(TEST_IDENTITY)
    env.update(GIT_CONFIG_NOSYSTEM='1', GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT='0')
    if extra:
        env.update(extra)
    return env


def git(*args: str, cwd: Union[str, Path, None] = None, check: bool = True, env: Optional[Mapping[str, str]] = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``git *args`` hermetically; raises with git's stderr when ``check`` and it fails."""
    proc = subprocess.run(['git'] + [str(a) for a in args], cwd=cwd, env=git_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError('git %s failed (rc %d) in %s:\n%s%s' % (' '.join(map(str, args)), proc.returncode, cwd, proc.stdout, proc.stderr))
    return proc


class GitRepo:
    """A non-bare repository on branch ``main`` whose commits use the fixed test identity.

    ``url`` is set when the repository is served by a :class:`harness.daemon.GitDaemon`.
    """

    def __init__(self, path: Union[str, Path], url: Optional[str] = None, daemon=None, relpath: Optional[str] = None):
        self.path = Path(path)
        self._url = url
        self.daemon = daemon
        self.relpath = relpath

    @property
    def url(self) -> Optional[str]:
        """``git://127.0.0.1:<port>/<relpath>`` when served by a daemon, else the URL given (or None)."""
        if self.daemon is not None and self.relpath is not None and self.daemon.port is not None:
            return self.daemon.url(self.relpath)
        return self._url

    @classmethod
    def init(cls, path: Union[str, Path], **kwargs) -> 'GitRepo':
        """Create an empty repository (branch ``main``) ready to be served."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        git('init', '-q', '-b', 'main', str(path))
        for key, value in SERVE_CONFIG.items():
            git('config', key, value, cwd=path)
        return cls(path, **kwargs)

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run git inside the repository."""
        return git(*args, cwd=self.path, check=check)

    def head(self) -> str:
        """The commit ``main`` points at."""
        return self.git('rev-parse', 'HEAD').stdout.strip()

    def write(self, changes: Mapping[str, Content]) -> None:
        """Write files into the work tree without committing. ``None`` deletes; bytes are written as-is."""
        for rel, content in changes.items():
            target = self.path / rel
            if content is None:
                if target.is_dir() and not target.is_symlink():
                    self.git('rm', '-rq', '--ignore-unmatch', '--', rel)
                    shutil.rmtree(target, ignore_errors=True)
                elif target.exists() or target.is_symlink():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding='utf-8')

    def commit(self, changes: Optional[Mapping[str, Content]] = None, message: str = 'test change', allow_empty: bool = False) -> str:
        """Apply ``changes`` (relpath -> str|bytes|None, None deletes), commit everything, return the new HEAD sha."""
        if changes:
            self.write(changes)
        self.git('add', '-A')
        args = ['commit', '-q', '--no-verify', '--no-gpg-sign', '-m', message]
        if allow_empty:
            args.append('--allow-empty')
        self.git(*args)
        return self.head()

    def chmod(self, rel: str, mode: int) -> None:
        """Change a work-tree file's mode (git records only the executable bit)."""
        os.chmod(self.path / rel, mode)

    def read(self, rel: str, ref: str = 'HEAD') -> str:
        """A file's content at ``ref``."""
        return self.git('show', '%s:%s' % (ref, rel)).stdout

    def url_for(self, host: str) -> str:
        """The repository's git:// URL as seen through another listen address of its daemon."""
        if self.daemon is None or self.relpath is None:
            raise ValueError('repository is not served by a daemon')
        return self.daemon.url(self.relpath, host=host)

    def __repr__(self) -> str:
        return '<%s %s url=%s>' % (type(self).__name__, self.path, self.url)
