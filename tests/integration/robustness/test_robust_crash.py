# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Crash suite: kill -9 a converge at every phase; nothing is lost and the next run finishes the work.

One converge does everything at once on a home that holds user data: upgrade ``alpha`` (a registry
plugin with ``custom/`` and a hand-edited ``.env``), add ``beta`` (registry, with an env value), add
``gamma`` (git source, cold cache), re-configure ``delta`` (local, its ``.env`` rewritten in place),
add ``zeta`` (local: .gitignore exemption, tracked files) and remove ``epsilon`` (uninstall).

Deterministic kills: the converge runs in a child Python process (``crash_child.py``, forked from a
server that imported atk.core once) whose monkeypatches SIGKILL it at a named point (see that file);
"mid-fetch" points kill the git transfer with it. A few real ``ansible-playbook`` runs are killed
at a random moment of their module's run time too: every process of the run, including Ansible's
workers (which setsid()), the module, git and lifecycle commands. ``ATK_CORE_SEED`` replays them.
One swap point is also run on the two-rename path that systems without ``renameat2`` take; there
the old folder sits in the trash between the renames, and the check after the kill is that it is
intact there (the next run puts it back).

After every kill:
  * the real ``atk status`` accepts the home and manifest.yaml parses (atk.core's strict reader);
  * the user's data is intact: ``alpha``'s ``custom/`` and ``.env`` byte-identical to before, and every
    ``.env`` the run rewrites is either its old or its new bytes, never anything else;
  * no ``.atk-core-tmp-*`` is left in the home's working tree;
and the next (uninterrupted) run succeeds, ends in exactly the state an uninterrupted run reaches
(files, .env, manifest, .gitignore, installs, everything committed, linear history), and reports
``changed`` for exactly the plugins whose work the kill left undone.
"""

from __future__ import annotations

import concurrent.futures
import os
import queue
import random
import threading
import time
from pathlib import Path

import pytest
import yaml

from harness import AnsibleRunner, AtkPeer, IsolatedEnv, build_git_source, build_registry, stub_lifecycle, synthetic_plugin
from harness.paths import REGISTRY_URL
from robustness_lib import (
    LONG,
    ChildConverge,
    copy_tree,
    head_manifest,
    history_is_linear,
    home_git,
    kill_tree,
    module_utils,
    plugin_tree,
    shared_once,
    start_playbook,
    subjects,
    temp_leftovers,
)


PLUGINS = ('alpha', 'beta', 'gamma', 'delta', 'zeta', 'epsilon')
ALPHA_ENV = '# my own notes, keep them\nALPHA_VAR_1=alpha-user-value\nUSER_EXTRA="keep me too"\n'
OVERRIDES = "description: Overridden by the user\n"


def _items(world):
    return [
        {'name': 'alpha', 'state': 'latest'},
        {'name': 'beta', 'env': {'BETA_VAR_1': 'beta value 1'}},
        {'url': world['gamma_source']},
        {'path': world['delta_src'], 'env': {'DELTA_VAR_1': 'delta-new'}},
        {'path': world['zeta_src']},
        {'name': 'epsilon', 'state': 'absent'},
    ]


def _converge_args(home, cache, items):
    return {'home': str(home), 'items': items, 'cache_dir': str(cache), 'registry_url': REGISTRY_URL}


class Layout:
    """One copy of the world's home, cache and lifecycle markers."""

    def __init__(self, root):
        self.root = Path(root)
        self.home = self.root / 'home'
        self.cache = self.root / 'cache'
        self.markers = self.root / 'markers'

    def env(self):
        return {'ATK_HOME': str(self.home), 'ATK_TEST_MARKERS': str(self.markers), 'XDG_CACHE_HOME': str(self.root / 'xdg')}

    def copy_from(self, other):
        copy_tree(other.home, self.home)
        copy_tree(other.cache, self.cache)
        copy_tree(other.markers, self.markers)
        return self


def _installs(layout, key):
    log = layout.markers / 'log'
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if line.split(' ')[:2] == [key, 'install'])


def _uninstalls(layout, key):
    log = layout.markers / 'log'
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if line.split(' ')[:2] == [key, 'uninstall'])


