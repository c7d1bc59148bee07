# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk.core against the real atk 0.4.0 on the same work (see benchmarks/README.md). NOT a test.

Builds a loopback registry (git daemon) and homes pinned in a manifest, then measures the performance
goals docs/performance.md tracks, each a ratio of two medians measured in this run with its baseline interleaved
(baseline, atk.core, atk.core, baseline, ...), with the machine's load next to each figure, and
prints a Markdown table (also written to ``benchmarks/results/<timestamp>.md``):

  1 no-op converge of 20 plugins, local connection, server stopped / empty play     <= 1.3
  2 cold bootstrap of 20, git daemon / `atk install --all`                          <= 0.25
  3 cold bootstrap of 20, `file://` registry / `atk install --all`                  <= 0.6
  4 CPU of that cold bootstrap / atk's CPU                                          <= 0.7
  5 upgrade preview of 20 / `atk upgrade --all`                                     <= 0.25
  6 no-op of 500 / no-op of 20                                                      <= 1.5
  7 cold bootstrap of 3 SSH hosts / 1 host                                          <= 1.3

atk.core runs on the default path (in-process on the local connection); the same runs with
``-e atk_core_in_process=false`` (the module path) are interleaved with them for the second column.

    .venv/bin/python benchmarks/bench.py [--reps N] [--quick] [--only 1,2,...,7] [--keep]
    make bench [BENCH_ARGS='--quick']
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tests' / 'integration'))

# pylint: disable=wrong-import-position
from harness import (  # noqa: E402
    REGISTRY_URL,
    AnsibleRunner,
    GitDaemon,
    IsolatedEnv,
    build_registry,
    collections_root,
    fixture_plugins,
    git,
    synthetic_plugins,
)
from harness.ansible import parse_output  # noqa: E402
from harness.paths import ansible_bin, atk_bin  # noqa: E402

RESULTS_DIR = REPO / 'benchmarks' / 'results'
EMPTY_PLAY = '- name: Ansible floor (no tasks)\n  hosts: "{{ atk_hosts | default(\'localhost\') }}"\n  gather_facts: false\n  tasks: []\n'
# The role with the play-level environment the fleet hosts need (the required variables of the
# fixture plugins; locally they come from the controller's environment, as for atk).
FLEET_PLAY = '''- name: Bootstrap an ATK home (bench, with play environment)
  hosts: "{{ atk_hosts }}"
  gather_facts: false
  environment: "{{ bench_environment }}"
  roles:
    - role: atk.core.atk
'''
# Python as in a user's shell: bytecode caching on (the test harness turns it off), so the
# collection's code imported in the controller's process loads from .pyc, as it does for users.
USER_PYTHON: Dict[str, Optional[str]] = {'PYTHONDONTWRITEBYTECODE': None}
# The module path: the switch the role documents (a variable; the task option is in_process: false).
MODULE_PATH = {'atk_core_in_process': False}


def one_task_play(action: str, args: dict) -> str:
    """A play of one task (no facts) on the bench hosts."""
    return json.dumps([{'name': 'one task', 'hosts': "{{ atk_hosts | default('localhost') }}", 'gather_facts': False,
                        'tasks': [{'name': action, action: args}]}]) + '\n'


ATK_IDENTITY = {'GIT_AUTHOR_NAME': 'ATK', 'GIT_AUTHOR_EMAIL': 'atk@localhost',
                'GIT_COMMITTER_NAME': 'ATK', 'GIT_COMMITTER_EMAIL': 'atk@localhost'}
REQUEST_RE = re.compile(r"Request upload-pack for '([^']*)'")


def log(msg: str) -> None:
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float('nan')


def fmt(seconds: Optional[float]) -> str:
    if seconds is None or math.isnan(seconds):
        return 'n/a'
    return '%.2f' % seconds


