"""pytest fixtures of the atk.core integration harness (API: tests/integration/harness/README.md)."""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# pylint: disable=wrong-import-position
from harness import (  # noqa: E402
    AnsibleRunner,
    AtkPeer,
    GitDaemon,
    IsolatedEnv,
    build_git_source,
    build_registry,
    collections_root,
)
from harness.netns import SshFleet, missing_host_software  # noqa: E402
from harness.paths import ansible_bin  # noqa: E402

_TEST_IDS = itertools.count(1)


def pytest_configure(config):
    config.addinivalue_line('markers', 'matrix: the acceptance subset `make matrix` also runs on the oldest supported ansible-core '
                                       '(bootstrap, no-op, upgrade preview, env with Vault)')


def pytest_report_header(config):  # pylint: disable=unused-argument
    """Which ansible-core the run drives (``$ATK_CORE_ANSIBLE_BIN`` or the test venv's)."""
    try:
        playbook = ansible_bin('ansible-playbook')
        first = subprocess.run([str(playbook), '--version'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               check=False, timeout=60).stdout.splitlines()[:1]
    except (OSError, subprocess.SubprocessError) as exc:
        return 'ansible-core under test: unknown (%s)' % exc
    return 'ansible-core under test: %s (%s)' % (first[0] if first else 'unknown', playbook)


@pytest.fixture(scope='session')
def collection_path() -> Path:
    """ANSIBLE_COLLECTIONS_PATH for the collection under test (the ``make collection`` layout, refreshed once per session)."""
    return collections_root(sync=True)


@pytest.fixture(scope='session')
def git_daemon(tmp_path_factory):
    """A git daemon on 127.0.0.1 (free port) shared by the session. Fixtures restart it if a test stopped it."""
    daemon = GitDaemon(tmp_path_factory.mktemp('git-daemon') / 'srv')
    daemon.start()
    yield daemon
    daemon.stop()


@pytest.fixture
def git_daemon_factory(tmp_path_factory):
    """``make(listen=('127.0.0.1',), port=None, start=True) -> GitDaemon``: private daemons, stopped after the test."""
    made = []

    def make(listen=('127.0.0.1',), port=None, start=True):
        daemon = GitDaemon(tmp_path_factory.mktemp('private-git-daemon') / 'srv', listen=listen, port=port)
        made.append(daemon)
        return daemon.start() if start else daemon

    yield make
    for daemon in made:
        daemon.stop()


@pytest.fixture
def ssh_fleet_factory(tmp_path):
    """``start(count) -> SshFleet``: SSH hosts in network namespaces, stopped after the test."""
    started = []

    def start(count):
        missing = missing_host_software()
        if missing:
            pytest.fail('fleet hosts need %s: run `make system-deps` as root (tests/utils/ensure-system-deps.sh)'
                        % ', '.join(missing))
        hosts = SshFleet(tmp_path / 'fleet', count=count)
        started.append(hosts)
        return hosts.start()

    yield start
    for hosts in started:
        hosts.stop()


@pytest.fixture
def test_id() -> str:
    """A short id unique within the session (names this test's repositories on the shared daemon)."""
    return 't%04d' % next(_TEST_IDS)


@pytest.fixture
def isolated_env(tmp_path, git_daemon, test_id) -> IsolatedEnv:
    """A fresh user: HOME, ATK_HOME (=HOME/.atk), GIT_CONFIG_GLOBAL, ATK_TEST_MARKERS under tmp_path.

    ``https://example.org/`` is already redirected to this test's git sources on ``git_daemon``.
    """
    env = IsolatedEnv(tmp_path / 'env')
    git_daemon.ensure_running()
    env.serve_git_sources(git_daemon, prefix='sources/%s' % test_id)
    return env


@pytest.fixture
def registry_factory(git_daemon, isolated_env, test_id):
    """``make(plugins=None, lifecycle='replace', use=True, daemon=None) -> Registry``.

    ``plugins``: None for the whole fixture snapshot, or PluginSource objects (``fixture_plugins([...])``,
    ``synthetic_plugins(n)``). ``use`` points ``isolated_env``'s registry redirect at it (the last one wins).
    """
    counter = itertools.count(1)

    def make(plugins=None, lifecycle='replace', use=True, daemon=None):
        daemon = daemon or git_daemon
        daemon.ensure_running()
        repo = daemon.init_repo('registries/%s-%d' % (test_id, next(counter)))
        registry = build_registry(repo, plugins, lifecycle=lifecycle)
        if use:
            isolated_env.use_registry(registry)
        return registry

    return make


@pytest.fixture
def registry(registry_factory):
    """A fresh registry of the 20 snapshot plugins (lifecycle stubs in place), redirected in ``isolated_env``."""
    return registry_factory()


@pytest.fixture
def git_source_factory(git_daemon, isolated_env, test_id):
    """``make(owner_repo, spec=None, files=None, host='example.org', lifecycle='replace') -> GitSource``.

    The repository answers at ``https://<host>/<owner>/<repo>`` inside ``isolated_env``;
    type ``src.source`` (``example.org/acme/demo``) where atk or a module expects a git source.
    """
    prefix = 'sources/%s' % test_id
    hosts = {'example.org'}

    def make(owner_repo, spec=None, files=None, host='example.org', lifecycle='replace'):
        git_daemon.ensure_running()
        if host not in hosts:
            isolated_env.serve_git_sources(git_daemon, host=host, prefix=prefix)
            hosts.add(host)
        return build_git_source(git_daemon, owner_repo, spec=spec, files=files, host=host, lifecycle=lifecycle, prefix=prefix)

    return make


@pytest.fixture
def atk_peer(isolated_env) -> AtkPeer:
    """The real atk-cli 0.4.0 in ``isolated_env``."""
    return AtkPeer(isolated_env)


@pytest.fixture
def ansible(isolated_env, collection_path) -> AnsibleRunner:
    """ansible-playbook against the collection under test, in ``isolated_env``."""
    return AnsibleRunner(isolated_env, collections_path=collection_path)


# ---------------------------------------------------------------------------------------------
# The robustness suites' one-line figures (tests/integration/robustness/figures.py). Here, not in
# that folder's conftest, because the controller of a pytest-xdist run loads only this one: each
# worker hands its figures over at the end and the controller prints them.

def _robustness_figures():
    name = 'atk_core_robustness_figures'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, str(Path(__file__).resolve().parent / 'robustness' / 'figures.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_robustness_figures()


def pytest_sessionfinish(session):
    output = getattr(session.config, 'workeroutput', None)
    if output is not None:
        output['atk_core_figures'] = _robustness_figures().export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # pylint: disable=unused-argument
    data = getattr(node, 'workeroutput', {}).get('atk_core_figures')
    if data:
        _robustness_figures().merge(data)


def pytest_terminal_summary(terminalreporter):
    _robustness_figures().report(terminalreporter, long_mode=os.environ.get('ATK_CORE_LONG', '') not in ('', '0'))
