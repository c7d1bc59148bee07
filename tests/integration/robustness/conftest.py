# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Robustness suites: shared fixtures.

Every suite records its figure through the ``figures`` fixture while it runs (so a failing suite
still reports how far it got); ``tests/integration/conftest.py`` prints one line per suite at the
end of the run, e.g. ``crash: kills survived 28/29``, also under pytest-xdist (see figures.py).
``ATK_CORE_LONG=1`` makes the suites repeat more.
"""

from __future__ import annotations

import itertools
import sys

import pytest

from robustness_lib import LONG, AtkStatus

_UNIQUE = itertools.count(1)


@pytest.fixture(scope='session')
def figures():
    """``figures.suite('crash', 'kills survived {survived}/{kills}')`` -> a figure to count into."""
    return sys.modules['atk_core_robustness_figures']


@pytest.fixture(scope='session')
def long_mode():
    """True with ATK_CORE_LONG=1: more repetitions."""
    return LONG


@pytest.fixture(scope='module')
def atk_status_factory():
    """``make(env) -> AtkStatus``: the real ``atk status`` served from one long-lived atk process per env."""
    made = []

    def make(env):
        server = AtkStatus(env)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()