def _entry(manifest, directory):
    for entry in (manifest or {}).get('plugins') or []:
        if entry['directory'] == directory:
            return entry
    return None


def _state(env, layout):
    """Everything the checks compare, per plugin."""
    home = layout.home
    manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
    committed = head_manifest(env, home)
    dirty = home_git(env, home, 'status', '--porcelain', '--untracked-files=all')
    out = {}
    for name in PLUGINS:
        out[name] = {
            'entry': _entry(manifest, name),
            'committed_entry': _entry(committed, name),
            'tree': plugin_tree(home / 'plugins' / name),
            'installs': _installs(layout, name),
            'uninstalls': _uninstalls(layout, name),
            'installed': (layout.markers / ('%s.installed' % name)).exists(),
            'dirty': sorted(line for line in dirty.splitlines() if ('plugins/%s/' % name) in line),
        }
    out['_gitignore'] = (home / '.gitignore').read_bytes()
    out['_committed_gitignore'] = home_git(env, home, 'show', 'HEAD:.gitignore')
    out['_dirty'] = dirty
    return out


def _work_left(after_kill, final, template):
    """Plugins whose state after the kill differs from the uninterrupted run's end state."""
    left = set()
    for name in PLUGINS:
        got, want, was = after_kill[name], final[name], template[name]
        same = (got['entry'] == want['entry'] and got['committed_entry'] == want['committed_entry']
                and got['tree'] == want['tree'] and got['installed'] == want['installed'] and got['dirty'] == want['dirty']
                and (got['installs'] - was['installs'] >= want['installs'] - was['installs'])
                and (got['uninstalls'] - was['uninstalls'] >= want['uninstalls'] - was['uninstalls']))
        if not same:
            left.add(name)
    if after_kill['_gitignore'] != final['_gitignore'] or after_kill['_committed_gitignore'] != final['_committed_gitignore']:
        left.add('zeta')
    return left


def _make_world(tmp_path_factory, git_daemon, collection_path):
    """The scenario's template home (before the converge) and the reference end state."""
    root = tmp_path_factory.mktemp('crash-world')
    env = IsolatedEnv(root / 'env')
    git_daemon.ensure_running()
    tag = 'crash-%d' % os.getpid()
    env.serve_git_sources(git_daemon, prefix='sources/%s' % tag)
    registry = build_registry(git_daemon.init_repo('registries/%s' % tag), [
        synthetic_plugin('alpha', env_vars=1), synthetic_plugin('beta', env_vars=1), synthetic_plugin('epsilon')])
    env.use_registry(registry)
    gamma = build_git_source(git_daemon, 'acme/gamma', prefix='sources/%s' % tag)
    srcs = {}
    for name in ('delta', 'zeta'):
        src = root / 'src' / name
        files = stub_lifecycle(synthetic_plugin(name, env_vars=1 if name == 'delta' else 0).files, name)
        for rel, content in files.items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
            (src / rel).chmod(0o755 if rel.endswith('.sh') else 0o644)
        srcs[name] = str(src)
    child = ChildConverge(collection_path, env, root / 'children')
    template = Layout(root / 'template')
    template.markers.mkdir(parents=True)
    # The home, as a user has it: made by atk init, three plugins, the user's customisations committed.
    peer = AtkPeer(env)
    peer.run('init', check=True, env=template.env())
    killed, res = child.run(_converge_args(template.home, template.cache, [
        {'name': 'alpha', 'env': {'ALPHA_VAR_1': 'x'}}, {'name': 'epsilon'},
        {'path': srcs['delta'], 'env': {'DELTA_VAR_1': 'delta-old'}}]), extra_env=template.env())
    assert not killed and res['outcome']['ok'] and not res['outcome']['result']['errors'], res
    alpha = template.home / 'plugins' / 'alpha'
    (alpha / 'custom').mkdir()
    (alpha / 'custom' / 'overrides.yaml').write_text(OVERRIDES)
    (alpha / 'custom' / 'notes.txt').write_bytes(b'user notes \xe2\x9c\x93\n')
    (alpha / '.env').write_text(ALPHA_ENV)
    home_git(env, template.home, 'add', '-A')
    home_git(env, template.home, '-c', 'user.name=U', '-c', 'user.email=u@x', 'commit', '-q', '-m', 'my customisations')
    registry.update_plugin('alpha', {'README.md': '# alpha\n\nVersion 2.\n', 'docs/extra.md': 'new in v2\n'})
    world = {'env': env, 'root': root, 'child': child, 'template': template, 'gamma_source': gamma.source,
             'delta_src': srcs['delta'], 'zeta_src': srcs['zeta'], 'registry': registry,
             'template_head': home_git(env, template.home, 'rev-parse', 'HEAD').strip(),
             'collection_path': collection_path}
    world['template_state'] = _state(env, template)
    world['alpha_user'] = {k: v for k, v in plugin_tree(alpha).items() if k == '.env' or k.startswith('custom')}
    world['delta_env_before'] = (template.home / 'plugins' / 'delta' / '.env').read_bytes()
    # The reference: the same converge, uninterrupted.
    ref = Layout(root / 'reference').copy_from(template)
    start = time.monotonic()
    killed, res = child.run(_converge_args(ref.home, ref.cache, _items(world)), extra_env=ref.env())
    world['converge_seconds'] = time.monotonic() - start
    assert not killed and res['outcome']['ok'], res
    result = res['outcome']['result']
    assert result['errors'] == [], result['errors']
    assert sorted(result['changed_plugins']) == sorted(PLUGINS), result['actions']
    actions = {r['plugin']: r['action'] for r in result['plugins']}
    assert actions == {'alpha': 'upgrade', 'beta': 'add', 'gamma': 'add', 'delta': 'configure', 'zeta': 'add',
                       'epsilon': 'remove'}, actions
    world['final'] = _state(env, ref)
    world['final_subjects'] = sorted(subjects(env, ref.home, world['template_head']))
    world['delta_env_after'] = (ref.home / 'plugins' / 'delta' / '.env').read_bytes()
    world['beta_env_after'] = (ref.home / 'plugins' / 'beta' / '.env').read_bytes()
    assert world['final']['_dirty'] == '', world['final']['_dirty']
    assert world['final']['alpha']['tree']['custom/overrides.yaml'][2] == OVERRIDES.encode()
    world['mods'] = module_utils(collection_path)
    return world


