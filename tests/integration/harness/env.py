"""An isolated user environment: its own HOME, ATK_HOME, global git config and marker directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Union

from .paths import REGISTRY_URL

# Inherited from the test process; everything else is dropped (no GIT_*, ANSIBLE_*, ATK_*, SSH_*, XDG_*).
PASSTHROUGH = ('PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'PYENV_ROOT', 'PYENV_VERSION')


class IsolatedEnv:
    """A throw-away "user" rooted at ``root`` (written <root> below). Never touches the real ~/.gitconfig or ~/.atk.

    Layout::

        <root>/home/            HOME (and ~/.cache, ~/.ansible, ... of every tool run with environ())
        <root>/home/.atk/       ATK_HOME
        <root>/gitconfig        GIT_CONFIG_GLOBAL (insteadOf redirects live here); GIT_CONFIG_NOSYSTEM=1
        <root>/markers/         ATK_TEST_MARKERS (what the stub lifecycle scripts record)
        <root>/tmp/             TMPDIR
        <root>/work/            an empty working directory (atk treats ``atk add X`` as local when ./X exists)

    :meth:`environ` returns the environment every tool (atk, ansible-playbook, git) should get.
    """

    def __init__(self, root: Union[str, Path], extra: Optional[Mapping[str, str]] = None):
        self.root = Path(root)
        self.home = self.root / 'home'
        self.atk_home = self.home / '.atk'
        self.gitconfig = self.root / 'gitconfig'
        self.markers = self.root / 'markers'
        self.tmp = self.root / 'tmp'
        self.work = self.root / 'work'
        for folder in (self.home, self.markers, self.tmp, self.work):
            folder.mkdir(parents=True, exist_ok=True)
        if not self.gitconfig.exists():
            self.gitconfig.write_text('', encoding='utf-8')  # empty like a fresh user's: atk's `git init` then makes "master"
        self.extra: Dict[str, str] = dict(extra or {})

    # -- environment -------------------------------------------------------------------------

    def environ(self, extra: Optional[Mapping[str, Optional[str]]] = None) -> Dict[str, str]:
        """The isolated environment; ``extra`` adds variables (a None value removes one)."""
        env = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
        if 'PYENV_ROOT' not in env and (Path.home() / '.pyenv').is_dir():
            env['PYENV_ROOT'] = str(Path.home() / '.pyenv')  # pyenv shims on PATH need it once HOME moves
        env.update(
            HOME=str(self.home),
            ATK_HOME=str(self.atk_home),
            GIT_CONFIG_GLOBAL=str(self.gitconfig),
            GIT_CONFIG_NOSYSTEM='1',
            GIT_TERMINAL_PROMPT='0',
            ATK_TEST_MARKERS=str(self.markers),
            TMPDIR=str(self.tmp),
            LANG=os.environ.get('LANG', 'C.UTF-8'),
            NO_COLOR='1',
            TERM='dumb',
            COLUMNS='200',
        )
        env.update(self.extra)
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    # -- global git config -------------------------------------------------------------------

    def git_config(self, key: str, value: str, add: bool = False) -> None:
        """Set (or with ``add``, append) a key in this environment's global git config."""
        argv = ['git', 'config', '--file', str(self.gitconfig)] + (['--add'] if add else []) + [key, value]
        subprocess.run(argv, check=True, env={'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'GIT_CONFIG_NOSYSTEM': '1'})

    def redirect(self, public_prefix: str, local_prefix: str) -> None:
        """``url.<local_prefix>.insteadOf <public_prefix>``: git fetches from the local server instead."""
        self.git_config('url.%s.insteadOf' % local_prefix, public_prefix, add=True)

    def use_registry(self, registry) -> None:
        """Redirect atk-cli's hard-coded registry URL (https://github.com/Svtoo/atk-registry) to ``registry``."""
        self.redirect(REGISTRY_URL, registry.url)

    def serve_git_sources(self, daemon, host: str = 'example.org', prefix: str = 'sources', listen_host: Optional[str] = None) -> None:
        """Redirect ``https://<host>/`` to ``<daemon>/<prefix>/<host>/`` (see :func:`harness.registry.build_git_source`)."""
        self.redirect('https://%s/' % host, '%s%s/%s/' % (daemon.base_url(listen_host), prefix.strip('/'), host))

    # -- markers -----------------------------------------------------------------------------

    def marker_log(self) -> List[List[str]]:
        """Lifecycle calls recorded by the stubs, in order: ``[key, action, cwd]`` per call."""
        log = self.markers / 'log'
        if not log.exists():
            return []
        return [line.split(' ', 2) for line in log.read_text(encoding='utf-8').splitlines() if line]

    def calls(self, key: Optional[str] = None, action: Optional[str] = None) -> List[List[str]]:
        """The recorded calls filtered by plugin key and/or action."""
        return [c for c in self.marker_log() if (key is None or c[0] == key) and (action is None or c[1] == action)]

    def installed(self, key: str) -> Optional[Dict[str, str]]:
        """What the stub install of ``key`` recorded (``{'cwd': ..., VAR: value}``), or None if not installed."""
        path = self.markers / ('%s.installed' % key)
        if not path.exists():
            return None
        return dict(line.split('=', 1) for line in path.read_text(encoding='utf-8').splitlines() if '=' in line)

    def fail(self, key: str, action: str, code: int = 1) -> None:
        """Make the stub's next ``action`` of ``key`` exit with ``code`` (until :meth:`unfail`)."""
        (self.markers / ('%s.%s.fail' % (key, action))).write_text(str(code), encoding='utf-8')

    def unfail(self, key: str, action: str) -> None:
        """Undo :meth:`fail`."""
        path = self.markers / ('%s.%s.fail' % (key, action))
        if path.exists():
            path.unlink()

    def __repr__(self) -> str:
        return '<IsolatedEnv %s>' % self.root
