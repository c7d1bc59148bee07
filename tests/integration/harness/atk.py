"""The interoperability peer: the real atk-cli 0.4.0 run inside an :class:`harness.env.IsolatedEnv`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence, Union

import yaml

from .env import IsolatedEnv
from .paths import atk_bin


class AtkError(AssertionError):
    """An atk command that had to succeed did not."""


class AtkPeer:
    """Runs ``<repo>/.venv-atk/bin/atk`` (or ``$ATK_PEER_BIN``) with the isolated HOME/ATK_HOME/git config.

    ``run(*args, input=...)`` returns the CompletedProcess (text, stdout/stderr captured);
    ``check=True`` raises :class:`AtkError` with both streams on a non-zero exit.
    """

    def __init__(self, env: IsolatedEnv, binary: Union[str, Path, None] = None, timeout: float = 120):
        self.env = env
        self.binary = Path(binary) if binary else atk_bin()
        self.timeout = timeout

    @property
    def home(self) -> Path:
        """ATK_HOME of this peer."""
        return self.env.atk_home

    def run(self, *args: str, input: Optional[str] = None, check: bool = False, cwd: Union[str, Path, None] = None,  # pylint: disable=redefined-builtin
            env: Optional[Mapping[str, Optional[str]]] = None, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
        """Run ``atk *args``. ``input`` feeds stdin (prompts); otherwise stdin is empty (EOF)."""
        proc = subprocess.run([str(self.binary)] + [str(a) for a in args], input=input if input is not None else '', text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(cwd or self.env.work), env=self.env.environ(env),
                              timeout=timeout or self.timeout, check=False)
        if check and proc.returncode != 0:
            raise AtkError('atk %s exited %d\n--- stdout\n%s--- stderr\n%s' % (' '.join(map(str, args)), proc.returncode, proc.stdout, proc.stderr))
        return proc

    # -- conveniences ------------------------------------------------------------------------

    def init(self, check: bool = True) -> subprocess.CompletedProcess:
        """``atk init`` (the home is ATK_HOME)."""
        return self.run('init', check=check)

    def add(self, source: str, answers: Sequence[str] = (), yes: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        """``atk add <source> [-y]``, answering env-var (and confirmation) prompts with ``answers``, one per line."""
        args = ['add', source] + (['-y'] if yes else [])
        return self.run(*args, input=''.join('%s\n' % a for a in answers), check=check)

    def remove(self, plugin: str, force: bool = True, check: bool = True) -> subprocess.CompletedProcess:
        """``atk remove <plugin> [--force]``."""
        return self.run(*(['remove', plugin] + (['--force'] if force else [])), check=check)

    def manifest(self) -> dict:
        """The parsed ``manifest.yaml`` of the home."""
        return yaml.safe_load((self.home / 'manifest.yaml').read_text(encoding='utf-8'))

    def plugin_dirs(self) -> list:
        """Directory names under ``<home>/plugins``."""
        folder = self.home / 'plugins'
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def git(self, *args: str) -> subprocess.CompletedProcess:
        """Run git in the home with the isolated environment (no check)."""
        return subprocess.run(['git'] + list(args), cwd=str(self.home), env=self.env.environ(), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)

    def validate_plugin_dirs(self, folders: Iterable[Union[str, Path]]) -> dict:
        """Load each folder with atk's own ``load_plugin_schema``; return ``{folder: error or None}``."""
        python = self.binary.parent / 'python'
        code = (
            'import sys, json\n'
            'from pathlib import Path\n'
            'from atk.plugin import load_plugin_schema\n'
            'out = {}\n'
            'for d in sys.argv[1:]:\n'
            '    try:\n'
            '        load_plugin_schema(Path(d))\n'
            '        out[d] = None\n'
            '    except Exception as e:\n'
            '        out[d] = "%s: %s" % (type(e).__name__, e)\n'
            'print(json.dumps(out))\n'
        )
        import json  # pylint: disable=import-outside-toplevel

        proc = subprocess.run([str(python), '-c', code] + [str(f) for f in folders], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env.environ(), check=False)
        if proc.returncode != 0:
            raise AtkError('plugin validation with atk failed:\n%s' % proc.stderr)
        return json.loads(proc.stdout)
