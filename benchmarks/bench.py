# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk.core against the real atk 0.4.0 on the same work (see benchmarks/README.md). NOT a test.

Builds a loopback registry (git daemon) and homes pinned in a manifest, then runs each side
``--reps`` times, interleaved (baseline, atk.core, baseline, ...), and prints a Markdown table of
medians and ratios, also written to ``benchmarks/results/<timestamp>.md``.

    .venv/bin/python benchmarks/bench.py [--reps N] [--quick] [--only 1,2,3,4,5] [--keep]
    make bench [BENCH_ARGS='--quick']

Scenarios (goals from the issue):
  1 cold bootstrap of the 20 fixture plugins: atk install --all vs ansible-playbook atk.core.bootstrap,
    each on a fresh clone of the home, atk.core with an empty cache          goal atk.core <= 0.5 x atk
  2 no-op converge of the same 20, git daemon STOPPED, vs an empty playbook  goal <= 2.0 x floor
  3 upgrade preview (atk.core.upgrade --check --diff) after a registry commit touching 5, vs
    atk upgrade --all on a copy of the same home; network contacts counted twice   goal <= 0.5 x atk
  4 synthetic registries of 100 and 500 plugins: cold and no-op per plugin   goal no-op(500) <= 2 x no-op(20)
  5 fleet: cold bootstrap on 3 SSH hosts (network namespaces) vs on 1        goal <= 1.5 x
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
    """A benchmarked command failed: its output is in the message."""


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
    """Rep times of one side of one comparison (plus free-form extras)."""

    def __init__(self, label: str):
        self.label = label
        self.times: List[float] = []      # wall-clock seconds per repetition
        self.cpu: List[float] = []        # CPU seconds (user + system, all descendants) per repetition
        self.extra: Dict[str, object] = {}

    def add(self, wall: float, cpu: float) -> None:
        self.times.append(wall)
        self.cpu.append(cpu)

    @property
    def median(self) -> float:
        return median(self.times)

    @property
    def cpu_median(self) -> float:
        return median(self.cpu)

    def __repr__(self) -> str:
        return '<Measure %s %s>' % (self.label, self.times)


class Row:
    def __init__(self, number: str, what: str, core: Measure, base: Optional[Measure], goal: Optional[float], goal_text: str,
                 note: str = '', unit: str = 's'):
        self.number, self.what, self.core, self.base = number, what, core, base
        self.goal, self.goal_text, self.note, self.unit = goal, goal_text, note, unit
        self.load = os.getloadavg()[0]  # 1-minute load average when the row was measured

    @property
    def ratio(self) -> Optional[float]:
        if self.base is None or not self.base.times or not self.core.times or not self.base.median:
            return None
        return self.core.median / self.base.median

    @property
    def cpu_ratio(self) -> Optional[float]:
        if self.base is None or not self.base.cpu or not self.core.cpu or not self.base.cpu_median:
            return None
        return self.core.cpu_median / self.base.cpu_median

    @property
    def holds(self) -> str:
        if self.goal is None:
            return '-'
        if self.ratio is None:
            return 'n/a'
        return 'yes' if self.ratio <= self.goal else 'NO'


# ---------------------------------------------------------------------------------------------
# The bench


