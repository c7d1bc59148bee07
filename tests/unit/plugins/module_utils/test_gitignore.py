# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_gitignore: byte-for-byte what atk 0.4.0 writes, checked against atk's own functions."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _gitignore as G
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

# The legacy (pre-0.4) layout: the old header and the secret rules in the middle, exemptions after them.
LEGACY = (
    u"# Ignore all plugin contents\n"
    u"plugins/*/*\n"
    u"\n"
    u"# Always ignore secrets\n"
    u"*.env\n"
    u".env.*\n"
    u"\n"
    u"# But keep custom directories\n"
    u"!plugins/*/custom/\n"
    u"!plugins/*/custom/**\n"
    u"\n"
    u"# Local development\n"
    u".DS_Store\n"
    u"!plugins/old-one/\n"
    u"!plugins/old-one/**\n"
)

# (initial content, [(op, directory), ...]) -- atk applies the same ops to a real file.
SCENARIOS = [
    (G.INITIAL_CONTENT, [("add", "a"), ("add", "b"), ("add", "a"), ("remove", "a"), ("remove", "b"), ("remove", "zzz")]),
    (G.INITIAL_CONTENT, [("add", "a"), ("add", "b"), ("add", "c"), ("remove", "b"), ("add", "d"), ("remove", "a"),
                         ("remove", "c"), ("remove", "d")]),
    (LEGACY, [("add", "new-one"), ("remove", "old-one"), ("add", "old-one"), ("remove", "new-one")]),
    (LEGACY, [("remove", "nothing-here"), ("remove", "old-one")]),
    (u"plugins/*/*", [("add", "x1")]),
    (u"", [("add", "x1"), ("remove", "x1")]),
    (u"\n\n\n", [("add", "x1")]),
    (G.INITIAL_CONTENT + u"!plugins/half/\n", [("add", "half"), ("remove", "half")]),
    (u"  *.env  \n\t.env.*\n# Always ignore secrets\nkeep-me\n\n\n", [("add", "p2")]),
    (u"!plugins/dup/\n!plugins/dup/**\n!plugins/dup/\n" + G.INITIAL_CONTENT, [("remove", "dup")]),
    (G.INITIAL_CONTENT.replace(u"\n", u"\n\n"), [("add", "zz"), ("remove", "zz")]),
]

ATK_APPLY = """
import tempfile
from pathlib import Path
from atk.git import add_gitignore_exemption, normalize_gitignore, remove_gitignore_exemption

def apply(content, ops):
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / ".gitignore").write_bytes(content.encode("utf-8"))
        states = []
        for op, directory in ops:
            if op == "add":
                add_gitignore_exemption(home, directory)
            elif op == "remove":
                remove_gitignore_exemption(home, directory)
            else:
                normalize_gitignore(home)
            states.append((home / ".gitignore").read_bytes().decode("utf-8"))
        return states
"""


def apply_ours(content, ops):
    states = []
    for op, directory in ops:
        if op == "add":
            content = G.add_exemption(content, directory)
        elif op == "remove":
            content = G.remove_exemption(content, directory)
        else:
            content = G.normalize(content)
        states.append(content)
    return states


@pytest.fixture(scope="module")
def oracle():
    if atk_peer.ATK_VENV is None:
        pytest.skip(atk_peer.NO_ATK_REASON)
    peer = atk_peer.Oracle(ATK_APPLY + "\ndef handle(batch):\n    return [apply(c, ops) for c, ops in batch]\n")
    yield peer
    peer.close()


# -- the initial file ------------------------------------------------------------------------

def test_initial_content_is_atk_inits_267_bytes():
    """docs/atk-compatibility.md §1.3."""
    data = G.INITIAL_CONTENT.encode("utf-8")
    assert len(data) == 267
    assert b"\xe2\x80\x94" in data
    assert data.endswith(b"# Always ignore secrets \xe2\x80\x94 keep LAST (gitignore is last-match-wins)\n*.env\n.env.*\n")
    assert data.startswith(b"# Ignore all plugin contents\nplugins/*/*\n\n# But keep custom directories\n")
    assert G.secrets_last(G.INITIAL_CONTENT)


@atk_peer.needs_atk
def test_initial_content_is_atks_byte_for_byte():
    theirs = atk_peer.atk_python("from atk.init import GITIGNORE_CONTENT\nRESULT = GITIGNORE_CONTENT")
    assert G.INITIAL_CONTENT.encode("utf-8") == theirs.encode("utf-8")
    assert hashlib.sha256(theirs.encode("utf-8")).hexdigest() == hashlib.sha256(G.INITIAL_CONTENT.encode("utf-8")).hexdigest()


@atk_peer.needs_atk
def test_constants_are_atks():
    theirs = atk_peer.atk_python("import atk.git as g\nRESULT = [g.GITIGNORE_SECRETS_HEADER, list(g.GITIGNORE_SECRET_PATTERNS), "
                                 "list(g._GITIGNORE_SECRET_HEADERS)]")
    assert theirs == [G.SECRETS_HEADER, list(G.SECRET_PATTERNS), list(G._SECRET_HEADERS)]  # pylint: disable=protected-access


# -- add / remove / normalise sequences, differential -----------------------------------------

@atk_peer.needs_atk
def test_scenarios_match_atk_step_by_step(oracle):
    theirs = oracle([[content, ops] for content, ops in SCENARIOS])
    for (content, ops), their_states in zip(SCENARIOS, theirs):
        assert apply_ours(content, ops) == their_states, (content, ops)