def children_cpu() -> float:
    """User + system CPU seconds of every finished (and waited-for) descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and all its descendants, live or reaped: each
    live process's own time plus what it collected from the children it waited for."""
    procs = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry, encoding='utf-8', errors='replace') as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        procs[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    children: Dict[int, List[int]] = {}
    for child, (parent, _ticks) in procs.items():
        children.setdefault(parent, []).append(child)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += procs.get(current, (0, 0))[1]
        todo.extend(children.get(current, []))
    return total / os.sysconf('SC_CLK_TCK')


def home_tree(root: Path) -> Dict[str, Tuple[bytes, int]]:
    """Every file of a home outside .git: {relative path: (bytes, mode)}."""
    out = {}
    for path in sorted(root.rglob('*')):
        rel = path.relative_to(root).as_posix()
        if rel == '.git' or rel.startswith('.git/') or (path.is_dir() and not path.is_symlink()):
            continue
        out[rel] = (path.read_bytes() if not path.is_symlink() else os.readlink(path).encode(), os.lstat(path).st_mode & 0o7777)
    return out


class BenchError(RuntimeError):
    """A benchmarked command failed or did not do its work: the evidence is in the message."""


# ---------------------------------------------------------------------------------------------
# The module_utils of the collection (manifest writer), from the synced layout


def collection_utils(collections: Path):
    if str(collections) not in sys.path:
        sys.path.insert(0, str(collections))
    from ansible_collections.atk.core.plugins.module_utils import _manifest  # pylint: disable=import-outside-toplevel
    return _manifest


# ---------------------------------------------------------------------------------------------
# Measurements


class Measure:
    """The repetitions of one side of a comparison: wall and CPU seconds, and the machine's
    1-minute load average right after each repetition."""

    def __init__(self, label: str):
        self.label = label
        self.times: List[float] = []
        self.cpu: List[float] = []
        self.loads: List[float] = []
        self.extra: Dict[str, object] = {}

    def add(self, wall: float, cpu: float) -> None:
        self.times.append(wall)
        self.cpu.append(cpu)
        self.loads.append(os.getloadavg()[0])

    @property
    def median(self) -> float:
        return median(self.times)

    @property
    def cpu_median(self) -> float:
        return median(self.cpu)

    def reps(self) -> str:
        return ', '.join('%s/%s' % (fmt(w), fmt(c)) for w, c in zip(self.times, self.cpu))

    def __repr__(self) -> str:
        return '<Measure %s %s>' % (self.label, self.times)


class Ratio:
    """``core`` / ``base`` (medians of wall time, or of CPU time with ``cpu``)."""

    def __init__(self, core: Measure, base: Measure, cpu: bool = False):
        self.core, self.base, self.cpu = core, base, cpu

    @property
    def value(self) -> Optional[float]:
        num = self.core.cpu_median if self.cpu else self.core.median
        den = self.base.cpu_median if self.cpu else self.base.median
        if not self.core.times or not self.base.times or not den:
            return None
        return num / den

    def text(self) -> str:
        value = self.value
        if value is None:
            return 'n/a'
        num = self.core.cpu_median if self.cpu else self.core.median
        den = self.base.cpu_median if self.cpu else self.base.median
        return '%.2f (%s / %s s)' % (value, fmt(num), fmt(den))


class Row:
    """One line of the goal table: the default path's ratio, the module path's, the goal, the load."""

    def __init__(self, number: int, what: str, goal: float, ratio: Ratio, module: Optional[Ratio] = None,
                 module_text: str = 'not measured', note: str = ''):
        self.number, self.what, self.goal, self.ratio, self.module = number, what, goal, ratio, module
        self.module_text, self.note = module_text, note
        loads = ratio.core.loads + ratio.base.loads + ((module.core.loads + module.base.loads) if module else [])
        self.load = (min(loads), max(loads)) if loads else None

    @property
    def holds(self) -> str:
        value = self.ratio.value
        if value is None:
            return 'n/a'
        return 'yes' if value <= self.goal else '**no**'

    def load_text(self) -> str:
        if self.load is None:
            return 'n/a'
        low, high = self.load
        return '%.1f' % low if '%.1f' % low == '%.1f' % high else '%.1f-%.1f' % (low, high)


# ---------------------------------------------------------------------------------------------
# The bench


class Bench:  # pylint: disable=too-many-instance-attributes
    def __init__(self, args):
        self.args = args
        self.reps = args.reps
        self.root = Path(tempfile.mkdtemp(prefix='atk-core-bench-'))
        self.collections = Path(args.collections) if args.collections else collections_root(sync=True)
        self.manifest_utils = collection_utils(self.collections)
        self.daemon = GitDaemon(self.root / 'srv')
        self.daemon.start()
        self.rows: List[Row] = []
        self.measures: List[Tuple[str, Measure]] = []   # every side of every comparison, for the detail table
        self.details: List[str] = []
        self.env_counter = 0
        self.playbook_bin = ansible_bin('ansible-playbook')
        self.atk_bin = atk_bin()
        self.started = time.monotonic()
        self.load_before = os.getloadavg()
        self.last_cpu = 0.0
        self.last_stdout = ''
        self.fixture: Dict[str, object] = {}
        self.required_env: Dict[str, str] = {}
        self.scaling: List[Tuple[str, Measure, int]] = []
        self.anatomy: List[Measure] = []

    # -- worlds ---------------------------------------------------------------------------

    def new_env(self, tag: str, redirect: Optional[str] = None, extra: Optional[Dict[str, str]] = None) -> IsolatedEnv:
        """An isolated environment (HOME, git config, ...); ``redirect``: the URL atk's registry URL is
        rewritten to (git:// of the daemon, or file:// of the registry's folder), for both tools."""
        self.env_counter += 1
        env = IsolatedEnv(self.root / ('env-%02d-%s' % (self.env_counter, tag)), extra=extra)
        if redirect is not None:
            env.redirect(REGISTRY_URL, redirect)
        return env

    def registry(self, name: str, plugins=None):
        repo = self.daemon.init_repo('registries/%s' % name)
        return build_registry(repo, plugins)

    def home_repo(self, name: str, registry, plugins) -> str:
        """A bare home repository (served) whose manifest pins ``plugins`` at the registry's HEAD.

        Made the way `atk init` + `atk add` leave it: atk's manifest bytes, .gitignore, identity.
        Plugin folders are git-ignored by atk, so the repository holds manifest.yaml and .gitignore.
        """
        _manifest = self.manifest_utils
        work = self.root / 'home-src' / name
        env = self.new_env('homesrc-' + name)
        proc = subprocess.run([str(self.atk_bin), 'init'], env=env.environ({'ATK_HOME': str(work)}), cwd=str(env.work),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            raise BenchError('atk init failed: %s%s' % (proc.stdout, proc.stderr))
        manifest = _manifest.load_manifest(str(work))
        sha = registry.head()
        for plugin in plugins:
            manifest = _manifest.with_entry(manifest, _manifest.make_entry(plugin.spec()['name'], plugin.slug, 'registry', sha))
        (work / 'manifest.yaml').write_text(_manifest.dump_manifest(manifest), encoding='utf-8')
        git('add', 'manifest.yaml', cwd=work, env=ATK_IDENTITY)
        git('commit', '-q', '-m', 'Pin %d plugins' % len(plugins), cwd=work, env=ATK_IDENTITY)
        bare = self.daemon.base_path / 'homes' / ('%s.git' % name)
        bare.parent.mkdir(parents=True, exist_ok=True)
        git('clone', '-q', '--bare', str(work), str(bare))
        return self.daemon.url('homes/%s.git' % name)

    def clone_home(self, url: str, dest: Path, for_atk: bool = False) -> Path:
        """``git clone`` of a home repository. atk refuses a clone without ``plugins/`` (git keeps no
        empty folder; atk.core creates it itself): ``for_atk`` creates it, untimed."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        git('clone', '-q', url, str(dest))
        if for_atk:
            (dest / 'plugins').mkdir()
        return dest

    # -- runners --------------------------------------------------------------------------

    def run_atk(self, env: IsolatedEnv, home: Path, *args: str) -> Tuple[float, subprocess.CompletedProcess]:
        environ = env.environ(dict({'ATK_HOME': str(home)}, **USER_PYTHON))
        cpu = children_cpu()
        start = time.perf_counter()
        proc = subprocess.run([str(self.atk_bin)] + list(args), env=environ, cwd=str(env.work), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False, timeout=1800)
        elapsed = time.perf_counter() - start
        self.last_cpu = children_cpu() - cpu
        if proc.returncode != 0:
            raise BenchError('atk %s (ATK_HOME=%s) exited %d\n%s%s' % (' '.join(args), home, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
        return elapsed, proc

    def run_playbook(self, env: IsolatedEnv, playbook: str, extra_vars: Optional[dict] = None, check: bool = False, diff: bool = False,
                     inventory: Optional[str] = None, environ: Optional[Dict[str, Optional[str]]] = None, tag: str = 'run',
                     argv_extra: Sequence[str] = ()) -> Tuple[float, dict]:
        """``ansible-playbook [-i inv] [-e @vars] [--check] [--diff] <playbook>``; ``playbook`` is a
        FQCN (atk.core.bootstrap) or YAML text. Returns (seconds, atk_json document)."""
        runner = AnsibleRunner(env, collections_path=self.collections)
        run_dir = Path(tempfile.mkdtemp(prefix=tag + '-', dir=str(runner.workdir)))
        inv = run_dir / 'inventory.ini'
        inv.write_text(inventory or runner.default_inventory(), encoding='utf-8')
        argv = [str(self.playbook_bin), '-i', str(inv)] + list(argv_extra)
        if extra_vars:
            vars_file = run_dir / 'vars.json'
            vars_file.write_text(json.dumps(extra_vars), encoding='utf-8')
            argv += ['-e', '@%s' % vars_file]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        if '\n' in playbook:
            path = run_dir / 'playbook.yml'
            path.write_text(playbook, encoding='utf-8')
            argv.append(str(path))
        else:
            argv.append(playbook)
        full_env = runner.environ(dict(USER_PYTHON, **(environ or {})))
        cpu = children_cpu()
        start = time.perf_counter()
        proc = subprocess.run(argv, env=full_env, cwd=str(run_dir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, check=False, timeout=3600)
        elapsed = time.perf_counter() - start
        self.last_cpu = children_cpu() - cpu
        self.last_stdout = proc.stdout
        data = parse_output(proc.stdout)
        if proc.returncode != 0 or data is None:
            raise BenchError('ansible-playbook %s exited %d\n--- stdout\n%s\n--- stderr\n%s' % (
                playbook if '\n' not in playbook else '(inline)', proc.returncode, proc.stdout[-6000:], proc.stderr[-3000:]))
        return elapsed, data

    @staticmethod
    def converge_result(data: dict, host: Optional[str] = None) -> dict:
        """The result of the run's atk_converge (the role's one call) or atk_plugin task."""
        found = [r for r in data.get('results', []) if r.get('status') == 'ok' and (host is None or r['host'] == host)
                 and r.get('action', '').endswith(('atk_converge', 'atk_plugin'))]
        if not found:
            raise BenchError('no atk_converge result in %s' % json.dumps(data)[:2000])
        return found[-1]['result']

    @staticmethod
    def plugin_count(result: dict) -> Tuple[int, int]:
        """(changed, unchanged) plugins of a converge result."""
        counts = result.get('counts')
        if counts:
            return counts['changed'], counts['unchanged']
        return len(result['changed_plugins']), len(result['unchanged_plugins'])

    def daemon_log_mark(self) -> int:
        try:
            return self.daemon.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def daemon_requests(self, mark: int) -> Counter:
        with open(self.daemon.log_path, 'rb') as handle:
            handle.seek(mark)
            text = handle.read().decode('utf-8', 'replace')
        # The bench's own clone of the home repository (before the timed run) is not the run's.
        return Counter(path for path in REQUEST_RE.findall(text) if not path.startswith('/homes/'))

    # -- reporting ------------------------------------------------------------------------

    def add_row(self, row: Row) -> None:
        self.rows.append(row)
        log('goal %d, %s: %s, module path %s (goal <= %s: %s; load %s)' % (
            row.number, row.what, row.ratio.text(), row.module.text() if row.module else row.module_text,
            row.goal, row.holds, row.load_text()))

    def keep_measures(self, group: str, *measures: Measure) -> None:
        for measure in measures:
            if measure.times and all(measure is not m for _g, m in self.measures):
                self.measures.append((group, measure))

    def detail(self, text: str) -> None:
        self.details.append(text)
        log(text)

    def interleave_offline(self, sides: List[str], run) -> None:
        """:meth:`interleave` with the git server stopped (the no-op rows must not need it)."""
        self.daemon.stop()
        try:
            self.interleave(sides, run)
        finally:
            self.daemon.start()

    def interleave(self, sides: List[str], run) -> None:
        """``run(side)`` for every side, ``reps`` times; odd repetitions in reverse order, so a change
        of machine load hits every side alike."""
        for rep in range(self.reps):
            for side in (sides if rep % 2 == 0 else list(reversed(sides))):
                run(side, rep)

    # -- the world of the 20 fixture plugins ------------------------------------------------

    def fixture_world(self) -> None:
        plugins = fixture_plugins()
        registry = self.registry('fixture20', plugins)
        required = {}
        for plugin in plugins:
            for var in plugin.spec().get('env_vars') or []:
                if var.get('required'):
                    required[var['name']] = 'bench-%s' % var['name'].lower()
        self.required_env = required
        url = self.home_repo('fixture20', registry, plugins)
        env = self.new_env('fixture', registry.url, extra=required)
        file_env = self.new_env('fixture-file', 'file://%s' % registry.path, extra=required)
        self.fixture = {'registry': registry, 'url': url, 'env': env, 'file_env': file_env, 'plugins': plugins,
                        'n': len(plugins)}

    def core_cold(self, env: IsolatedEnv, url: str, where: Path, n: int, module: bool = False, tag: str = 'cold') -> Tuple[float, dict, Path, Path]:
        """The bootstrap playbook on a fresh clone of ``url`` with an empty cache; checks it installed ``n``."""
        home = self.clone_home(url, where / '.atk')
        cache = where / 'cache'
        extra = dict({'atk_home': str(home)}, **(MODULE_PATH if module else {}))
        seconds, data = self.run_playbook(env, 'atk.core.bootstrap', extra, environ={'XDG_CACHE_HOME': str(cache)}, tag=tag)
        result = self.converge_result(data)
        changed, _unchanged = self.plugin_count(result)
        if changed != n:
            raise BenchError('cold bootstrap (%s) changed %d plugins, expected %d' % (where, changed, n))
        self.check_home(home, n)
        return seconds, result, home, cache

    # -- goals 2, 3 and 4: cold bootstrap against atk install --all --------------------------

    def goal_cold(self, number: int, env: IsolatedEnv, label: str) -> Tuple[Measure, Measure, Measure]:
        """atk install --all, the role (in-process) and the role (module path), each on a fresh clone."""
        url, n = self.fixture['url'], self.fixture['n']
        sides = {'atk': Measure('atk install --all'), 'core': Measure('atk.core.bootstrap'),
                 'module': Measure('atk.core.bootstrap, module path')}
        contacts: Dict[str, List[Counter]] = {'atk': [], 'core': [], 'module': [], 'result': []}
        base = self.root / ('c%d' % number)

        def run(side, rep):
            where = base / ('%s-%d' % (side, rep))
            mark = self.daemon_log_mark()
            if side == 'atk':
                home = self.clone_home(url, where / '.atk', for_atk=True)
                seconds, _proc = self.run_atk(env, home, 'install', '--all')
                self.check_home(home, n)
            else:
                seconds, result, home, cache = self.core_cold(env, url, where, n, module=side == 'module', tag='cold%d-%s' % (number, side))
                contacts['result'].append(Counter(result['network']['urls']))
                if side == 'core':
                    self.fixture['home'], self.fixture['cache'] = home, cache
            sides[side].add(seconds, self.last_cpu)
            contacts[side].append(self.daemon_requests(mark))

        self.interleave(['atk', 'core', 'module'], run)
        for rep in range(self.reps):
            theirs = home_tree(base / ('atk-%d' % rep) / '.atk')
            for side in ('core', 'module'):
                if home_tree(base / ('%s-%d' % (side, rep)) / '.atk') != theirs:
                    raise BenchError('%s: the atk.core home (%s) differs from the atk home of the same repetition' % (label, side))
        self.detail('%d: every atk.core home (both paths) is byte-identical to the atk home of its repetition outside .git '
                    '(%d files, modes included)' % (number, len(theirs)))
        if number == 2:
            self.detail('%d: network per run: atk.core (its result, both paths) %s; atk.core (daemon log) %s; module path (daemon log) '
                        '%s; atk (daemon log) %s' % (number, self.counter_text(contacts['result']), self.counter_text(contacts['core']),
                                                     self.counter_text(contacts['module']), self.counter_text(contacts['atk'])))
        self.keep_measures(label, sides['core'], sides['module'], sides['atk'])
        return sides['core'], sides['module'], sides['atk']

    # -- goal 1: the no-op ------------------------------------------------------------------

    def noop_run(self, env: IsolatedEnv, home: Path, n: int, module: bool = False, tag: str = 'noop',
                 playbook: str = 'atk.core.bootstrap', cache: Optional[Path] = None) -> float:
        """The role on a converged home (the daemon must be stopped): checks it changed nothing and
        contacted no server."""
        extra = dict({'atk_home': str(home)}, **(MODULE_PATH if module else {}))
        seconds, data = self.run_playbook(env, playbook, extra, environ={'XDG_CACHE_HOME': str(cache or self.root / 'noop-cache')},
                                          tag=tag)
        result = self.converge_result(data)
        if result['changed'] or result['network']['contacts'] != 0 or self.plugin_count(result) != (0, n):
            raise BenchError('no-op converge was not a no-op: changed=%s network=%s plugins (changed, unchanged)=%s' % (
                result['changed'], result['network'], self.plugin_count(result)))
        return seconds

    def goal_noop(self) -> None:
        env, home, n = self.fixture['env'], self.fixture['home'], self.fixture['n']
        sides = {'floor': Measure('empty play'), 'core': Measure('atk.core.bootstrap (no-op)'),
                 'module': Measure('atk.core.bootstrap (no-op), module path')}
        if not self.args.quick:
            sides['ping'] = Measure('one ansible.builtin.ping task')
            sides['task'] = Measure('one atk.core.atk_converge task (no role)')
        task_play = one_task_play('atk.core.atk_converge', {'home': '{{ atk_home }}', 'all': True})

        def run(side, _rep):
            if side == 'floor':
                seconds, _data = self.run_playbook(env, EMPTY_PLAY, {'atk_home': str(home)}, tag='noop-floor')
            elif side == 'ping':
                seconds, _data = self.run_playbook(env, one_task_play('ansible.builtin.ping', {}), {'atk_home': str(home)}, tag='noop-ping')
            else:
                seconds = self.noop_run(env, home, n, module=side == 'module', tag='noop-' + side,
                                        playbook=task_play if side == 'task' else 'atk.core.bootstrap')
            sides[side].add(seconds, self.last_cpu)

        self.interleave_offline(list(sides), run)
        self.add_row(Row(1, 'no-op converge of 20 plugins, local connection, server stopped / empty play', 1.3,
                         Ratio(sides['core'], sides['floor']), Ratio(sides['module'], sides['floor']),
                         note='0 network contacts, changed=0 (checked on every run, both paths)'))
        self.keep_measures('no-op of 20', *sides.values())
        self.anatomy = [sides[k] for k in ('floor', 'ping', 'task', 'core', 'module') if k in sides]

    # -- goal 5: the upgrade preview ------------------------------------------------------------

    def goal_upgrade(self) -> None:
        registry, home, cache = self.fixture['registry'], self.fixture['home'], self.fixture['cache']
        env = self.fixture['env']
        touched = [p.slug for p in self.fixture['plugins']][::4][:5]
        old = registry.head()
        changes = {}
        for slug in touched:
            skill = registry.plugin_dir(slug) / 'SKILL.md'
            text = skill.read_text(encoding='utf-8') if skill.exists() else '# %s\n' % slug
            changes['plugins/%s/SKILL.md' % slug] = text + '\nUpdated by the atk.core benchmark.\n'
        new = registry.commit(changes, 'Touch %d plugins' % len(touched))
        sides = {'atk': Measure('atk upgrade --all'), 'core': Measure('atk.core.upgrade --check --diff'),
                 'module': Measure('atk.core.upgrade --check --diff, module path')}
        contacts: Dict[str, List[Counter]] = {'atk': [], 'core': [], 'module': [], 'result': []}

        def run(side, rep):
            copy = self.root / 'c5' / ('%s-%d' % (side, rep))
            shutil.copytree(home, copy / '.atk', symlinks=True)
            mark = self.daemon_log_mark()
            if side == 'atk':
                seconds, proc = self.run_atk(env, copy / '.atk', 'upgrade', '--all')
                upgraded = (proc.stdout + proc.stderr).count("Upgraded plugin '")
                if upgraded != len(touched):
                    raise BenchError('atk upgrade --all upgraded %d plugins, expected %d:\n%s' % (upgraded, len(touched), proc.stdout))
            else:
                shutil.copytree(cache, copy / 'cache', symlinks=True)
                before = home_tree(copy / '.atk')
                extra = dict({'atk_home': str(copy / '.atk')}, **(MODULE_PATH if side == 'module' else {}))
                seconds, data = self.run_playbook(env, 'atk.core.upgrade', extra, check=True, diff=True,
                                                  environ={'XDG_CACHE_HOME': str(copy / 'cache')}, tag='upgrade-' + side)
                result = self.converge_result(data)
                if home_tree(copy / '.atk') != before:
                    raise BenchError('check mode changed files in %s' % (copy / '.atk'))
                would = sorted(result['changed_plugins'])
                if would != sorted(touched):
                    raise BenchError('upgrade preview would change %s, expected %s' % (would, sorted(touched)))
                contacts['result'].append(Counter(result['network']['urls']))
            sides[side].add(seconds, self.last_cpu)
            contacts[side].append(self.daemon_requests(mark))

        self.interleave(['atk', 'core', 'module'], run)
        self.add_row(Row(5, 'upgrade preview of 20 / `atk upgrade --all`', 0.25, Ratio(sides['core'], sides['atk']),
                         Ratio(sides['module'], sides['atk']),
                         note='check mode changed no file and predicted exactly the %d touched plugins (both paths); atk upgraded %d'
                         % (len(touched), len(touched))))
        self.detail('5: registry %s -> %s touched %s; network per run: atk.core (its result, both paths) %s; atk.core (daemon log) '
                    '%s; module path (daemon log) %s; atk (daemon log) %s' % (
                        old[:10], new[:10], ', '.join(touched), self.counter_text(contacts['result']),
                        self.counter_text(contacts['core']), self.counter_text(contacts['module']), self.counter_text(contacts['atk'])))
        self.keep_measures('upgrade preview of 20', sides['core'], sides['module'], sides['atk'])

    # -- goal 6: no-op at 500 against no-op at 20 --------------------------------------------------

    def goal_scale(self) -> None:
        size = 500
        plugins = synthetic_plugins(size, prefix='s%d' % size)
        registry = self.registry('synth%d' % size, plugins)
        url = self.home_repo('synth%d' % size, registry, plugins)
        env = self.new_env('synth%d' % size, registry.url)
        cold = Measure('cold bootstrap of %d (setup of goal 6)' % size)
        seconds, _result, home500, _cache = self.core_cold(env, url, self.root / 'c6' / 'core-500', size, tag='cold500')
        cold.add(seconds, self.last_cpu)
        self.scaling.append(('cold bootstrap', cold, size))
        if self.args.atk_scale:
            self.scale_against_atk(self.args.atk_scale)
        env20, home20, n = self.fixture['env'], self.fixture['home'], self.fixture['n']
        sides = {'20': Measure('no-op of 20'), '500': Measure('no-op of 500'),
                 '20m': Measure('no-op of 20, module path'), '500m': Measure('no-op of 500, module path')}

        def run(side, _rep):
            big = side.startswith('500')
            seconds = self.noop_run(env if big else env20, home500 if big else home20, size if big else n,
                                    module=side.endswith('m'), tag='noop%s' % side)
            sides[side].add(seconds, self.last_cpu)

        self.interleave_offline(list(sides), run)
        self.add_row(Row(6, 'no-op of 500 / no-op of 20', 1.5, Ratio(sides['500'], sides['20']),
                         Ratio(sides['500m'], sides['20m']),
                         note='CPU: %.2f (module path %.2f)' % (Ratio(sides['500'], sides['20'], cpu=True).value or 0,
                                                                Ratio(sides['500m'], sides['20m'], cpu=True).value or 0)))
        self.keep_measures('no-op, 500 against 20', *sides.values())
        for side in ('500', '500m'):
            self.scaling.append(('no-op' + (', module path' if side == '500m' else ''), sides[side], size))

    def scale_against_atk(self, size: int) -> None:
        """Scaling, not a goal: a cold bootstrap of ``size`` synthetic plugins by both tools."""
        plugins = synthetic_plugins(size, prefix='s%d' % size)
        registry = self.registry('synth%d' % size, plugins)
        url = self.home_repo('synth%d' % size, registry, plugins)
        env = self.new_env('synth%d' % size, registry.url)
        sides = {'atk': Measure('atk install --all, %d' % size), 'core': Measure('cold bootstrap of %d' % size)}

        def run(side, rep):
            where = self.root / 'c6' / ('%s-%d-%d' % (side, size, rep))
            if side == 'atk':
                home = self.clone_home(url, where / '.atk', for_atk=True)
                seconds, _proc = self.run_atk(env, home, 'install', '--all')
            else:
                seconds, _result, _home, _cache = self.core_cold(env, url, where, size, tag='cold%d' % size)
            sides[side].add(seconds, self.last_cpu)

        saved, self.reps = self.reps, 1 if self.args.quick else 2
        try:
            self.interleave(['atk', 'core'], run)
        finally:
            self.reps = saved
        self.scaling.append(('cold bootstrap', sides['core'], size))
        self.scaling.append(('atk install --all', sides['atk'], size))

    # -- goal 7: the fleet ----------------------------------------------------------------------

    def goal_fleet(self) -> None:
        try:
            from harness import netns  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            self.detail('7: skipped, no fleet harness (%s)' % exc)
            return
        reason = netns.unavailable_reason()
        if reason:
            self.detail('7: skipped: %s' % reason)
            return
        registry, n = self.fixture['registry'], self.fixture['n']
        env = self.new_env('fleet', registry.url)
        control = env.root / 'ansible-home' / 'cp'
        fleet = netns.SshFleet(self.root / 'fleet', count=3, control_path_dir=control)
        fleet.start()
        try:
            self.daemon.restart(listen=['127.0.0.1'] + fleet.gateways)
            for host in fleet.hosts:
                host.git_config('url.%s.insteadOf' % registry.url_for(host.gateway), REGISTRY_URL)
            inventories = {'on': fleet.inventory()}
            inventories['off'] = inventories['on'].replace('ansible_ssh_pipelining=true', 'ansible_ssh_pipelining=false')
            if inventories['off'] == inventories['on']:
                raise BenchError('the fleet inventory does not set ansible_ssh_pipelining=true')
            sides = {'1': Measure('1 host'), '3': Measure('3 hosts')}
            if not self.args.quick:
                sides.update({'1off': Measure('1 host, pipelining off'), '3off': Measure('3 hosts, pipelining off')})
            # Warm the ssh masters (ControlPersist, as when a run follows another within a minute):
            # the ratio is the fleet's parallelism, not three ssh handshakes against one.
            self.run_playbook(env, one_task_play('ansible.builtin.ping', {}), {'atk_hosts': 'fleet'},
                              inventory=inventories['on'], tag='fleet-warm')

            def run(side, _rep):
                count = int(side[0])
                hosts = fleet.hosts[:count]
                for host in fleet.hosts:
                    for leftover in (host.atk_home, host.root_home / '.cache'):
                        shutil.rmtree(leftover, ignore_errors=True)
                for host in hosts:
                    # a fresh clone on the host, through its own gateway (as a user's home repo)
                    host_url = self.daemon.url('homes/fixture20.git', host=host.gateway)
                    proc = host.run(['git', 'clone', '-q', host_url, str(host.atk_home)])
                    if proc.returncode != 0:
                        raise BenchError('clone on %s failed: %s' % (host.name, proc.stderr))
                extra = {'atk_hosts': ':'.join(h.name for h in hosts), 'bench_environment': self.required_env}
                host_cpu = [tree_cpu(h.proc.pid) for h in hosts]
                seconds, data = self.run_playbook(env, FLEET_PLAY, extra, inventory=inventories['off' if side.endswith('off') else 'on'],
                                                  tag='fleet%s' % side)
                sides[side].extra.setdefault('host_cpu', []).append(
                    sum(tree_cpu(h.proc.pid) - before for h, before in zip(hosts, host_cpu)) / count)
                for host in hosts:
                    changed, _unchanged = self.plugin_count(self.converge_result(data, host.name))
                    if changed != n:
                        raise BenchError('fleet host %s changed %d plugins, expected %d' % (host.name, changed, n))
                sides[side].add(seconds, self.last_cpu)

            self.interleave(list(sides), run)
            rounds = self.ssh_rounds(env, fleet, inventories)
            self.add_row(Row(7, 'cold bootstrap of 3 SSH hosts / 1 host', 1.3, Ratio(sides['3'], sides['1']),
                             module_text='same (SSH hosts always take the module path)',
                             note='pipelining on (ansible_ssh_pipelining=true), ssh masters warm; SSH connection rounds of one host '
                             'for the role (ansible-playbook -vvv, "SSH: EXEC" lines): %s' % rounds))
            self.detail('7: CPU per run, controller (ansible-playbook and its ssh clients) / each host (its sshd sessions: the '
                        'module, git, lifecycle): %s' % '; '.join('%s %s / %s s' % (
                            m.label, fmt(m.cpu_median), fmt(median(m.extra.get('host_cpu', [])))) for m in sides.values()))
            if '1off' in sides:
                self.detail('7: pipelining off: 3 hosts / 1 host %s; 1 host off / on %s; 3 hosts off / on %s' % (
                    Ratio(sides['3off'], sides['1off']).text(), Ratio(sides['1off'], sides['1']).text(),
                    Ratio(sides['3off'], sides['3']).text()))
            self.keep_measures('fleet (SSH, netns)', *sides.values())
        finally:
            fleet.stop()
            self.daemon.restart(listen=['127.0.0.1'])

    def ssh_rounds(self, env: IsolatedEnv, fleet, inventories: Dict[str, str]) -> str:
        """How many SSH connection rounds (an ssh or sftp command) the role costs one host, counted in
        ``-vvv`` output: pipelining on and off, and on without ``ansible_python_interpreter`` (interpreter
        discovery). The host's home is the one the last timed run converged: the role is a no-op there."""
        host = fleet.hosts[0]
        variants = {'pipelining on': inventories['on'], 'pipelining off': inventories['off'],
                    'pipelining on, interpreter discovered': re.sub(r'ansible_python_interpreter=\S+\n', '', inventories['on'])}
        counts = []
        for label, inventory in variants.items():
            extra = {'atk_hosts': host.name, 'bench_environment': self.required_env}
            self.run_playbook(env, FLEET_PLAY, extra, inventory=inventory, tag='fleet-rounds', argv_extra=['-vvv'])
            execs = [line for line in self.last_stdout.splitlines() if 'SSH: EXEC' in line and host.address in line]
            counts.append('%s %d' % (label, len(execs)))
        return ', '.join(counts)

    # -- checks -----------------------------------------------------------------------------------

    @staticmethod
    def counter_text(counters: List[Counter]) -> str:
        if not counters:
            return 'n/a'
        texts = sorted(set(', '.join('%s x%d' % (url, count) for url, count in sorted(c.items())) or 'none'
                           for c in counters))
        return ' | '.join(texts)

    @staticmethod
    def check_home(home: Path, n: int) -> None:
        plugins = [p for p in (home / 'plugins').iterdir() if p.is_dir()] if (home / 'plugins').is_dir() else []
        if len(plugins) != n or not all((p / '.atk-ref').is_file() for p in plugins):
            raise BenchError('%s: expected %d plugin folders with .atk-ref, found %d' % (home, n, len(plugins)))

    # -- the report ------------------------------------------------------------------------

    def machine(self) -> Dict[str, str]:
        def out(argv):
            try:
                return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False).stdout.strip()
            except OSError as exc:
                return str(exc)

        def line(text, prefix):
            return next((x for x in text.splitlines() if x.startswith(prefix)), text.splitlines()[-1] if text else '?')

        mem = ''
        try:
            with open('/proc/meminfo', encoding='utf-8') as handle:
                mem = handle.readline().split(':', 1)[1].strip()
        except OSError:
            pass
        return {
            'nproc': str(os.cpu_count()),
            'memory': mem,
            'kernel': platform.release(),
            'python (controller)': platform.python_version(),
            'git': out(['git', '--version']),
            'ansible-core': line(out([str(ansible_bin('ansible')), '--version']), 'ansible'),
            'atk': line(out([str(self.atk_bin), '--version']), 'atk'),
            'bench priority (nice)': str(os.getpriority(os.PRIO_PROCESS, 0)),
            'load average before/after': '%s / %s' % (' '.join('%.2f' % x for x in self.load_before),
                                                      ' '.join('%.2f' % x for x in os.getloadavg())),
        }

    def report(self) -> str:
        lines = ['# atk.core benchmark %s' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M:%S'), '',
                 '%d repetitions per side%s, interleaved. Each figure is a ratio of medians measured in this run: wall-clock '
                 'time unless the row says CPU (user + system of every process the run started and waited for). '
                 '"in-process" is the default path (the converge in Ansible\'s worker on the local connection), "module path" '
                 'the same runs with `-e atk_core_in_process=false`, interleaved with them. Load: the 1-minute load average '
                 'after each repetition of the row, lowest-highest (%d cores; the bench itself adds about 1).' % (
                     self.reps, ' (--quick)' if self.args.quick else '', os.cpu_count() or 0), '',
                 '| measurement | goal | in-process | module path | holds | load |',
                 '| --- | --- | --- | --- | --- | --- |']
        for row in self.rows:
            lines.append('| %s | <= %s | %s | %s | %s | %s |' % (
                row.what, row.goal, '%.2f' % row.ratio.value if row.ratio.value is not None else 'n/a',
                '%.2f' % row.module.value if row.module and row.module.value is not None else row.module_text,
                row.holds, row.load_text()))
        lines += ['', '## Each side (medians)', '', '| group | side | wall s | CPU s | load | repetitions (wall/CPU s) |',
                  '| --- | --- | --- | --- | --- | --- |']
        for group, measure in self.measures:
            lines.append('| %s | %s | %s | %s | %s | %s |' % (
                group, measure.label, fmt(measure.median), fmt(measure.cpu_median),
                '%.1f-%.1f' % (min(measure.loads), max(measure.loads)) if measure.loads else 'n/a', measure.reps()))
        if self.anatomy:
            floor = self.anatomy[0]
            lines += ['', '## No-op anatomy (goal 1: 20 plugins, server stopped, same interleaving)', '',
                      '| play | wall s | over the empty play | CPU s |', '| --- | --- | --- | --- |']
            for measure in self.anatomy:
                lines.append('| %s | %s | %+.2f | %s |' % (measure.label, fmt(measure.median),
                                                           measure.median - floor.median, fmt(measure.cpu_median)))
        if self.scaling:
            lines += ['', '## Scaling (synthetic registries)', '', '| run | plugins | wall s | ms per plugin | CPU s |',
                      '| --- | --- | --- | --- | --- |']
            for label, measure, size in self.scaling:
                if measure.times:
                    lines.append('| %s | %d | %s | %.0f | %s |' % (label, size, fmt(measure.median), 1000 * measure.median / size,
                                                                   fmt(measure.cpu_median)))
        notes = ['%d: %s' % (row.number, row.note) for row in self.rows if row.note] + self.details
        if notes:
            lines += ['', '## Checks and notes', ''] + ['- %s' % d for d in notes]
        lines += ['', '## Machine', ''] + ['- %s: %s' % item for item in self.machine().items()]
        lines += ['- total bench time: %.0f s' % (time.monotonic() - self.started), '']
        return '\n'.join(lines)

    def close(self) -> None:
        try:
            self.daemon.stop()
        finally:
            if not self.args.keep:
                shutil.rmtree(self.root, ignore_errors=True)
            else:
                log('kept %s' % self.root)

    # -- the order of the goals -------------------------------------------------------------------

    def run(self, want: set) -> None:
        self.fixture_world()
        env = self.fixture['env']
        if 2 in want:
            core, module, atk = self.goal_cold(2, env, 'cold bootstrap of 20, git daemon')
            self.add_row(Row(2, 'cold bootstrap of 20, git daemon / `atk install --all`', 0.25, Ratio(core, atk), Ratio(module, atk),
                             note='CPU atk.core / atk: %s, module path %s' % (
                                 Ratio(core, atk, cpu=True).text(), Ratio(module, atk, cpu=True).text())))
        elif want & {1, 5, 6}:
            # The goals below need a converged home and its cache: one cold bootstrap, not timed.
            _s, _r, home, cache = self.core_cold(env, self.fixture['url'], self.root / 'c2' / 'setup', self.fixture['n'], tag='setup')
            self.fixture['home'], self.fixture['cache'] = home, cache
        if want & {3, 4}:
            core, module, atk = self.goal_cold(3, self.fixture['file_env'], 'cold bootstrap of 20, file:// registry')
            self.add_row(Row(3, 'cold bootstrap of 20, `file://` registry / `atk install --all`', 0.6, Ratio(core, atk),
                             Ratio(module, atk)))
            self.add_row(Row(4, 'CPU of that cold bootstrap / atk\'s CPU', 0.7, Ratio(core, atk, cpu=True), Ratio(module, atk, cpu=True)))
        if 1 in want:
            self.goal_noop()
        if 5 in want:
            self.goal_upgrade()
        if 6 in want:
            self.goal_scale()
        if 7 in want:
            self.goal_fleet()
        self.rows.sort(key=lambda row: row.number)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--reps', type=int, default=None, help='repetitions per side (default 5, --quick 3)')
    parser.add_argument('--quick', action='store_true',
                        help='3 repetitions, no diagnostic sides (ping, one-task play, fleet without pipelining), no atk scaling run')
    parser.add_argument('--only', default='1,2,3,4,5,6,7', help='goals to measure, e.g. 1,6 (numbers of the goal table)')
    parser.add_argument('--atk-scale', type=int, default=None,
                        help='also bootstrap this many synthetic plugins with both tools (scaling, not a goal; default 100, '
                             '0 with --quick or to skip)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    parser.add_argument('--collections',
                        help='root holding ansible_collections/atk/core to benchmark instead of the synced working tree '
                             '(e.g. a copy with a change reverted, for before/after numbers)')
    parser.add_argument('--nice', type=int, default=-10,
                        help='scheduling priority of the bench and everything it runs (default -10 when allowed: '
                             'less noise from other work on the machine; 0 leaves it alone)')
    args = parser.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    if args.atk_scale is None:
        args.atk_scale = 0 if args.quick else 100
    want = {int(x) for x in args.only.split(',') if x.strip()}
    if args.nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)
        except OSError as exc:
            log('cannot set priority %d (%s); running at %d' % (args.nice, exc, os.getpriority(os.PRIO_PROCESS, 0)))
    bench = Bench(args)
    log('work dir %s, reps %d, goals %s, load %.2f' % (bench.root, bench.reps, sorted(want), os.getloadavg()[0]))
    try:
        bench.run(want)
    finally:
        text = bench.report()
        bench.close()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / ('%s.md' % datetime.datetime.now().strftime('%Y%m%d-%H%M%S'))
    out.write_text(text, encoding='utf-8')
    print()
    print(text)
    print('written to %s' % out.relative_to(REPO))
    return 0


if __name__ == '__main__':
    sys.exit(main())