class Bench:
    def __init__(self, args):
        self.args = args
        self.reps = args.reps
        self.root = Path(tempfile.mkdtemp(prefix='atk-core-bench-'))
        self.collections = Path(args.collections) if args.collections else collections_root(sync=True)
        self.manifest_utils = collection_utils(self.collections)
        self.daemon = GitDaemon(self.root / 'srv')
        self.daemon.start()
        self.rows: List[Row] = []
        self.details: List[str] = []
        self.registries: Dict[str, object] = {}
        self.env_counter = 0
        self.playbook_bin = ansible_bin('ansible-playbook')
        self.atk_bin = atk_bin()
        self.started = time.monotonic()
        self.load_before = os.getloadavg()

    # -- worlds ---------------------------------------------------------------------------

    def new_env(self, tag: str, registry=None, extra: Optional[Dict[str, str]] = None) -> IsolatedEnv:
        self.env_counter += 1
        env = IsolatedEnv(self.root / ('env-%02d-%s' % (self.env_counter, tag)), extra=extra)
        if registry is not None:
            env.use_registry(registry)
        return env

    def registry(self, name: str, plugins=None):
        repo = self.daemon.init_repo('registries/%s' % name)
        registry = build_registry(repo, plugins)
        self.registries[name] = registry
        return registry

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
        empty folder; atk.core's atk_home repairs that itself): ``for_atk`` creates it, untimed."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        git('clone', '-q', url, str(dest))
        if for_atk:
            (dest / 'plugins').mkdir()
        return dest

    # -- runners --------------------------------------------------------------------------

    def run_atk(self, env: IsolatedEnv, home: Path, *args: str, extra: Optional[Dict[str, str]] = None) -> Tuple[float, subprocess.CompletedProcess]:
        environ = env.environ(dict({'ATK_HOME': str(home)}, **(extra or {})))
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
                     forks: Optional[int] = None) -> Tuple[float, dict]:
        """``ansible-playbook [-i inv] [-e @vars] [--check] [--diff] <playbook>``; ``playbook`` is a
        FQCN (atk.core.bootstrap) or YAML text. Returns (seconds, atk_json document)."""
        runner = AnsibleRunner(env, collections_path=self.collections)
        run_dir = Path(tempfile.mkdtemp(prefix=tag + '-', dir=str(runner.workdir)))
        inv = run_dir / 'inventory.ini'
        inv.write_text(inventory or runner.default_inventory(), encoding='utf-8')
        argv = [str(self.playbook_bin), '-i', str(inv)]
        if extra_vars:
            vars_file = run_dir / 'vars.json'
            vars_file.write_text(json.dumps(extra_vars), encoding='utf-8')
            argv += ['-e', '@%s' % vars_file]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        if forks:
            argv += ['--forks', str(forks)]
        if '\n' in playbook:
            path = run_dir / 'playbook.yml'
            path.write_text(playbook, encoding='utf-8')
            argv.append(str(path))
        else:
            argv.append(playbook)
        full_env = runner.environ(environ)
        cpu = children_cpu()
        start = time.perf_counter()
        proc = subprocess.run(argv, env=full_env, cwd=str(run_dir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, check=False, timeout=3600)
        elapsed = time.perf_counter() - start
        self.last_cpu = children_cpu() - cpu
        data = parse_output(proc.stdout)
        if proc.returncode != 0 or data is None:
            raise BenchError('ansible-playbook %s exited %d\n--- stdout\n%s\n--- stderr\n%s' % (
                playbook if '\n' not in playbook else '(inline)', proc.returncode, proc.stdout[-6000:], proc.stderr[-3000:]))
        return elapsed, data

    @staticmethod
    def task_results(data: dict, action_suffix: str) -> List[dict]:
        return [r for r in data.get('results', []) if r.get('action', '').endswith(action_suffix) and r.get('status') == 'ok']

    def plugin_result(self, data: dict, host: Optional[str] = None) -> dict:
        found = [r for r in self.task_results(data, 'atk_plugin') if host is None or r['host'] == host]
        if not found:
            raise BenchError('no atk_plugin result in %s' % json.dumps(data)[:2000])
        return found[-1]['result']

    def daemon_log_mark(self) -> int:
        try:
            return self.daemon.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def daemon_requests(self, mark: int) -> Counter:
        with open(self.daemon.log_path, 'rb') as handle:
            handle.seek(mark)
            text = handle.read().decode('utf-8', 'replace')
        return Counter(REQUEST_RE.findall(text))

    # -- reporting ------------------------------------------------------------------------

    def add_row(self, row: Row) -> None:
        self.rows.append(row)
        log('%s %s: atk.core %s s vs %s %s s -> ratio %s (goal %s: %s)' % (
            row.number, row.what, fmt(row.core.median), row.base.label if row.base else '-',
            fmt(row.base.median) if row.base else '-', '%.2f' % row.ratio if row.ratio is not None else '-', row.goal_text, row.holds))

    def detail(self, text: str) -> None:
        self.details.append(text)
        log(text)

    # -- scenarios 1-3: the 20 fixture plugins --------------------------------------------

    def scenario_fixture(self, want: set) -> None:
        plugins = fixture_plugins()
        registry = self.registry('fixture20', plugins)
        required = {}
        for plugin in plugins:
            for var in plugin.spec().get('env_vars') or []:
                if var.get('required'):
                    required[var['name']] = 'bench-%s' % var['name'].lower()
        self.required_env = required
        url = self.home_repo('fixture20', registry, plugins)
        env = self.new_env('fixture', registry, extra=required)
        self.fixture = {'registry': registry, 'url': url, 'env': env, 'plugins': plugins}
        n = len(plugins)

        # 1. cold bootstrap
        atk = Measure('atk install --all')
        core = Measure('atk.core.bootstrap')
        last_core_home = last_core_cache = None
        contacts = {'atk': [], 'core': []}
        for rep in range(self.reps):
            order = ('atk', 'core') if rep % 2 == 0 else ('core', 'atk')
            for side in order:
                home = self.clone_home(url, self.root / 'c1' / ('%s-%d' % (side, rep)) / '.atk', for_atk=side == 'atk')
                mark = self.daemon_log_mark()
                if side == 'atk':
                    seconds, _proc = self.run_atk(env, home, 'install', '--all')
                    atk.add(seconds, self.last_cpu)
                    contacts['atk'].append(self.daemon_requests(mark))
                    self.check_home(home, n)
                else:
                    cache = self.root / 'c1' / ('core-%d' % rep) / 'cache'
                    seconds, data = self.run_playbook(env, 'atk.core.bootstrap', {'atk_home': str(home)},
                                                      environ={'XDG_CACHE_HOME': str(cache)}, tag='bootstrap')
                    result = self.plugin_result(data)
                    if len(result['changed_plugins']) != n:
                        raise BenchError('cold bootstrap changed %d plugins, expected %d' % (len(result['changed_plugins']), n))
                    core.add(seconds, self.last_cpu)
                    core.extra.setdefault('contacts', []).append(Counter(result['network']['urls']))
                    contacts['core'].append(self.daemon_requests(mark))
                    self.check_home(home, n)
                    last_core_home, last_core_cache = home, cache
            self.compare_homes(self.root / 'c1' / ('atk-%d' % rep) / '.atk', self.root / 'c1' / ('core-%d' % rep) / '.atk', quiet=rep > 0)
        self.add_row(Row('1', 'cold bootstrap, 20 registry plugins', core, atk, 0.5, '<= 0.5 x atk',
                         note='network per run: module %s; daemon log %s; atk (daemon log) %s' % (
                             self.counter_text(core.extra['contacts']), self.counter_text(contacts['core']),
                             self.counter_text(contacts['atk']))))
        self.core_home20, self.core_cache20 = last_core_home, last_core_cache

        # 2. no-op converge, daemon stopped, vs an empty play
        if 2 in want:
            self.scenario_noop(env, last_core_home, n, '2', 'no-op converge, 20 plugins, git daemon stopped')

        # 3. upgrade preview after a registry commit touching 5
        if 3 in want:
            self.scenario_upgrade(env, registry, last_core_home, last_core_cache, n)

    def scenario_noop(self, env: IsolatedEnv, home: Path, n: int, number: str, what: str, goal: bool = True) -> Measure:
        """The role on a converged home with the git daemon stopped, against an empty play. With
        ``goal`` (the 20-plugin row) three diagnostic plays run in the same interleaving: one
        ansible.builtin.ping task (Ansible's price of any module call), atk_home alone, atk_plugin alone."""
        sides = {'floor': Measure('empty play'), 'core': Measure('atk.core.bootstrap (no-op)')}
        if goal:
            sides.update(ping=Measure('one ping task'), home=Measure('atk_home task only'), plugin=Measure('atk_plugin task only'))
        plays = {'floor': EMPTY_PLAY, 'core': 'atk.core.bootstrap', 'ping': one_task_play('ansible.builtin.ping', {}),
                 'home': one_task_play('atk.core.atk_home', {'path': '{{ atk_home }}'}),
                 'plugin': one_task_play('atk.core.atk_plugin', {'home': '{{ atk_home }}', 'all': True})}
        cache = self.root / ('noop-cache-%s' % number)
        self.daemon.stop()
        try:
            for rep in range(self.reps):
                order = list(sides) if rep % 2 == 0 else list(reversed(list(sides)))
                for side in order:
                    seconds, data = self.run_playbook(env, plays[side], {'atk_home': str(home)},
                                                      environ={'XDG_CACHE_HOME': str(cache)}, tag='noop-' + side)
                    if side in ('core', 'plugin'):
                        result = self.plugin_result(data)
                        if result['changed'] or result['network']['contacts'] != 0 or len(result['unchanged_plugins']) != n:
                            raise BenchError('no-op converge was not a no-op: changed=%s network=%s unchanged=%d' % (
                                result['changed'], result['network'], len(result['unchanged_plugins'])))
                    sides[side].add(seconds, self.last_cpu)
        finally:
            self.daemon.start()
        if goal:
            self.add_row(Row(number, what, sides['core'], sides['floor'], 2.0, '<= 2.0 x floor', note='0 network contacts, changed=0'))
            self.anatomy = [sides[k] for k in ('floor', 'ping', 'home', 'plugin', 'core')]
        return sides['core']

    def scenario_upgrade(self, env: IsolatedEnv, registry, home: Path, cache: Path, n: int) -> None:
        touched = [p.slug for p in self.fixture['plugins']][::4][:5]
        old = registry.head()
        changes = {}
        for slug in touched:
            skill = registry.plugin_dir(slug) / 'SKILL.md'
            text = skill.read_text(encoding='utf-8') if skill.exists() else '# %s\n' % slug
            changes['plugins/%s/SKILL.md' % slug] = text + '\nUpdated by the atk.core benchmark.\n'
        new = registry.commit(changes, 'Touch %d plugins' % len(touched))
        atk = Measure('atk upgrade --all')
        core = Measure('atk.core.upgrade --check --diff')
        contacts_core, contacts_daemon_core, contacts_daemon_atk = [], [], []
        for rep in range(self.reps):
            order = ('atk', 'core') if rep % 2 == 0 else ('core', 'atk')
            for side in order:
                copy = self.root / 'c3' / ('%s-%d' % (side, rep))
                shutil.copytree(home, copy / '.atk', symlinks=True)
                mark = self.daemon_log_mark()
                if side == 'atk':
                    seconds, proc = self.run_atk(env, copy / '.atk', 'upgrade', '--all')
                    upgraded = (proc.stdout + proc.stderr).count("Upgraded plugin '")
                    if upgraded != len(touched):
                        raise BenchError('atk upgrade --all upgraded %d plugins, expected %d:\n%s' % (upgraded, len(touched), proc.stdout))
                    atk.add(seconds, self.last_cpu)
                    contacts_daemon_atk.append(self.daemon_requests(mark))
                else:
                    shutil.copytree(cache, copy / 'cache', symlinks=True)
                    before = home_tree(copy / '.atk')
                    seconds, data = self.run_playbook(env, 'atk.core.upgrade', {'atk_home': str(copy / '.atk')}, check=True, diff=True,
                                                      environ={'XDG_CACHE_HOME': str(copy / 'cache')}, tag='upgrade')
                    result = self.plugin_result(data)
                    if home_tree(copy / '.atk') != before:
                        raise BenchError('check mode changed files in %s' % (copy / '.atk'))
                    would = sorted(result['changed_plugins'])
                    if would != sorted(touched):
                        raise BenchError('upgrade preview would change %s, expected %s' % (would, sorted(touched)))
                    core.add(seconds, self.last_cpu)
                    contacts_core.append(Counter(result['network']['urls']))
                    contacts_daemon_core.append(self.daemon_requests(mark))
        self.upgrade_contacts = {'core_module': contacts_core, 'core_daemon': contacts_daemon_core, 'atk_daemon': contacts_daemon_atk}
        note = 'network per run: module %s; daemon log %s; atk (daemon log) %s' % (
            self.counter_text(contacts_core), self.counter_text(contacts_daemon_core), self.counter_text(contacts_daemon_atk))
        self.add_row(Row('3', 'upgrade preview, 20 plugins, 5 touched', core, atk, 0.5, '<= 0.5 x atk', note=note))
        self.detail('3: registry %s -> %s touched %s' % (old[:10], new[:10], ', '.join(touched)))

    @staticmethod
    def counter_text(counters: List[Counter]) -> str:
        if not counters:
            return 'n/a'
        texts = sorted(set(', '.join('%s x%d' % (url, count) for url, count in sorted(c.items())) or 'none'
                           for c in counters))
        return ' | '.join(texts)

    def check_home(self, home: Path, n: int) -> None:
        plugins = [p for p in (home / 'plugins').iterdir() if p.is_dir()] if (home / 'plugins').is_dir() else []
        if len(plugins) != n or not all((p / '.atk-ref').is_file() for p in plugins):
            raise BenchError('%s: expected %d plugin folders with .atk-ref, found %d' % (home, n, len(plugins)))

    def compare_homes(self, atk_home: Path, core_home: Path, quiet: bool = False) -> None:
        """The plugin files both tools wrote must be byte-identical (behaviour must not change)."""
        ours, theirs = home_tree(core_home), home_tree(atk_home)
        if ours != theirs:
            diff = sorted(set(ours) ^ set(theirs)) + [k for k in ours if k in theirs and ours[k] != theirs[k]]
            raise BenchError('atk.core home differs from atk home: %s' % diff[:20])
        if not quiet:
            self.detail('1: after each cold bootstrap the atk.core home and the atk home are byte-identical outside .git '
                        '(%d files, modes included)' % len(ours))

    # -- scenario 4: scaling --------------------------------------------------------------

    def scenario_scaling(self) -> None:
        sizes = [100, 500]
        per_plugin = {}
        for size in sizes:
            plugins = synthetic_plugins(size, prefix='s%d' % size)
            registry = self.registry('synth%d' % size, plugins)
            url = self.home_repo('synth%d' % size, registry, plugins)
            env = self.new_env('synth%d' % size, registry)
            reps = self.scale_reps(size)
            cold = Measure('cold %d' % size)
            atk_cold = Measure('atk cold %d' % size)
            home = cache = None
            for rep in range(reps):
                home = self.clone_home(url, self.root / 'c4' / ('core-%d-%d' % (size, rep)) / '.atk')
                cache = self.root / 'c4' / ('core-%d-%d' % (size, rep)) / 'cache'
                seconds, data = self.run_playbook(env, 'atk.core.bootstrap', {'atk_home': str(home)},
                                                  environ={'XDG_CACHE_HOME': str(cache)}, tag='cold%d' % size)
                result = self.plugin_result(data)
                if len(result['changed_plugins']) != size:
                    raise BenchError('cold %d changed %d' % (size, len(result['changed_plugins'])))
                cold.add(seconds, self.last_cpu)
                if size <= self.args.atk_max and rep < self.atk_scale_reps():
                    atk_home = self.clone_home(url, self.root / 'c4' / ('atk-%d-%d' % (size, rep)) / '.atk', for_atk=True)
                    seconds, _proc = self.run_atk(env, atk_home, 'install', '--all')
                    atk_cold.add(seconds, self.last_cpu)
            saved = self.reps
            self.reps = reps
            try:
                noop = self.scenario_noop(env, home, size, '4', 'no-op %d' % size, goal=False)
            finally:
                self.reps = saved
            per_plugin[size] = (cold, noop, atk_cold)
            self.detail('4: %d plugins measured at load %.1f' % (size, os.getloadavg()[0]))
        self.scaling = per_plugin

    def scale_reps(self, size: int) -> int:
        if size >= 500:
            return 1 if self.args.quick else max(1, min(self.reps, 3))
        return max(1, min(self.reps, 2 if self.args.quick else self.reps))

    def atk_scale_reps(self) -> int:
        return 1 if self.args.quick else 2

    # -- scenario 5: fleet ----------------------------------------------------------------

    def scenario_fleet(self) -> None:
        try:
            from harness import netns  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            self.detail('5: skipped, no fleet harness (%s)' % exc)
            return
        reason = netns.unavailable_reason()
        if reason:
            self.detail('5: skipped: %s' % reason)
            return
        registry = self.fixture['registry']
        env = self.new_env('fleet', registry)
        control = env.root / 'ansible-home' / 'cp'
        fleet = netns.SshFleet(self.root / 'fleet', count=3, control_path_dir=control)
        fleet.start()
        try:
            self.daemon.restart(listen=['127.0.0.1'] + fleet.gateways)
            for host in fleet.hosts:
                host.git_config('url.%s.insteadOf' % registry.url_for(host.gateway), REGISTRY_URL)
            inventory = fleet.inventory()
            one = Measure('1 host')
            three = Measure('3 hosts')
            extra = {'atk_hosts': None, 'bench_environment': self.required_env}
            for rep in range(self.reps):
                order = (1, 3) if rep % 2 == 0 else (3, 1)
                for count in order:
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
                    extra['atk_hosts'] = ':'.join(h.name for h in hosts)
                    seconds, data = self.run_playbook(env, FLEET_PLAY, extra, inventory=inventory, tag='fleet%d' % count)
                    for host in hosts:
                        result = self.plugin_result(data, host.name)
                        if len(result['changed_plugins']) != 20:
                            raise BenchError('fleet host %s changed %d' % (host.name, len(result['changed_plugins'])))
                    (one if count == 1 else three).add(seconds, self.last_cpu)
            self.add_row(Row('5', 'fleet cold bootstrap, 3 hosts vs 1 (SSH, netns)', three, one, 1.5, '<= 1.5 x'))
        finally:
            fleet.stop()
            self.daemon.restart(listen=['127.0.0.1'])

    # -- the report ------------------------------------------------------------------------

    def machine(self) -> Dict[str, str]:
        def out(argv):
            try:
                return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False).stdout.strip()
            except OSError as exc:
                return str(exc)
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
            'ansible-core': out([str(ansible_bin('ansible')), '--version']).splitlines()[0],
            'atk': out([str(self.atk_bin), '--version']).splitlines()[-1] if out([str(self.atk_bin), '--version']) else '?',
            'bench priority (nice)': str(os.getpriority(os.PRIO_PROCESS, 0)),
            'load average before/after': '%s / %s' % (' '.join('%.2f' % x for x in self.load_before),
                                                      ' '.join('%.2f' % x for x in os.getloadavg())),
        }

    def report(self) -> str:
        lines = ['# atk.core benchmark %s' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M:%S'), '',
                 'reps: %d%s, interleaved; wall = wall-clock median (s), cpu = median CPU seconds (user + system of every '
                 'process the run started); ratio = atk.core / baseline. Goals are judged on the wall ratio; load = '
                 '1-minute load average of the machine when the row was done (%d cores; the bench itself adds about 1, '
                 'more means other work competed for the CPU and wall times grew).' % (
                     self.reps, ' (--quick)' if self.args.quick else '', os.cpu_count() or 0), '',
                 '| # | measurement | atk.core wall | baseline | baseline wall | ratio | goal | holds | atk.core cpu | baseline cpu | cpu ratio | load |',
                 '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for row in self.rows:
            lines.append('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f |' % (
                row.number, row.what, fmt(row.core.median), row.base.label if row.base else '-', fmt(row.base.median) if row.base else '-',
                '%.2f' % row.ratio if row.ratio is not None else '-', row.goal_text, row.holds,
                fmt(row.core.cpu_median), fmt(row.base.cpu_median) if row.base else '-',
                '%.2f' % row.cpu_ratio if row.cpu_ratio is not None else '-', row.load))
        anatomy = getattr(self, 'anatomy', None)
        if anatomy:
            floor = anatomy[0]
            lines += ['', '## No-op anatomy (scenario 2: 20 plugins, daemon stopped, same interleaving)', '',
                      '| play | wall | over the empty play | cpu |', '| --- | --- | --- | --- |']
            for measure in anatomy:
                lines.append('| %s | %s | %+.2f | %s |' % (
                    measure.label, fmt(measure.median), measure.median - floor.median, fmt(measure.cpu_median)))
        scaling = getattr(self, 'scaling', None)
        if scaling:
            lines += ['', '## Scaling (atk.core.bootstrap on a fresh clone; ms/plugin = wall median / plugins)', '',
                      '| plugins | cold wall | cold ms/plugin | no-op wall | no-op ms/plugin | no-op cpu | atk install --all cold | atk ms/plugin |',
                      '| --- | --- | --- | --- | --- | --- | --- | --- |']
            cold20 = next((r for r in self.rows if r.number == '1'), None)
            noop20 = next((r for r in self.rows if r.number == '2'), None)
            if cold20 and noop20:
                lines.append('| 20 | %s | %.0f | %s | %.0f | %s | %s | %.0f |' % (
                    fmt(cold20.core.median), 1000 * cold20.core.median / 20, fmt(noop20.core.median), 1000 * noop20.core.median / 20,
                    fmt(noop20.core.cpu_median), fmt(cold20.base.median), 1000 * cold20.base.median / 20))
            for size, (cold, noop, atk_cold) in sorted(scaling.items()):
                lines.append('| %d | %s | %.0f | %s | %.0f | %s | %s | %s |' % (
                    size, fmt(cold.median), 1000 * cold.median / size, fmt(noop.median), 1000 * noop.median / size, fmt(noop.cpu_median),
                    fmt(atk_cold.median) if atk_cold.times else 'not run',
                    '%.0f' % (1000 * atk_cold.median / size) if atk_cold.times else '-'))
            if noop20 and 500 in scaling:
                ratio = scaling[500][1].median / noop20.core.median
                cpu_ratio = scaling[500][1].cpu_median / noop20.core.cpu_median
                lines += ['', '**4** no-op 500 / no-op 20 = %.2f wall, %.2f cpu (goal <= 2.0: %s)' % (
                    ratio, cpu_ratio, 'yes' if ratio <= 2.0 else 'NO')]
        lines += ['', '## All repetitions (wall s / cpu s)', '']
        for row in self.rows:
            for measure in (row.core, row.base):
                if measure is not None:
                    lines.append('- %s / %s: %s' % (row.what, measure.label, ', '.join(
                        '%s/%s' % (fmt(w), fmt(c)) for w, c in zip(measure.times, measure.cpu))))
            if row.note:
                lines.append('  - %s' % row.note)
        for measure in (anatomy or [])[1:4]:
            lines.append('- no-op anatomy / %s: %s' % (measure.label, ', '.join(
                '%s/%s' % (fmt(w), fmt(c)) for w, c in zip(measure.times, measure.cpu))))
        for size, measures in sorted((scaling or {}).items()):
            for measure in measures:
                if measure.times:
                    lines.append('- scaling %d / %s: %s' % (size, measure.label, ', '.join(
                        '%s/%s' % (fmt(w), fmt(c)) for w, c in zip(measure.times, measure.cpu))))
        if self.details:
            lines += ['', '## Notes', ''] + ['- %s' % d for d in self.details]
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--reps', type=int, default=None, help='repetitions per side (default 5, --quick 3)')
    parser.add_argument('--quick', action='store_true', help='fewer repetitions, scaling 500 once, atk at 100 once')
    parser.add_argument('--only', default='1,2,3,4,5', help='scenarios to run, e.g. 1,2 (2 and 3 need 1)')
    parser.add_argument('--atk-max', type=int, default=100, help='largest synthetic size atk itself is run on (default 100)')
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
    want = {int(x) for x in args.only.split(',') if x.strip()}
    if args.nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)
        except OSError as exc:
            log('cannot set priority %d (%s); running at %d' % (args.nice, exc, os.getpriority(os.PRIO_PROCESS, 0)))
    bench = Bench(args)
    log('work dir %s, reps %d, scenarios %s' % (bench.root, bench.reps, sorted(want)))
    try:
        if want & {1, 2, 3}:
            bench.scenario_fixture(want)
        if 4 in want:
            bench.scenario_scaling()
        if 5 in want:
            if not hasattr(bench, 'fixture'):
                bench.detail('5: needs scenario 1 (registry and home)')
            else:
                bench.scenario_fleet()
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