# name, kill spec. ``group``: the git child dies with the converge (an interrupted transfer).
KILLS = [
    ('mid-fetch: clone of the git source', {'point': 'remote:clone', 'delay': 0.02, 'group': True}),
    ('mid-fetch: registry fetch', {'point': 'remote:fetch', 'delay': 0.01, 'group': True}),
    ('mid-fetch: ls-remote', {'point': 'remote:ls-remote', 'delay': 0.0, 'group': True}),
    ('mid-fetch: blob fetch of the git source', {'point': 'remote:fetch', 'occurrence': 2, 'delay': 0.02, 'group': True}),
    ('staged: checkout work tree made', {'point': 'checkout:after'}),
    ('staged: first plugin copied', {'point': 'copy:after'}),
    ('staged: all staged', {'point': 'stage:after'}),
    ('swap: before alpha', {'point': 'swap:before'}),
    ('swap: alpha exchanged, old not deleted', {'point': 'swap:mid'}),
    ('swap: alpha moved out, new not in (no renameat2)', {'point': 'swap:mid', 'no_exchange': True}),
    ('swap: after beta', {'point': 'swap:after', 'occurrence': 2}),
    ('swap: epsilon moved to trash', {'point': 'remove:mid'}),
    ('manifest: mid write (alpha)', {'point': 'manifest:mid'}),
    ('manifest: mid write (gamma)', {'point': 'manifest:mid', 'occurrence': 3}),
    ('manifest: after write (beta)', {'point': 'manifest:after', 'occurrence': 2}),
    ('env: mid write (beta, staged)', {'point': 'env:mid'}),
    ('env: mid write (delta, in place)', {'point': 'env:mid', 'occurrence': 2}),
    ('env: after write (delta)', {'point': 'env:after', 'occurrence': 2}),
    ('gitignore: mid write (zeta)', {'point': 'gitignore:mid'}),
    ('state: mid write (in_flight)', {'point': 'state:mid'}),
    ('install: before (alpha)', {'point': 'install:before'}),
    ('install: before (beta)', {'point': 'install:before', 'occurrence': 2}),
    ('commit: before (alpha)', {'point': 'commit:before'}),
    ('commit: before (zeta)', {'point': 'commit:before', 'occurrence': 4}),
    ('commit: after (beta)', {'point': 'commit:after', 'occurrence': 2}),
    ('commit: git killed holding index.lock (beta)', {'point': 'commit:git-killed', 'occurrence': 2}),
]
if LONG:
    KILLS += [
        ('mid-fetch: clone, later', {'point': 'remote:clone', 'delay': 0.08, 'group': True}),
        ('mid-fetch: registry fetch, later', {'point': 'remote:fetch', 'delay': 0.05, 'group': True}),
        ('mid-fetch: registry fetch, module only', {'point': 'remote:fetch', 'delay': 0.01}),
        ('staged: second plugin copied', {'point': 'copy:after', 'occurrence': 2}),
        ('swap: before beta', {'point': 'swap:before', 'occurrence': 2}),
        ('swap: before gamma', {'point': 'swap:before', 'occurrence': 3}),
        ('swap: after alpha', {'point': 'swap:after'}),
        ('swap: after zeta', {'point': 'swap:after', 'occurrence': 4}),
        ('manifest: mid write (zeta)', {'point': 'manifest:mid', 'occurrence': 4}),
        ('manifest: mid write (epsilon)', {'point': 'manifest:mid', 'occurrence': 5}),
        ('manifest: after write (alpha)', {'point': 'manifest:after'}),
        ('env: after write (beta)', {'point': 'env:after'}),
        ('state: mid write (2)', {'point': 'state:mid', 'occurrence': 2}),
        ('state: mid write (3)', {'point': 'state:mid', 'occurrence': 3}),
        ('install: after (alpha)', {'point': 'install:after'}),
        ('install: before (gamma)', {'point': 'install:before', 'occurrence': 3}),
        ('commit: before (beta)', {'point': 'commit:before', 'occurrence': 2}),
        ('commit: before (gamma)', {'point': 'commit:before', 'occurrence': 3}),
        ('commit: before (epsilon)', {'point': 'commit:before', 'occurrence': 5}),
        ('commit: after (alpha)', {'point': 'commit:after'}),
    ]


