# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_home_sync: a host's own layer replayed on its upstream, plugin by plugin, with real git repositories."""

from __future__ import annotations

import os

import pytest

from ansible_collections.atk.core.plugins.module_utils import _git as G
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _home as H
from ansible_collections.atk.core.plugins.module_utils import _home_sync as S
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

git = atk_peer.git
REF1, REF2, REF3 = "1" * 40, "2" * 40, "3" * 40


@pytest.fixture
def team(tmp_path, monkeypatch):
    """An upstream home (bare), the admin's clone that pushes to it, and a host's clone."""
    atk_peer.isolate_git(monkeypatch, tmp_path)
    admin = tmp_path / "admin"
    H.init_home(str(admin), G.Git())
    set_plugins(admin, [("fetch", REF1), ("serena", REF1)], "Add plugins")
    bare = tmp_path / "team.git"
    git(tmp_path, "clone", "-q", "--bare", str(admin), str(bare))
    git(admin, "remote", "add", "origin", str(bare))
    git(admin, "fetch", "-q", "origin")
    git(admin, "branch", "-q", "--set-upstream-to", "origin/" + git(admin, "branch", "--show-current").strip())
    host = tmp_path / "host"
    git(tmp_path, "clone", "-q", str(bare), str(host))
    (host / "plugins").mkdir(exist_ok=True)
    return admin, host


def set_plugins(repo, pins, message):
    manifest = M.load_manifest(str(repo))
    manifest["plugins"] = [M.make_entry(d, d, "registry", ref) for d, ref in pins]
    M.save_manifest(str(repo), manifest)
    commit(repo, message)


def commit(repo, message):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def pins(repo, ref="HEAD"):
    manifest = M.parse_manifest(git(repo, "show", "%s:manifest.yaml" % ref))
    return [(e["directory"], e["source"]["ref"]) for e in manifest["plugins"]]


def add_local(repo, directory, pin=REF1):
    manifest = M.load_manifest(str(repo))
    manifest["plugins"].append(M.make_entry(directory, directory, "registry", pin))
    M.save_manifest(str(repo), manifest)
    return commit(repo, "Add plugin '%s'" % directory)


def push(admin):
    git(admin, "push", "-q", "origin", "HEAD")


def sync(host, own=(), check=False):
    g = G.Git()
    result = S.compute(g, str(host), None, own)
    try:
        if not check:
            S.apply(g, str(host), result)
        return result
    finally:
        S.finish(result)


def test_own_inventory_commit_is_replayed_on_an_upstream_add(team):
    admin, host = team
    own = add_local(host, "exa")
    set_plugins(admin, [("fetch", REF1), ("serena", REF1), ("git-local", REF1)], "Add plugin 'git-local'")
    push(admin)
    upstream = git(admin, "rev-parse", "HEAD").strip()
    before = (host / "manifest.yaml").read_text()
    preview = sync(host, [own], check=True)
    assert preview.changed and (host / "manifest.yaml").read_text() == before  # check mode writes nothing
    result = sync(host, [own])
    assert pins(host) == [("fetch", REF1), ("serena", REF1), ("git-local", REF1), ("exa", REF1)]
    assert git(host, "rev-parse", "HEAD~1").strip() == upstream  # linear: upstream, then the replayed commit
    assert git(host, "log", "-1", "--format=%s").strip() == "Add plugin 'exa'"
    assert [r["from"] for r in result.replayed] == [own] and result.commit == preview.commit
    assert git(host, "status", "--porcelain").strip() == ""
    assert git(host, "rev-parse", "@{upstream}").strip() == upstream
    assert sync(host, [result.commit]).changed is False  # nothing new upstream: nothing moves


def test_a_persons_commit_survives_and_a_pin_move_is_taken(team):
    admin, host = team
    mine = add_local(host, "slack")                 # atk add slack by hand on the host
    set_plugins(admin, [("fetch", REF2), ("serena", REF1)], "Upgrade plugin 'fetch'")
    push(admin)
    result = sync(host, [])
    assert pins(host) == [("fetch", REF2), ("serena", REF1), ("slack", REF1)]
    assert result.removed() == [] and [r["from"] for r in result.replayed] == [mine]


def test_fast_forward_and_upstream_removal(team):
    admin, host = team
    set_plugins(admin, [("fetch", REF1)], "Remove plugin 'serena'")
    push(admin)
    result = sync(host)
    assert result.commit == git(admin, "rev-parse", "HEAD").strip() and result.replayed == []
    assert result.removed() == ["serena"]
    assert pins(host) == [("fetch", REF1)]


