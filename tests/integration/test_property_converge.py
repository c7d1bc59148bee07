# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One property, for any sequence of world changes: check mode predicts the real run, and the run after
it changes nothing.

A hypothesis state machine moves the world under a host's home between converges: registry commits,
upstream commits of the home repository (adds, removals, pin moves), hand edits and deletions in
plugin folders, ``atk add``/``atk remove`` by hand with the real atk 0.4.0, and inventory's env
values and plugin list. After each change the converge runs in check mode (it must write nothing),
then for real (same actions, same ``changed``, or the same failure with nothing changed), then again
(``changed=false``). Converges run in-process (``_converge.converge``, the code of atk_converge and
of its in-process action plugin); the servers, git, atk and lifecycle scripts are real.

``make test`` runs a bounded number of sequences; ``ATK_CORE_LONG=1`` runs many more.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from harness import AtkPeer, IsolatedEnv, build_registry, fixture_plugins, git
from harness.gitrepo import SERVE_CONFIG

LONG = bool(os.environ.get('ATK_CORE_LONG'))
POOL = ['fetch', 'git-local', 'serena', 'codanna', 'gitlab']
INVENTORY = ['exa', 'fetch']


def _import(collection_path):
    import sys  # pylint: disable=import-outside-toplevel
    if str(collection_path) not in sys.path:
        sys.path.insert(0, str(collection_path))
    # pylint: disable=import-outside-toplevel
    from ansible_collections.atk.core.plugins.module_utils import _converge, _proc
    from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
    return _converge, _proc, AtkError


def tree_digest(root: Path):
    """Every path below ``root`` with a digest of its bytes, its mode and link target."""
    out = {}
    for path in sorted(root.rglob('*')):
        rel = str(path.relative_to(root))
        if rel.startswith('.git/atk-core/lock'):
            continue
        info = path.lstat()
        if path.is_symlink():
            out[rel] = ('link', os.readlink(str(path)))
        elif path.is_file():
            out[rel] = ('file', hashlib.sha256(path.read_bytes()).hexdigest(), info.st_mode)
        else:
            out[rel] = ('dir', info.st_mode)
    return out


