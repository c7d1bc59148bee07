# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_converge: the result a run returns, compact when the plugin count is large; the manifest record
through whole converges of a local plugin (real git, no Ansible)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.atk.core.plugins.module_utils import _converge as C
from ansible_collections.atk.core.plugins.module_utils import _desired as D
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _plan as P
from ansible_collections.atk.core.plugins.module_utils import _proc
from ansible_collections.atk.core.plugins.module_utils import _validate
from ansible_collections.atk.core.plugins.module_utils._schemas import MANIFEST_SCHEMA
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer


class NoSources(object):
    def network_calls(self):
        return 0

    def contacted(self):
        return []

    def warnings(self):
        return []


def plans(count, changed=()):
    result = []
    for number in range(count):
        directory = "p%03d" % number
        plan = P.PluginPlan(D.normalize_item({"name": directory}), M.make_entry(directory, directory, "registry", "1" * 40))
        plan.action = "resync" if number in changed else "none"
        result.append(plan)
    return result


@pytest.mark.parametrize("details, count, listed", [
    ("auto", 20, 20), ("auto", C.DETAILS_LIMIT + 1, 2), ("all", 500, 500), ("changed", 20, 2)])
def test_details(details, count, listed):
    manifest = M.initial_manifest()
    result = C._result("/h", plans(count, changed=(3, 7)), manifest, manifest, NoSources(), [], False, details)  # pylint: disable=protected-access
    assert len(result["plugins"]) == listed
    assert result["counts"] == {"plugins": count, "changed": 2, "unchanged": count - 2}
    assert len(result["unchanged_plugins"]) == count - 2 and result["changed_plugins"] == ["p003", "p007"]


# -- the manifest record through a whole converge (no Ansible): written by a real run that changed
# the home, never by check mode or a no-op; a no-op reads it and returns what it returns without it

def _local_plugin(root, name="Demo"):
    folder = root / "src" / name.lower()
    folder.mkdir(parents=True)
    (folder / "plugin.yaml").write_text('schema_version: "2026-01-23"\nname: %s\ndescription: d\n' % name)
    (folder / "README.md").write_text("hi\n")
    return {"path": str(folder)}


def _run(home, items, check_mode=False):
    M._LOADED.clear()  # pylint: disable=protected-access  # each Ansible run is a new process
    return C.converge(_proc.subprocess_runner, "git", home=str(home), items=items, all_plugins=False, lifecycle=False,
                      check_mode=check_mode, want_diff=True, environ=dict(os.environ))


@pytest.fixture
def record_home(tmp_path, monkeypatch):
    atk_peer.isolate_git(monkeypatch, tmp_path)
    return tmp_path / "home", M._record_path(str(tmp_path / "home"))  # pylint: disable=protected-access


def test_the_record_is_written_by_a_real_run_that_changed_the_home_only(tmp_path, record_home):
    home, record = record_home
    items = [_local_plugin(tmp_path)]
    assert _run(home, items, check_mode=True)["changed"] is True
    assert not os.path.exists(str(home))  # check mode: no home, no record
    assert _run(home, items)["changed"] is True
    assert os.path.isfile(record) and stat.S_IMODE(os.stat(record).st_mode) == 0o600
    assert json.loads(open(record).read())["manifest"] == M.parse_manifest((home / "manifest.yaml").read_text())

    # The creating run locked a temp file, and left the home's own lock file for the runs after it.
    assert os.path.isfile(str(home / ".git" / "atk-core" / "lock"))
    before = atk_peer.snapshot(home)
    assert _run(home, items)["changed"] is False  # the first no-op after the creation touches nothing
    assert atk_peer.snapshot(home) == before
    os.unlink(record)
    before = atk_peer.snapshot(home)
    assert _run(home, items)["changed"] is False  # a no-op writes no record, nothing at all
    assert _run(home, items + [_local_plugin(tmp_path, "Other")], check_mode=True)["changed"] is True
    assert atk_peer.snapshot(home) == before
    assert _run(home, items + [_local_plugin(tmp_path / "x", "Other")])["changed"] is True
    assert os.path.isfile(record)


def test_a_no_op_reads_the_record_and_returns_what_parsing_returns(tmp_path, record_home, monkeypatch):
    home, record = record_home
    items = [_local_plugin(tmp_path), _local_plugin(tmp_path, "Other")]
    assert _run(home, items)["changed"] is True
    assert _run(home, items)["changed"] is False  # the lock file exists from here on
    calls = []
    real = M.parse_manifest
    monkeypatch.setattr(M, "parse_manifest", lambda *a, **k: calls.append(a) or real(*a, **k))
    validate = _validate.validate
    monkeypatch.setattr(_validate, "validate", lambda data, schema, what: calls.append(what) or validate(data, schema, what)
                        if schema is MANIFEST_SCHEMA else validate(data, schema, what))
    before = atk_peer.snapshot(home)
    recorded = _run(home, items)
    assert calls == []  # neither parsed nor validated
    assert atk_peer.snapshot(home) == before
    os.unlink(record)
    before = atk_peer.snapshot(home)
    parsed = _run(home, items)
    assert len(calls) == 2  # parsed and validated once, and no record written by this no-op either
    assert atk_peer.snapshot(home) == before
    assert recorded["changed"] is False and json.dumps(recorded) == json.dumps(parsed)


@pytest.mark.parametrize("broken", ["{", "[" * 100000, '{"key": "1 x y", "manifest": {}}'])
def test_a_no_op_with_a_broken_record_parses_and_leaves_it(tmp_path, record_home, monkeypatch, broken):
    home, record = record_home
    items = [_local_plugin(tmp_path)]
    assert _run(home, items)["changed"] is True
    expected = _run(home, items)
    with open(record, "w") as handle:
        handle.write(broken)
    before = atk_peer.snapshot(home)
    calls = []
    real = M.parse_manifest
    monkeypatch.setattr(M, "parse_manifest", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert json.dumps(_run(home, items)) == json.dumps(expected)
    assert len(calls) == 1
    assert atk_peer.snapshot(home) == before


def test_atk_plugins_converge_records_the_same_way(tmp_path, record_home):
    home, record = record_home
    _home.init_home(str(home), _git.Git())

    def run(items, check_mode=False):
        M._LOADED.clear()  # pylint: disable=protected-access
        return C.converge_plugins(_proc.subprocess_runner, "git", str(home), items, lifecycle=False, check_mode=check_mode)

    items = [_local_plugin(tmp_path)]
    before = atk_peer.snapshot(home)
    assert run(items, check_mode=True)["changed"] is True
    assert atk_peer.snapshot(home) == before and not os.path.exists(record)
    assert run(items)["changed"] is True and os.path.isfile(record)
    os.unlink(record)
    before = atk_peer.snapshot(home)
    assert run(items)["changed"] is False
    assert atk_peer.snapshot(home) == before
