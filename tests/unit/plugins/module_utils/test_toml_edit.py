# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _toml_edit: byte-preserving edits of Codex's ``[mcp_servers.<name>]`` tables.

On random surrounding documents, adding a server then removing it restores the bytes; updating
a server changes only its own lines (every other table's text is byte-identical and comments
inside the server's table stay); the result always parses with ``tomllib`` to the intended
data; unknown keys a user added to a server are kept.
"""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _toml
from ansible_collections.atk.core.plugins.module_utils import _toml_edit as T
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

tomllib = pytest.importorskip("tomllib")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANAGED = ("command", "args", "env", "env_vars", "url")
STRINGS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
SCALARS = st.one_of(STRINGS, st.booleans(), st.integers(-2 ** 63, 2 ** 63 - 1), st.floats(allow_nan=False))


# ---------------------------------------------------------------------------------------------
# The editor


@st.composite
def documents(draw):
    """A Codex-like config.toml with random other content, comments and servers (never 'target')."""
    parts = []
    if draw(st.booleans()):
        parts.append("# header comment\n")
    for key, value in draw(st.dictionaries(st.from_regex(r"\A[a-z_]{1,6}\Z"), SCALARS, max_size=3)).items():
        parts.append("%s = %s%s\n" % (key, _toml.dumps_value(value), draw(st.sampled_from(["", "  # note"]))))
    names = draw(st.lists(st.from_regex(r"\A[a-z][a-z0-9_-]{0,6}\Z").filter(lambda n: n != "target"), max_size=3, unique=True))
    for name in names:
        parts.append(draw(st.sampled_from(["", "\n"])))
        parts.append("[mcp_servers.%s]\n" % name)
        if draw(st.booleans()):
            parts.append("# about %s\n" % name)
        parts.append('command = "%s"\n' % name)
        if draw(st.booleans()):
            parts.append('args = [\n  "-y", # comment\n  "x",\n]\n')
        if draw(st.booleans()):
            parts.append('\n[mcp_servers.%s.env]\nK = "v"\n' % name)
    if draw(st.booleans()):
        parts.append('\n[projects."/home/u/x"]\ntrust_level = "trusted"\n')
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text


DESIRED = st.fixed_dictionaries({"command": STRINGS}, optional={
    "args": st.lists(STRINGS, max_size=3), "env": st.dictionaries(st.from_regex(r"\A[A-Z_]{1,6}\Z"), STRINGS, max_size=3),
    "env_vars": st.lists(st.from_regex(r"\A[A-Z_]{1,6}\Z"), max_size=2)})


@SETTINGS
@given(documents(), DESIRED)
def test_add_then_remove_restores_bytes(text, desired):
    before = tomllib.loads(text)
    editor = T.ServerEditor(text)
    assert editor.set("target", desired, MANAGED) is True
    after = tomllib.loads(editor.text)
    assert after["mcp_servers"]["target"] == desired
    before_servers = dict(before.get("mcp_servers", {}))
    assert dict((k, v) for k, v in after["mcp_servers"].items() if k != "target") == before_servers
    assert dict((k, v) for k, v in after.items() if k != "mcp_servers") == dict((k, v) for k, v in before.items() if k != "mcp_servers")
    assert editor.set("target", desired, MANAGED) is False
    assert editor.remove("target") is True
    expected = text if (not text or text.endswith("\n")) else text + "\n"
    assert editor.text == expected
    assert editor.remove("target") is False


@SETTINGS
@given(documents(), DESIRED, DESIRED)
def test_update_changes_only_the_server(text, first, second):
    editor = T.ServerEditor(text)
    editor.set("target", first, MANAGED)
    base = editor.text
    header = base.index("[mcp_servers.target]")
    editor.set("target", second, MANAGED)
    assert tomllib.loads(editor.text)["mcp_servers"]["target"] == second
    assert editor.text[:header] == base[:header]
    editor.remove("target")
    assert editor.text == (text if (not text or text.endswith("\n")) else text + "\n")


CODEX = textwrap.dedent('''\
    model = "o3"

    [mcp_servers.mine]
    # my comment stays
    command = "old"  # and this one
    args = ["a"]
    startup_timeout_sec = 20

    [mcp_servers.mine.env]
    A = "1" # a
    B = "2"

    [profiles.x]
    model = "y"
''')


def test_key_level_update_keeps_comments_and_unknown_keys():
    editor = T.ServerEditor(CODEX)
    assert editor.set("mine", {"command": "new", "args": ["a"], "env": {"A": "1", "C": "3"}, "env_vars": ["TOKEN"]}, MANAGED)
    assert editor.text == textwrap.dedent('''\
        model = "o3"

        [mcp_servers.mine]
        # my comment stays
        command = "new"  # and this one
        args = ["a"]
        startup_timeout_sec = 20
        env_vars = ["TOKEN"]

        [mcp_servers.mine.env]
        A = "1" # a
        C = "3"

        [profiles.x]
        model = "y"
    ''')
    assert tomllib.loads(editor.text)["mcp_servers"]["mine"]["startup_timeout_sec"] == 20
    # dropping env removes the whole sub-table
    assert editor.set("mine", {"command": "new", "args": ["a"]}, MANAGED)
    assert "[mcp_servers.mine.env]" not in editor.text and "[profiles.x]" in editor.text
    assert tomllib.loads(editor.text)["mcp_servers"]["mine"] == {"command": "new", "args": ["a"], "startup_timeout_sec": 20}


def test_inline_server_is_replaced_whole_keeping_unknown_keys():
    text = '[mcp_servers]\nmine = { command = "old", enabled = false }\nother = { command = "x" }\n'
    editor = T.ServerEditor(text)
    editor.set("mine", {"command": "new", "args": ["1"]}, MANAGED)
    assert editor.text == '[mcp_servers]\nmine = { command = "new", enabled = false, args = ["1"] }\nother = { command = "x" }\n'
    editor.remove("mine")
    assert editor.text == '[mcp_servers]\nother = { command = "x" }\n'


def test_new_table_after_an_mcp_servers_table_and_dotted_refusal():
    editor = T.ServerEditor('[mcp_servers]\nother = { command = "x" }\n')
    editor.set("new", {"command": "y"}, MANAGED)
    assert tomllib.loads(editor.text)["mcp_servers"] == {"other": {"command": "x"}, "new": {"command": "y"}}
    editor = T.ServerEditor('[mcp_servers]\nmine.command = "x"\n')
    with pytest.raises(AtkError):
        editor.set("mine", {"command": "y"}, MANAGED)
    assert editor.remove("mine") is True
    assert editor.text == "[mcp_servers]\n"
    with pytest.raises(AtkError):
        T.ServerEditor('mcp_servers = { a = { command = "x" } }\n').set("b", {"command": "y"}, MANAGED)


def test_dotted_keys_inside_the_table_are_rewritten():
    editor = T.ServerEditor('[mcp_servers.mine]\ncommand = "x"\nenv.A = "1"\nenv.B = "2"\n')
    editor.set("mine", {"command": "x", "env": {"A": "1"}}, MANAGED)
    assert tomllib.loads(editor.text)["mcp_servers"]["mine"] == {"command": "x", "env": {"A": "1"}}
    assert editor.text == '[mcp_servers.mine]\ncommand = "x"\nenv = { A = "1" }\n'


def test_server_names_must_be_bare_keys():
    with pytest.raises(AtkError):
        T.ServerEditor("").set("has space", {"command": "x"}, MANAGED)


def test_types_are_told_apart():
    editor = T.ServerEditor('[mcp_servers.s]\ncommand = "x"\nenabled = 1\n')
    assert editor.set("s", {"command": "x", "enabled": True}, ("command", "enabled")) is True
    assert editor.text == '[mcp_servers.s]\ncommand = "x"\nenabled = true\n'