# Files with CR line ends: atk reads .gitignore with Path.read_text (universal newlines: CRLF and CR become LF).
CR_SCENARIOS = [
    (u"plugins/*/*\r\n*.env\r\n.env.*\r\n!plugins/cr/\r\n!plugins/cr/**\r\n", [("add", "cr")]),
    (u"plugins/*/*\r\n!plugins/cr/\r\n!plugins/cr/**\r\n", [("remove", "cr")]),
    (G.INITIAL_CONTENT.replace(u"\n", u"\r\n"), [("add", "p1")]),
    (u"!plugins/a/**\r", [("add", "a")]),
    # No match: atk leaves the file untouched, CRs included.
    (G.INITIAL_CONTENT.replace(u"\n", u"\r\n"), [("remove", "absent")]),
]


@atk_peer.needs_atk
def test_crlf_files_match_atk(oracle):
    theirs = oracle([[content, ops] for content, ops in CR_SCENARIOS])
    for (content, ops), their_states in zip(CR_SCENARIOS, theirs):
        assert apply_ours(content, ops) == their_states, (content, ops)


def test_removing_a_middle_exemption_leaves_two_blank_lines():
    content = G.INITIAL_CONTENT
    for directory in ("a", "b", "c"):
        content = G.add_exemption(content, directory)
    content = G.remove_exemption(content, "b")
    assert u"!plugins/a/**\n\n\n!plugins/c/\n" in content
    assert content.endswith(u"\n\n" + G.SECRETS_HEADER + u"\n*.env\n.env.*\n")


def test_removing_the_only_exemption_restores_the_initial_file():
    added = G.add_exemption(G.INITIAL_CONTENT, "demo-plugin-x")
    assert added == G.INITIAL_CONTENT.replace(
        u"\n\n" + G.SECRETS_HEADER, u"\n\n!plugins/demo-plugin-x/\n!plugins/demo-plugin-x/**\n\n" + G.SECRETS_HEADER)
    assert G.remove_exemption(added, "demo-plugin-x") == G.INITIAL_CONTENT


def test_legacy_file_gets_the_secret_block_last():
    assert not G.secrets_last(LEGACY)
    fixed = G.add_exemption(LEGACY, "new-one")
    assert G.secrets_last(fixed)
    assert u"# Always ignore secrets\n" not in fixed
    lines = fixed.split(u"\n")
    assert lines[-5:] == [u"", G.SECRETS_HEADER, u"*.env", u".env.*", u""]
    assert lines.count(u"*.env") == 1 and lines.count(u".env.*") == 1
    assert lines.index(u"!plugins/new-one/**") < lines.index(u"*.env")
    assert lines.index(u"!plugins/old-one/**") < lines.index(u"*.env")


def test_remove_of_an_absent_exemption_leaves_the_text_alone():
    assert G.remove_exemption(LEGACY, "not-there") is LEGACY
    assert G.remove_exemption(u"odd\n*.env\nno newline", "x") == u"odd\n*.env\nno newline"


def test_idempotence():
    once = G.add_exemption(G.INITIAL_CONTENT, "p1")
    assert G.add_exemption(once, "p1") == once
    assert G.normalize(once) == once
    assert G.normalize(G.normalize(LEGACY)) == G.normalize(LEGACY)
    assert G.has_exemption(once, "p1")
    assert not G.has_exemption(once, "p")
    assert not G.has_exemption(u"", "p1")
    assert G.exemption_lines("p1") == (u"!plugins/p1/", u"!plugins/p1/**")


def test_secret_rules_keep_a_local_plugins_env_ignored(tmp_path, monkeypatch):
    """Real git: with the exemption, plugin files are tracked but .env files stay ignored."""
    atk_peer.isolate_git(monkeypatch, tmp_path)
    repo = tmp_path / "home"
    (repo / "plugins" / "loc" / "sub").mkdir(parents=True)
    (repo / "plugins" / "reg").mkdir()
    atk_peer.git(repo, "init", "-q")
    (repo / ".gitignore").write_bytes(G.add_exemption(LEGACY, "loc").encode("utf-8"))
    paths = ["plugins/loc/plugin.yaml", "plugins/loc/.env", "plugins/loc/sub/x.env", "plugins/loc/.env.local",
             "plugins/reg/plugin.yaml", "plugins/reg/custom/overrides.yaml", "plugins/reg/custom/.env",
             "plugins/old-one/run.sh"]
    proc = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=str(repo), input="\n".join(paths) + "\n",
                          capture_output=True, text=True, check=False)
    ignored = set(proc.stdout.split())
    assert ignored == {"plugins/loc/.env", "plugins/loc/sub/x.env", "plugins/loc/.env.local", "plugins/reg/plugin.yaml",
                       "plugins/reg/custom/.env"}


# -- random line soups, differential ------------------------------------------------------

LINE_POOL = [u"", u" ", u"*.env", u".env.*", u"  *.env", u".env.*\t", G.SECRETS_HEADER, u"# Always ignore secrets",
             u"# Always ignore secrets ", u"plugins/*/*", u"!plugins/*/custom/", u"!plugins/a/", u"!plugins/a/**",
             u"!plugins/b/", u"!plugins/b/**", u" !plugins/a/", u"# note", u".DS_Store", u"x.env"]
DIRS = ["a", "b", "c"]
soups = st.builds(lambda lines, end: u"\n".join(lines) + end, st.lists(st.sampled_from(LINE_POOL), max_size=12),
                  st.sampled_from([u"", u"\n", u"\n\n"]))
op_lists = st.lists(st.tuples(st.sampled_from(["add", "remove", "normalize"]), st.sampled_from(DIRS)), min_size=1, max_size=6)


@atk_peer.needs_atk
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.tuples(soups, op_lists), min_size=1, max_size=20))
def test_random_sequences_match_atk(oracle, batch):
    theirs = oracle([[content, ops] for content, ops in batch])
    for (content, ops), their_states in zip(batch, theirs):
        assert apply_ours(content, ops) == their_states, (content, ops)