def _user_files(folder):
    tree = plugin_tree(folder) or {}
    return {k: v for k, v in tree.items() if k == '.env' or k.startswith('custom')}


def _check_after_kill(world, layout, status_server, mods, fallback=False):
    """The invariants that must hold at every instant a run can be killed.

    ``fallback``: the swap ran on the two-rename path of systems without renameat2; between the
    renames alpha's old folder (its custom/ and .env) is in the trash, whole, until the next
    run puts it back: there, and only there, "intact in the trash" is what is checked.
    """
    problems = []
    rc, output = status_server.status(layout.home)
    if rc != 0 or 'not initialized' in output:
        problems.append('atk status refused the home (rc %s): %s' % (rc, output[-400:]))
    try:
        mods.manifest.parse_manifest((layout.home / 'manifest.yaml').read_text(), 'manifest.yaml')
    except Exception as exc:  # pylint: disable=broad-except
        problems.append('manifest.yaml does not parse: %s' % exc)
    alpha_user = _user_files(layout.home / 'plugins' / 'alpha')
    if fallback and not (layout.home / 'plugins' / 'alpha').exists():
        trash = layout.home / '.git' / 'atk-core' / 'tmp' / 'trash'
        kept = [_user_files(p) for p in sorted(trash.glob('old-alpha-*'))] if trash.is_dir() else []
        alpha_user = kept[0] if len(kept) == 1 else {}
    if alpha_user != world['alpha_user']:
        problems.append("alpha's custom/ and .env are not byte-identical to before: had %s, now %s" % (
            sorted(world['alpha_user']), sorted(alpha_user)))
    delta_env = (layout.home / 'plugins' / 'delta' / '.env')
    delta_bytes = delta_env.read_bytes() if delta_env.exists() else None
    if delta_bytes not in (world['delta_env_before'], world['delta_env_after']):
        problems.append("delta's .env is neither its old nor its new content: %r" % (delta_bytes,))
    beta_env = layout.home / 'plugins' / 'beta' / '.env'
    if beta_env.exists() and beta_env.read_bytes() != world['beta_env_after']:
        problems.append("beta's .env is partial: %r" % beta_env.read_bytes())
    leftovers = temp_leftovers(layout.home)
    if leftovers:
        problems.append('temporaries left in the working tree: %s' % leftovers)
    return problems


