# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of plugins/module_utils, as docs/internals.md draws it, enforced.

* every file belongs to one layer (a new file must be placed here, on purpose);
* a file imports only from its own layer or lower ones, never a module, and the imports
  between files make no cycle;
* only ``_module`` imports Ansible;
* collection imports sit at the top of each file (no hidden, function-local dependencies);
* no file is over 600 lines, but the generated ``_schemas``.
"""

from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "plugins", "module_utils")
PREFIX = "ansible_collections.atk.core.plugins.module_utils"
MAX_LINES = 600
GENERATED = ("_schemas",)

LAYERS = [
    # 0 base: no knowledge of ATK
    ("base", ["_errors", "_proc", "_lock", "_fs", "_urls", "_schemas", "_validate", "_jsonc", "_toml", "_toml_edit",
              "_mask"]),
    # 1 atk's own formats and the home
    ("home", ["_names", "_gitignore", "_dotenv", "_envfile", "_spec", "_manifest", "_git", "_home", "_state", "_mcp",
              "_skills"]),
    # 2 where plugins come from
    ("sources", ["_source_cache", "_registry_source", "_git_source", "_local_source", "_sources", "_signatures"]),
    # 3 one plugin in the home, and the coding agents it is wired into
    ("plugin", ["_plugin_files", "_lifecycle", "_scripts", "_desired", "_agents", "_agents._adapters", "_agents._entry",
                "_agents._files", "_agents._items", "_agents._wiring", "_agents._converge"]),
    # 4 converging a home
    ("converge", ["_plan", "_apply", "_converge", "_home_sync", "_home_repo", "_plan_diff", "_saved_plan"]),
    # 5 what modules report or do beside the converge
    ("features", ["_env", "_service", "_info", "_doctor", "_registry", "_run", "_logs", "_backup"]),
    # 6 Ansible glue
    ("glue", ["_module", "_specs"]),
]
LAYER_OF = dict((name, number) for number, (dummy, names) in enumerate(LAYERS) for name in names)


def _files():
    found = {}
    for dirpath, dummy, filenames in os.walk(ROOT):
        for filename in filenames:
            if not filename.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, filename), ROOT)[:-3].replace(os.sep, ".")
            if rel.endswith(".__init__"):
                rel = rel[:-len(".__init__")]
            if rel == "__init__":
                continue
            found[rel] = os.path.join(dirpath, filename)
    return found


FILES = _files()


def _imports(path):
    """[(module_utils name, lineno, top_level)] and [(other module, lineno)] imported by ``path``."""
    tree = ast.parse(open(path).read(), path)
    top = set(id(node) for node in tree.body)
    ours, others = [], []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from pkg import x" may import the submodule pkg.x: _target keeps the longest name that is a file
            names = [node.module + "." + alias.name for alias in node.names]
        for name in names:
            if name.startswith(PREFIX + "."):
                ours.append((name[len(PREFIX) + 1:], node.lineno, id(node) in top))
            else:
                others.append((name, node.lineno))
    return ours, others


def _target(name):
    """The file an imported dotted name means (``_agents._files.X`` -> ``_agents._files``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in FILES:
            return candidate
    return name


def test_every_file_has_a_layer():
    assert sorted(set(FILES) - set(LAYER_OF)) == [], "place the new file in a layer of LAYERS (and docs/internals.md)"


@pytest.mark.parametrize("name", sorted(FILES))
def test_imports_go_down_only(name):
    ours, others = _imports(FILES[name])
    for imported, lineno, top_level in ours:
        target = _target(imported)
        assert target in LAYER_OF, "%s:%d imports unknown %s" % (name, lineno, imported)
        assert LAYER_OF[target] <= LAYER_OF[name], "%s:%d (layer %s) imports %s (layer %s): upward import" % (
            name, lineno, LAYERS[LAYER_OF[name]][0], target, LAYERS[LAYER_OF[target]][0])
        assert top_level, "%s:%d imports %s inside a function: put it at the top" % (name, lineno, imported)
    for imported, lineno in others:
        assert not imported.startswith("ansible_collections.atk.core.plugins.modules"), \
            "%s:%d imports a module" % (name, lineno)
        if name != "_module":
            assert not (imported == "ansible" or imported.startswith("ansible.")), \
                "%s:%d imports Ansible (%s); only _module may" % (name, lineno, imported)


def test_no_import_cycles():
    graph = dict((name, set(_target(i) for i, dummy, dummy2 in _imports(path)[0]) - set([name]))
                 for name, path in FILES.items())
    done, active = set(), []

    def visit(node):
        if node in active:
            raise AssertionError("import cycle: %s" % " -> ".join(active[active.index(node):] + [node]))
        if node in done:
            return
        active.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        active.pop()
        done.add(node)
    for node in sorted(graph):
        visit(node)


@pytest.mark.parametrize("name", sorted(FILES))
def test_files_stay_small(name):
    if name in GENERATED:
        return
    with open(FILES[name]) as handle:
        count = sum(1 for dummy in handle)
    assert count <= MAX_LINES, "%s has %d lines (at most %d): split it by concept" % (name, count, MAX_LINES)


def test_the_layer_test_catches_an_upward_import(tmp_path):
    """The check above must be able to fail: an upward import in a copy of a base file."""
    path = tmp_path / "_fs.py"
    path.write_text("from %s import _plan\n" % PREFIX)
    ours, dummy = _imports(str(path))
    assert [(LAYER_OF[_target(i)] <= LAYER_OF["_fs"]) for i, dummy2, dummy3 in ours] == [False]
