"""Run real ``ansible-playbook`` against the collection under test and parse what happened."""

from __future__ import annotations

import itertools
import os
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import yaml

from .env import IsolatedEnv
from .paths import CALLBACK_PLUGINS_DIR, ansible_bin, collections_root, module_python

Playbook = Union[str, Path, Sequence[Mapping[str, Any]]]


class PlaybookError(AssertionError):
    """A playbook that had to succeed did not (the message carries the run's output)."""


@dataclass
class PlaybookResult:
    """What one ``ansible-playbook`` run did.

    ``results`` holds one dict per task result, in order: ``play``, ``task`` (name), ``action``,
    ``host``, ``status`` (ok, failed, skipped, unreachable), ``handler``, ``ignore_errors`` (failed
    only) and ``result`` (the module's return values). ``stats`` is ``{host: stats.summarize(host)}``
    (ok, changed, failures, unreachable, skipped, rescued, ignored). ``stdout``/``stderr`` are raw,
    for leak scans. ``data`` is the whole JSON document (None when the run died before printing it).
    """

    rc: int
    stdout: str
    stderr: str
    argv: List[str]
    data: Optional[Dict[str, Any]] = None
    results: List[Dict[str, Any]] = field(default_factory=list)
    stats: Dict[str, Dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when ansible-playbook exited 0."""
        return self.rc == 0

    def tasks(self, name: Optional[str] = None, host: Optional[str] = None, status: Optional[str] = None) -> List[Dict[str, Any]]:
        """Result entries filtered by task name, host and/or status."""
        return [r for r in self.results if (name is None or r['task'] == name) and (host is None or r['host'] == host)
                and (status is None or r['status'] == status)]

    def entry(self, name: str, host: Optional[str] = None) -> Dict[str, Any]:
        """The last result entry of the task called ``name`` (optionally on ``host``)."""
        found = self.tasks(name, host)
        if not found:
            raise KeyError('no result for task %r%s; tasks seen: %s\n%s' % (
                name, ' on %s' % host if host else '', sorted(set(r['task'] for r in self.results)), self.describe()))
        return found[-1]

    def task(self, name: str, host: Optional[str] = None) -> Dict[str, Any]:
        """The module result (return values) of the task called ``name``."""
        return self.entry(name, host)['result']

    def failed(self) -> List[Dict[str, Any]]:
        """Entries of failed or unreachable tasks (ignored errors included)."""
        return [r for r in self.results if r['status'] in ('failed', 'unreachable')]

    def changed(self, host: Optional[str] = None) -> int:
        """The ``changed`` count from the stats (summed over hosts unless ``host``)."""
        hosts = [host] if host else list(self.stats)
        return sum(self.stats.get(h, {}).get('changed', 0) for h in hosts)

    def describe(self) -> str:
        """rc, argv and both streams, for assertion messages."""
        return 'ansible-playbook rc=%d\nargv: %s\n--- stdout\n%s\n--- stderr\n%s' % (self.rc, ' '.join(self.argv), self.stdout, self.stderr)

    def check(self) -> 'PlaybookResult':
        """Raise :class:`PlaybookError` unless the run succeeded; return self."""
        if self.rc != 0 or self.data is None:
            raise PlaybookError(self.describe())
        return self


def parse_output(stdout: str) -> Optional[Dict[str, Any]]:
    """Find the atk_json document (the last stdout line starting with ``{"atk_json":``)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith('{"atk_json":') or (line.startswith('{') and '"atk_json":' in line):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def execution_args() -> List[str]:
    """``$ATK_CORE_EXECUTION=module``: every run takes the module path (``-e atk_core_in_process=false``), so the
    acceptance suites prove both paths; unset, modules on the local connection run in-process (the default)."""
    mode = os.environ.get('ATK_CORE_EXECUTION', '')
    if mode not in ('', 'in-process', 'module'):
        raise ValueError('ATK_CORE_EXECUTION must be in-process or module, not %r' % mode)
    return ['-e', 'atk_core_in_process=false'] if mode == 'module' else []


class AnsibleRunner:
    """Runs ``ansible-playbook`` from the test venv (or ``$ATK_CORE_ANSIBLE_BIN``) with the isolated environment of ``env``.

    The collection under test is found through ANSIBLE_COLLECTIONS_PATH = the layout that
    ``make collection`` builds (refreshed from the working tree when the runner is created).
    The default inventory is one ``localhost`` with ``ansible_connection=local`` and the venv's
    Python; pass ``inventory`` (INI text or a path) for anything else.
    """

    _counter = itertools.count(1)

    def __init__(self, env: IsolatedEnv, collections_path: Union[str, Path, None] = None, python: Optional[str] = None,
                 workdir: Union[str, Path, None] = None, timeout: float = 900):
        self.env = env
        self.collections_path = Path(collections_path) if collections_path else collections_root()
        self.python = python or module_python()
        self.workdir = Path(workdir) if workdir else env.root / 'ansible'
        self.workdir.mkdir(parents=True, exist_ok=True)
        # An explicit, empty ansible.cfg: no config from the CWD, ~ or /etc/ansible leaks in.
        self.config_path = self.workdir / 'ansible.cfg'
        if not self.config_path.exists():
            self.config_path.write_text('[defaults]\n', encoding='utf-8')
        self.timeout = timeout
        self.playbook_bin = ansible_bin('ansible-playbook')

    def default_inventory(self) -> str:
        """``localhost ansible_connection=local ansible_python_interpreter=<venv python>``."""
        return 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % self.python

    def environ(self, extra: Optional[Mapping[str, Optional[str]]] = None) -> Dict[str, str]:
        """The environment ansible-playbook runs with (isolated env + Ansible settings + ``extra``)."""
        ansible_home = self.env.root / 'ansible-home'
        settings = {
            'ANSIBLE_COLLECTIONS_PATH': str(self.collections_path),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_CALLBACK_PLUGINS': str(CALLBACK_PLUGINS_DIR),
            'ANSIBLE_STDOUT_CALLBACK': 'atk_json',
            'ANSIBLE_HOME': str(ansible_home),
            'ANSIBLE_LOCAL_TEMP': str(ansible_home / 'tmp'),
            'ANSIBLE_REMOTE_TEMP': str(ansible_home / 'remote-tmp'),
            'ANSIBLE_SSH_CONTROL_PATH_DIR': str(ansible_home / 'cp'),
            'ANSIBLE_PERSISTENT_CONTROL_PATH_DIR': str(ansible_home / 'pc'),
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_HOST_KEY_CHECKING': 'false',
            'ANSIBLE_CONFIG': str(self.config_path),
            'PYTHONDONTWRITEBYTECODE': '1',
        }
        merged: Dict[str, Optional[str]] = dict(settings)
        merged.update(extra or {})
        return self.env.environ(merged)

    def run(self, playbook: Playbook, *, check: bool = False, diff: bool = False, verbosity: int = 0, extra_vars: Optional[Mapping[str, Any]] = None,
            env: Optional[Mapping[str, Optional[str]]] = None, inventory: Union[str, Path, None] = None, limit: Optional[str] = None,
            tags: Optional[str] = None, extra_args: Sequence[str] = (), timeout: Optional[float] = None, cwd: Union[str, Path, None] = None,
            must_succeed: bool = False) -> PlaybookResult:
        """Run a playbook: a path, YAML text, or a list of plays (dicts). Returns a :class:`PlaybookResult`.

        ``extra_vars`` go through a JSON file (``-e @file``), never argv, so secrets stay off the
        process list. ``env`` adds (or, with None values, removes) environment variables.
        ``must_succeed`` raises :class:`PlaybookError` (with the output) unless rc is 0.
        """
        run_dir = self.workdir / ('run-%03d' % next(self._counter))
        run_dir.mkdir(parents=True)
        if isinstance(playbook, Path) or (isinstance(playbook, str) and '\n' not in playbook and playbook.endswith(('.yml', '.yaml'))
                                          and Path(playbook).exists()):
            playbook_path = Path(playbook)
        else:
            playbook_path = run_dir / 'playbook.yml'
            text = playbook if isinstance(playbook, str) else yaml.safe_dump(list(playbook), sort_keys=False)
            playbook_path.write_text(text, encoding='utf-8')
        if inventory is None or (isinstance(inventory, str) and '\n' in inventory):
            inventory_path = run_dir / 'inventory.ini'
            inventory_path.write_text(inventory or self.default_inventory(), encoding='utf-8')
        else:
            inventory_path = Path(inventory)

        argv = [str(self.playbook_bin), '-i', str(inventory_path)]
        if extra_vars:
            vars_file = run_dir / 'extra-vars.json'
            vars_file.write_text(json.dumps(extra_vars), encoding='utf-8')
            vars_file.chmod(0o600)
            argv += ['-e', '@%s' % vars_file]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        if verbosity:
            argv.append('-' + 'v' * verbosity)
        if limit:
            argv += ['--limit', limit]
        if tags:
            argv += ['--tags', tags]
        argv += execution_args()
        argv += list(extra_args) + [str(playbook_path)]

        proc = subprocess.run(argv, cwd=str(cwd or run_dir), env=self.environ(env), text=True, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout or self.timeout, check=False)
        data = parse_output(proc.stdout)
        result = PlaybookResult(rc=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, argv=argv, data=data,
                                results=(data or {}).get('results', []), stats=(data or {}).get('stats', {}))
        if must_succeed:
            result.check()
        return result

    def run_tasks(self, tasks: Sequence[Mapping[str, Any]], *, hosts: str = 'localhost', play_vars: Optional[Mapping[str, Any]] = None,
                  gather_facts: bool = False, play_env: Optional[Mapping[str, str]] = None, handlers: Optional[Sequence[Mapping[str, Any]]] = None,
                  **kwargs) -> PlaybookResult:
        """Wrap ``tasks`` in one play (no fact gathering by default) and :meth:`run` it."""
        play: Dict[str, Any] = {'name': 'atk.core test play', 'hosts': hosts, 'gather_facts': gather_facts}
        if play_vars:
            play['vars'] = dict(play_vars)
        if play_env:
            play['environment'] = dict(play_env)
        play['tasks'] = list(tasks)
        if handlers:
            play['handlers'] = list(handlers)
        return self.run([play], **kwargs)

    def pull(self, url: str, playbook: str = 'local.yml', *, directory: Union[str, Path, None] = None, checkout: Optional[str] = None,
             inventory: Optional[str] = None, extra_args: Sequence[str] = (), env: Optional[Mapping[str, Optional[str]]] = None,
             timeout: Optional[float] = None, cwd: Union[str, Path, None] = None) -> PlaybookResult:
        """Run real ``ansible-pull -U url [-C checkout] -d directory [-i inventory] ... playbook``.

        ansible-pull clones or updates ``url`` into ``directory`` (default ``<env root>/pull``) with
        the git module, then runs the playbook of that checkout through ``ansible-playbook`` of the
        same ansible-core with ``-c local``, limited to this machine's host names and localhost; a
        relative ``inventory`` is found in the checkout. It runs in ``cwd`` (default the env's empty
        ``work`` folder, like a timer's). The result's ``data``/``results``/``stats`` are the
        playbook's (the checkout step prints no atk_json document).
        """
        dest = Path(directory) if directory else self.env.root / 'pull'
        argv = [str(ansible_bin('ansible-pull')), '-U', url, '-d', str(dest)]
        if checkout:
            argv += ['-C', checkout]
        if inventory:
            argv += ['-i', inventory]
        argv += execution_args()
        argv += list(extra_args) + [playbook]
        proc = subprocess.run(argv, cwd=str(cwd or self.env.work), env=self.environ(env), text=True, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout or self.timeout, check=False)
        data = parse_output(proc.stdout)
        return PlaybookResult(rc=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, argv=argv, data=data,
                              results=(data or {}).get('results', []), stats=(data or {}).get('stats', {}))