def _git_locks(home):
    """git's lock files a killed git left in the home (index.lock, HEAD.lock, refs/**.lock, ...)."""
    git_dir = home / '.git'
    return sorted(str(p) for p in list(git_dir.glob('*.lock')) + list(git_dir.glob('refs/**/*.lock')))


def _check_recovered(world, layout, outcome, left, locks=()):
    env = world['env']
    problems = []
    if not outcome or not outcome.get('ok'):
        return ['the next run failed: %s' % ((outcome or {}).get('error'),)]
    result = outcome['result']
    if result['errors']:
        problems.append('the next run reported errors: %s' % result['errors'])
    for lock in locks:
        if not any(lock in warning for warning in result['warnings']):
            problems.append('the next run removed the stale git lock %s without a warning naming it' % lock)
    if _git_locks(layout.home):
        problems.append('git locks left after the next run: %s' % _git_locks(layout.home))
    state = _state(env, layout)
    final = world['final']
    for name in PLUGINS:
        got, want = state[name], final[name]
        for key in ('entry', 'committed_entry', 'tree', 'installed', 'dirty'):
            if got[key] != want[key]:
                detail = ''
                if key == 'tree' and got[key] and want[key]:
                    detail = ' differing: %s' % sorted(k for k in set(got[key]) | set(want[key]) if got[key].get(k) != want[key].get(k))
                problems.append('%s: %s differs from the uninterrupted run%s' % (name, key, detail))
        template = world['template_state'][name]
        if want['installs'] > template['installs'] and got['installs'] <= template['installs']:
            problems.append('%s: its install never ran' % name)
        if want['uninstalls'] > template['uninstalls'] and got['uninstalls'] <= template['uninstalls']:
            problems.append('%s: its uninstall never ran' % name)
    for key in ('_gitignore', '_committed_gitignore'):
        if state[key] != final[key]:
            problems.append('%s differs from the uninterrupted run' % key)
    if state['_dirty']:
        problems.append('uncommitted changes left in the home: %s' % state['_dirty'].strip())
    if not history_is_linear(env, layout.home):
        problems.append('history is not linear')
    got_subjects = sorted(set(subjects(env, layout.home, world['template_head'])))
    if got_subjects != sorted(set(world['final_subjects'])):
        problems.append('commits differ: %s vs %s' % (got_subjects, world['final_subjects']))
    leftovers = temp_leftovers(layout.home)
    if leftovers:
        problems.append('temporaries left after the next run: %s' % leftovers)
    changed = set(result['changed_plugins'])
    if changed != left:
        problems.append('the next run reported changed=%s, but the work left was %s' % (sorted(changed), sorted(left)))
    return problems


WORKERS = max(2, min(4, os.cpu_count() or 2))
RANDOM_KILLS = 6 if LONG else 3


def _deterministic(world, status, child, number, label, kill):
    """One kill at a named point, then the checks and the recovery. -> list of problems."""
    env = world['env']
    layout = Layout(world['root'] / 'kills' / ('%02d' % number)).copy_from(world['template'])
    killed, info = child.run(_converge_args(layout.home, layout.cache, _items(world)), kill=kill, extra_env=layout.env())
    if not killed:
        return ['the kill point %s was never reached: %s' % (kill, info)]
    problems = _check_after_kill(world, layout, status, world['mods'], fallback=bool(kill.get('no_exchange')))
    left = _work_left(_state(env, layout), world['final'], world['template_state'])
    locks = _git_locks(layout.home)
    killed, info2 = child.run(_converge_args(layout.home, layout.cache, _items(world)), extra_env=layout.env())
    problems += _check_recovered(world, layout, None if killed else info2['outcome'], left, locks)
    return ['%s (%s): %s' % (label, info['log'].strip(), p) for p in problems]