def test_a_true_conflict_with_a_persons_commit_changes_nothing_and_names_the_plugin(team):
    admin, host = team
    manifest = M.load_manifest(str(host))
    manifest["plugins"][0]["source"]["ref"] = REF3     # a person moves fetch's pin here ...
    M.save_manifest(str(host), manifest)
    mine = commit(host, "Upgrade plugin 'fetch'")
    set_plugins(admin, [("fetch", REF2), ("serena", REF1)], "Upgrade plugin 'fetch'")   # ... upstream elsewhere
    push(admin)
    before = git(host, "rev-parse", "HEAD").strip()
    with pytest.raises(AtkError) as info:
        sync(host, [])
    assert "plugin 'fetch' was changed both here (commit %s" % mine[:12] in str(info.value)
    assert "git reset --keep origin/" in str(info.value) and "atk.core changed nothing" in str(info.value)
    assert git(host, "rev-parse", "HEAD").strip() == before and pins(host) == [("fetch", REF3), ("serena", REF1)]


def test_an_own_commit_gives_way_to_upstream(team):
    admin, host = team
    manifest = M.load_manifest(str(host))
    manifest["plugins"][0]["source"]["ref"] = REF3
    M.save_manifest(str(host), manifest)
    own = commit(host, "Upgrade plugin 'fetch'")      # inventory pinned fetch here ...
    set_plugins(admin, [("fetch", REF2), ("serena", REF1)], "Upgrade plugin 'fetch'")
    push(admin)
    result = sync(host, [own])
    assert pins(host) == [("fetch", REF2), ("serena", REF1)]   # ... upstream wins; the converge re-pins it
    assert result.dropped == [{"commit": own, "plugin": "fetch"}]


def test_custom_files_and_local_plugin_exemptions_merge(team):
    admin, host = team
    (host / "plugins" / "fetch" / "custom").mkdir(parents=True)
    (host / "plugins" / "fetch" / "custom" / "overrides.yaml").write_text("description: mine\n")
    gitignore = host / ".gitignore"
    gitignore.write_text(_gitignore.add_exemption(gitignore.read_text(), "mine-local"))
    (host / "plugins" / "mine-local").mkdir()
    (host / "plugins" / "mine-local" / "plugin.yaml").write_text("name: mine-local\n")
    mine = commit(host, "custom and a local plugin")
    (admin / ".gitignore").write_text(_gitignore.add_exemption((admin / ".gitignore").read_text(), "team-local"))
    (admin / "plugins" / "team-local").mkdir(parents=True)
    (admin / "plugins" / "team-local" / "plugin.yaml").write_text("name: team-local\n")
    commit(admin, "team local plugin")
    push(admin)
    sync(host, [])
    text = (host / ".gitignore").read_text()
    assert "!plugins/mine-local/\n" in text and "!plugins/team-local/\n" in text
    assert _gitignore.secrets_last(text)
    assert (host / "plugins" / "team-local" / "plugin.yaml").is_file()
    assert (host / "plugins" / "fetch" / "custom" / "overrides.yaml").read_text() == "description: mine\n"
    assert git(host, "log", "-1", "--format=%s").strip() == "custom and a local plugin" and mine


def test_the_same_custom_file_changed_both_ways_is_a_conflict(team):
    admin, host = team
    for repo, text in ((host, "description: host\n"), (admin, "description: team\n")):
        (repo / "plugins" / "fetch" / "custom").mkdir(parents=True)
        (repo / "plugins" / "fetch" / "custom" / "overrides.yaml").write_text(text)
        commit(repo, "custom")
    push(admin)
    with pytest.raises(AtkError, match="plugin 'fetch' was changed both here"):
        sync(host, [])


def test_ignored_files_and_secrets_are_never_touched(team):
    admin, host = team
    plugin = host / "plugins" / "serena"
    plugin.mkdir()
    (plugin / "plugin.yaml").write_text("name: serena\n")     # a registry plugin's files: ignored
    (plugin / ".env").write_text("TOKEN=secret\n")
    own = add_local(host, "exa")
    set_plugins(admin, [("fetch", REF1), ("serena", REF2)], "Upgrade plugin 'serena'")
    push(admin)
    sync(host, [own])
    assert (plugin / ".env").read_text() == "TOKEN=secret\n" and (plugin / "plugin.yaml").is_file()
    assert os.listdir(str(plugin)) == sorted(os.listdir(str(plugin)), key=str) and len(os.listdir(str(plugin))) == 2
