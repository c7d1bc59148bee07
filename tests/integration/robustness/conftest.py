# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Robustness suites: shared fixtures and the one-line figure each suite prints at the end.

Every suite records its figure through the ``figures`` fixture while it runs (so a failing
suite still reports how far it got); the terminal summary prints one line per suite, e.g.
``robustness crash: kills survived 22/22``. ``ATK_CORE_LONG=1`` makes the suites repeat more.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import pytest

from robustness_lib import LONG, AtkStatus

_FIGURES = OrderedDict()
_UNIQUE = itertools.count(1)


class Figure:
    """Counters of one suite, and how to print them."""

    def __init__(self, template):
        self.template = template
        self.values = {}
        self.notes = []

    def add(self, key, amount=1):
        self.values[key] = self.values.get(key, 0) + amount

    def set(self, key, value):
        self.values[key] = value

    def get(self, key):
        return self.values.get(key, 0)

    def line(self):
        values = dict(self.values)

        class Zero(dict):
            def __missing__(self, key):
                return 0
        return self.template.format_map(Zero(values))


class Figures:
    """``figures.suite('crash', 'kills survived {survived}/{kills}')`` -> a :class:`Figure`."""

    def suite(self, name, template):
        if name not in _FIGURES:
            _FIGURES[name] = Figure(template)
        return _FIGURES[name]


@pytest.fixture(scope='session')
def figures():
    return Figures()


@pytest.fixture(scope='session')
def long_mode():
    """True with ATK_CORE_LONG=1: more repetitions."""
    return LONG


@pytest.fixture
def unique():
    """A short name unique in the session (repositories on the shared daemon)."""
    return 'rb%04d' % next(_UNIQUE)


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


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    terminalreporter.section('robustness figures%s' % (' (ATK_CORE_LONG)' if LONG else ''))
    for name, figure in _FIGURES.items():
        terminalreporter.write_line('%s: %s' % (name, figure.line()))
        for note in figure.notes:
            terminalreporter.write_line('    %s' % note)