def _playbook(world, layout):
    return [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{
        'name': 'converge', 'atk.core.atk_plugin': {'home': str(layout.home), 'cache_dir': str(layout.cache),
                                                    'plugins': _items(world)}}]}]


def _random(world, status, child, number, seed):
    """A real ansible-playbook run; once its module has started, every process of the run
    (ansible-playbook, its workers in their own sessions, the module, git, lifecycle commands)
    is SIGKILLed at a random moment of the module's expected run time."""
    env = world['env']
    layout = Layout(world['root'] / 'random' / ('%02d' % number)).copy_from(world['template'])
    ansible = AnsibleRunner(env, collections_path=world['collection_path'], workdir=layout.root / 'ansible')
    delay = random.Random(seed * 1000 + number).uniform(0.0, 1.5 * world['converge_seconds'])
    proc, _argv, run_dir = start_playbook(ansible, _playbook(world, layout), env=layout.env())
    marker = layout.home / '.git' / 'atk-core' / 'tmp'   # the module's converge has begun
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.003)
    time.sleep(delay)
    finished = proc.poll() is not None
    kill_tree(proc)
    label = 'ansible-playbook killed %.2fs into the module (seed %d%s)' % (delay, seed, ', it had finished' if finished else '')
    after_kill = _check_after_kill(world, layout, status, world['mods'])
    left = _work_left(_state(env, layout), world['final'], world['template_state'])
    locks = _git_locks(layout.home)
    killed, info = child.run(_converge_args(layout.home, layout.cache, _items(world)), extra_env=layout.env())
    recovered = _check_recovered(world, layout, None if killed else info['outcome'], left, locks)
    return ['%s: %s' % (label, p) for p in after_kill + recovered]


@pytest.fixture(scope='module')
def crash_results(tmp_path_factory, git_daemon, collection_path, atk_status_factory, figures):
    """Every kill of the suite, run WORKERS at a time; -> {test id: [problems]} (once per run, xdist or not)."""
    return shared_once(tmp_path_factory, 'crash', lambda: _run_kills(
        _make_world(tmp_path_factory, git_daemon, collection_path), atk_status_factory, figures))


def _run_kills(world, atk_status_factory, figures):
    figure = figures.suite('crash', 'kills survived {survived}/{kills}')
    status = atk_status_factory(world['env'])
    seed = int(os.environ.get('ATK_CORE_SEED', '0')) or random.randrange(1, 10 ** 6)
    figure.note('random ansible-playbook kills: seed %d (ATK_CORE_SEED=%d replays them)' % (seed, seed))
    jobs = [('deterministic', label, (label, kill)) for label, kill in KILLS]
    jobs += [('random', 'random-%d' % n, (n,)) for n in range(1, RANDOM_KILLS + 1)]
    children = queue.Queue()
    made = []
    for worker in range(WORKERS):
        child = ChildConverge(world['collection_path'], world['env'], world['root'] / ('children-%d' % worker))
        made.append(child)
        children.put(child)
    numbers = iter(range(1, 1000))
    lock = threading.Lock()
    results = {}

    def work(job):
        kind, key, args = job
        with lock:
            number = next(numbers)
        child = children.get()
        try:
            if kind == 'deterministic':
                problems = _deterministic(world, status, child, number, *args)
            else:
                problems = _random(world, status, child, args[0], seed)
        except Exception as exc:  # pylint: disable=broad-except
            problems = ['%s: the test itself failed: %r' % (key, exc)]
        finally:
            children.put(child)
        with lock:
            results[key] = problems
            figure.add('kills')
            if not problems:
                figure.add('survived')

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, jobs))
    for child in made + [world['child']]:
        child.close()
    return results


@pytest.mark.parametrize('label', [k[0] for k in KILLS])
def test_kill_at_phase(crash_results, label):
    """SIGKILL at a named phase: the home stays acceptable, nothing is lost, the next run finishes."""
    problems = crash_results[label]
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('number', range(1, RANDOM_KILLS + 1))
def test_kill_ansible_playbook_at_random_time(crash_results, number):
    """A real ansible-playbook run, every process of it SIGKILLed at a random moment."""
    problems = crash_results['random-%d' % number]
    assert not problems, '\n'.join(problems)