class World(RuleBasedStateMachine):
    """Set per test by :func:`test_check_mode_predicts_every_run`: tmp root, daemon, collection path."""

    context = None

    @initialize()
    def setup(self):
        ctx = World.context
        ctx['count'] += 1
        root = ctx['root'] / ('world-%03d' % ctx['count'])
        daemon, test_id = ctx['daemon'], '%s-%03d' % (ctx['test_id'], ctx['count'])
        self.converge_mod, proc, self.AtkError = _import(ctx['collection_path'])
        self.registry = build_registry(daemon.init_repo('registries/%s' % test_id), fixture_plugins(POOL + ['exa']))
        admin_env = IsolatedEnv(root / 'admin')
        admin_env.use_registry(self.registry)
        self.admin = AtkPeer(admin_env)
        self.admin.init()
        self.admin.add('fetch', answers=[''])
        relpath = 'homes/%s.git' % test_id
        self.bare = daemon.base_path / relpath
        git('clone', '-q', '--bare', str(admin_env.atk_home), str(self.bare))
        for key, value in SERVE_CONFIG.items():
            git('config', key, value, cwd=self.bare)
        self.admin.git('remote', 'add', 'origin', str(self.bare))
        self.admin.git('fetch', '-q', 'origin')
        self.admin.git('branch', '-q', '--set-upstream-to', 'origin/' + self.admin.git('branch', '--show-current').stdout.strip())
        self.url = daemon.url(relpath)
        self.host = IsolatedEnv(root / 'host')
        self.host.use_registry(self.registry)
        self.peer = AtkPeer(self.host)
        self.environ = self.host.environ()
        self.run = lambda argv, cwd=None, env_update=None, data=None: proc.subprocess_runner(
            argv, cwd=cwd, env_update=dict(self.environ, **(env_update or {})), data=data)
        self.inventory = {'exa': {'EXA_API_KEY': 'k0'}}
        self.steps = []
        self.converge_and_check('setup')

    # -- the converge under test -------------------------------------------------------------

    def _converge(self, check_mode):
        items = [{'name': name, 'env': dict(env)} for name, env in sorted(self.inventory.items())]
        try:
            return self.converge_mod.converge(
                self.run, 'git', home=str(self.host.atk_home), repo=self.url, items=items,
                registry_url=self.registry.url, cache_dir=str(self.host.root / 'cache'), check_mode=check_mode,
                want_diff=True, environ=self.environ, lock_timeout=30), None
        except self.AtkError as exc:
            return None, str(exc)

    @staticmethod
    def _shape(result):
        return ([a['action'] for a in result['home_actions']],
                sorted((p['plugin'], p['action']) for p in result['plugins']), result['changed'],
                sorted(result['errors']))

    def converge_and_check(self, label):
        self.steps.append(label)
        home = self.host.atk_home
        before = tree_digest(home) if home.exists() else None
        predicted, predicted_error = self._converge(True)
        assert (tree_digest(home) if home.exists() else None) == before, 'check mode changed the home after %s' % self.steps
        done, error = self._converge(False)
        assert error == predicted_error, (self.steps, predicted_error, error)
        if error is not None:
            assert tree_digest(home) == before, 'a refused run changed the home after %s' % self.steps
            return
        assert self._shape(done) == self._shape(predicted), (self.steps, self._shape(predicted), self._shape(done))
        if done['errors']:
            return   # a plugin blocked on purpose stays blocked: its retry is not a no-op
        again, error = self._converge(False)
        assert error is None and again['changed'] is False, (self.steps, error, again and self._shape(again))

    # -- world changes -------------------------------------------------------------------------

    @rule(plugin=st.sampled_from(POOL), text=st.text(alphabet='abc ', min_size=1, max_size=8))
    def registry_commit(self, plugin, text):
        # The step number keeps two equal draws from making an empty commit.
        self.registry.update_plugin(plugin, {'SKILL.md': '# %s %s (%d)\n' % (plugin, text, len(self.steps))})
        self.converge_and_check('registry commit %s' % plugin)

    @rule(plugin=st.sampled_from(POOL))
    def upstream_add(self, plugin):
        if plugin in [p['directory'] for p in self.admin.manifest()['plugins']]:
            return
        answers = [''] * 4
        self.admin.add(plugin, answers=answers)
        self._push('upstream add %s' % plugin)

    @rule(plugin=st.sampled_from(POOL))
    def upstream_remove(self, plugin):
        if plugin not in [p['directory'] for p in self.admin.manifest()['plugins']]:
            return
        self.admin.remove(plugin)
        self._push('upstream remove %s' % plugin)

    @rule(plugin=st.sampled_from(POOL))
    def upstream_pin_moves(self, plugin):
        if plugin not in [p['directory'] for p in self.admin.manifest()['plugins']]:
            return
        self.admin.run('upgrade', plugin, input='\n' * 4)
        self._push('upstream upgrade %s' % plugin)

    def _push(self, label):
        self.admin.git('push', '-q', 'origin', 'HEAD')
        self.converge_and_check(label)

    @rule(plugin=st.sampled_from(POOL + ['exa']), delete=st.booleans())
    def hand_edit(self, plugin, delete):
        folder = self.host.atk_home / 'plugins' / plugin
        target = folder / ('README.md' if delete else 'SKILL.md')
        if not target.is_file():
            return
        if delete:
            target.unlink()
        else:
            target.write_text(target.read_text() + '\nedited by hand\n')
        self.converge_and_check('hand %s %s' % ('delete' if delete else 'edit', target.name))

    @rule(plugin=st.sampled_from(POOL))
    def atk_by_hand(self, plugin):
        installed = [p['directory'] for p in self.peer.manifest()['plugins']]
        if plugin in installed:
            self.peer.remove(plugin)
            label = 'atk remove %s by hand' % plugin
        else:
            self.peer.add(plugin, answers=[''] * 4)
            label = 'atk add %s by hand' % plugin
        self.converge_and_check(label)

    @rule(value=st.sampled_from(['k0', 'k1', 'k2']))
    def inventory_env(self, value):
        self.inventory['exa'] = {'EXA_API_KEY': value}
        self.converge_and_check('env value %s' % value)

    @rule()
    def inventory_toggle_fetch(self):
        if 'fetch' in self.inventory:
            del self.inventory['fetch']
        else:
            self.inventory['fetch'] = {'USER_AGENT': 'ua'}
        self.converge_and_check('inventory fetch %s' % ('in' if 'fetch' in self.inventory else 'out'))

    @invariant()
    def atk_reads_the_home(self):
        if not getattr(self, 'steps', None) or not self.host.atk_home.exists():
            return
        status = self.peer.run('status')
        assert status.returncode == 0, (self.steps, status.stdout, status.stderr)


def test_check_mode_predicts_every_run(tmp_path, git_daemon, test_id, collection_path):
    World.context = {'root': tmp_path, 'daemon': git_daemon, 'test_id': test_id, 'collection_path': collection_path,
                     'count': 0}
    run_state_machine_as_test(World, settings=settings(
        max_examples=40 if LONG else 2, stateful_step_count=12 if LONG else 5, deadline=None, derandomize=not LONG,
        suppress_health_check=list(HealthCheck), print_blob=True))
