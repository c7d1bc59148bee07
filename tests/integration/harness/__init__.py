"""Integration test harness for atk.core (see README.md next to this file)."""

from __future__ import annotations

from .ansible import AnsibleRunner, PlaybookError, PlaybookResult, parse_output
from .atk import AtkError, AtkPeer
from .daemon import GitDaemon, free_port, port_open
from .env import IsolatedEnv
from .gitrepo import TEST_IDENTITY, GitRepo, git
from .paths import REGISTRY_URL, REPO_ROOT, atk_bin, collections_root, fixture_registry_dir
from .registry import (
    GitSource,
    PluginSource,
    Registry,
    build_git_source,
    build_registry,
    fixture_plugins,
    stub_lifecycle,
    stub_script,
    synthetic_plugin,
    synthetic_plugins,
)

__all__ = [
    'AnsibleRunner', 'PlaybookError', 'PlaybookResult', 'parse_output',
    'AtkError', 'AtkPeer',
    'GitDaemon', 'free_port', 'port_open',
    'IsolatedEnv',
    'TEST_IDENTITY', 'GitRepo', 'git',
    'REGISTRY_URL', 'REPO_ROOT', 'atk_bin', 'collections_root', 'fixture_registry_dir',
    'GitSource', 'PluginSource', 'Registry', 'build_git_source', 'build_registry', 'fixture_plugins',
    'stub_lifecycle', 'stub_script', 'synthetic_plugin', 'synthetic_plugins',
]
