"""Where things are: the repository, the fixture registry, the virtualenvs, the collection layout."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
"""The collection root (the repository)."""

CALLBACK_PLUGINS_DIR = REPO_ROOT / 'tests' / 'integration' / 'callback_plugins'
"""Holds the ``atk_json`` stdout callback used by the ansible runner."""

REGISTRY_URL = 'https://github.com/Svtoo/atk-registry'
"""atk-cli 0.4.0's hard-coded registry URL (redirected with git ``insteadOf`` in tests)."""


FIXTURE_REGISTRY_DIR = REPO_ROOT / 'tests' / 'fixtures' / 'atk-registry'
"""The snapshot of the public registry vendored in the repository (see its NOTICE.md)."""


def fixture_registry_dir() -> Path:
    """The snapshot of the public registry: ``$ATK_FIXTURE_REGISTRY`` or ``tests/fixtures/atk-registry``."""
    env = os.environ.get('ATK_FIXTURE_REGISTRY')
    path = Path(env) if env else FIXTURE_REGISTRY_DIR
    if not (path / 'index.yaml').is_file():
        raise FileNotFoundError('fixture registry not found at %s (set ATK_FIXTURE_REGISTRY)' % path)
    return path


def venv_bin() -> Path:
    """The bin directory of the Python running the tests (``.venv/bin`` under ``make``)."""
    return Path(sys.executable).parent


ANSIBLE_BIN_ENV = 'ATK_CORE_ANSIBLE_BIN'
"""Names the bin directory of another ansible-core (a virtualenv's ``bin/``) to run instead of the test venv's."""


def other_ansible_bin() -> Optional[Path]:
    """The bin directory ``$ATK_CORE_ANSIBLE_BIN`` names (another ansible-core, e.g. the oldest supported), or None."""
    value = os.environ.get(ANSIBLE_BIN_ENV)
    if not value:
        return None
    path = Path(value)
    if not (path / 'ansible-playbook').exists():
        raise FileNotFoundError('%s=%s has no ansible-playbook (run `make matrix`, which builds that virtualenv)' % (ANSIBLE_BIN_ENV, value))
    return path


def ansible_bin(tool: str = 'ansible-playbook') -> Path:
    """An Ansible CLI from ``$ATK_CORE_ANSIBLE_BIN`` when set, else from the running venv, else from ``<repo>/.venv/bin``."""
    other = other_ansible_bin()
    if other is not None:
        if not (other / tool).exists():
            raise FileNotFoundError('%s not found in %s=%s' % (tool, ANSIBLE_BIN_ENV, other))
        return other / tool
    for candidate in (venv_bin() / tool, REPO_ROOT / '.venv' / 'bin' / tool):
        if candidate.exists():
            return candidate
    raise FileNotFoundError('%s not found next to %s nor in %s/.venv/bin: run `make venv`' % (tool, sys.executable, REPO_ROOT))


def module_python() -> str:
    """The Python that runs modules on ``localhost`` by default: the one next to the ansible-core under test.

    That is the test venv's (``sys.executable``), or with ``$ATK_CORE_ANSIBLE_BIN`` the Python of that
    virtualenv, as on a controller where ``pip install ansible-core jsonschema`` made one virtualenv.
    """
    other = other_ansible_bin()
    if other is not None and (other / 'python').exists():
        return str(other / 'python')
    return sys.executable


def atk_bin() -> Path:
    """The real atk-cli 0.4.0: ``$ATK_PEER_BIN`` or ``<repo>/.venv-atk/bin/atk``."""
    path = Path(os.environ.get('ATK_PEER_BIN') or REPO_ROOT / '.venv-atk' / 'bin' / 'atk')
    if not path.exists():
        raise FileNotFoundError('atk peer not found at %s: run `make venv` (or set ATK_PEER_BIN)' % path)
    return path


def collections_root(sync: bool = True) -> Path:
    """The folder to use as ANSIBLE_COLLECTIONS_PATH (holds ``ansible_collections/atk/core``).

    Same place as ``make collection`` (``$ATK_CORE_LAYOUT_ROOT`` or ``/tmp/atk-core-<hash>``);
    with ``sync`` the copy is refreshed from the working tree first (incremental, locked).
    """
    sys.path.insert(0, str(REPO_ROOT / 'tests' / 'utils'))
    try:
        import collection_layout  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.pop(0)
    if sync:
        root, _dest = collection_layout.sync(str(REPO_ROOT))
        return Path(root)
    return Path(collection_layout.layout_root(str(REPO_ROOT)))
