# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one-line figure each robustness suite prints at the end of the pytest run.

Loaded once per process under the fixed name ``atk_core_robustness_figures`` (by
``tests/integration/conftest.py``, which the controller of a pytest-xdist run loads too). A suite
records counters while it runs (``suite(name, template).add(key)``); under xdist each worker hands
its figures to the controller at the end (``export``/``merge``: counters add up, notes are joined),
and the controller prints them (``report``).
"""

from __future__ import annotations

import json
from collections import OrderedDict

FIGURES = OrderedDict()


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

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def line(self):
        class Zero(dict):
            def __missing__(self, key):
                return 0
        return self.template.format_map(Zero(self.values))


def suite(name, template):
    """The figure of suite ``name`` (made on first use)."""
    if name not in FIGURES:
        FIGURES[name] = Figure(template)
    return FIGURES[name]


def export():
    return json.dumps([[name, f.template, f.values, f.notes] for name, f in FIGURES.items() if f.values or f.notes])


def merge(data):
    for name, template, values, notes in json.loads(data):
        figure = suite(name, template)
        for key, value in values.items():
            figure.add(key, value)
        for text in notes:
            figure.note(text)


def report(terminalreporter, long_mode=False):
    shown = [(name, f) for name, f in FIGURES.items() if f.values or f.notes]
    if not shown:
        return
    terminalreporter.section('robustness figures%s' % (' (ATK_CORE_LONG)' if long_mode else ''))
    for name, figure in sorted(shown):
        terminalreporter.write_line('%s: %s' % (name, figure.line()))
        for text in figure.notes:
            terminalreporter.write_line('    %s' % text)
