# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _toml_edit: the reader against Python's ``tomllib`` and byte-preserving server edits.

* Reader: a corpus of TOML 1.0 documents (every string kind and escape, numbers in every base,
  dates, arrays over lines with comments, inline tables, dotted keys, array tables) and
  hypothesis-generated documents must read exactly as ``tomllib`` reads them; invalid documents
  are refused.
* Writer: ``dumps_value`` of arbitrary strings/lists/tables reads back identical with ``tomllib``.
* Editor: on random surrounding documents, adding a server then removing it restores the bytes;
  updating a server changes only its own lines (every other table's text is byte-identical and
  comments inside the server's table stay); the result always parses with ``tomllib`` to the
  intended data; unknown keys a user added to a server are kept.
"""

from __future__ import annotations

import datetime
import math
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _toml_edit as T
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

tomllib = pytest.importorskip("tomllib")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANAGED = ("command", "args", "env", "env_vars", "url")


def normalise(value):
    """tomllib's dates/times as text, for comparison with our DateTime strings."""
    if isinstance(value, dict):
        return dict((k, normalise(v)) for k, v in value.items())
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return "DT"
    if isinstance(value, T.DateTime):
        return "DT"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


CORPUS = [
    'a = 1\nb = "two"\nc = true\n',
    '# only a comment\n',
    '',
    'str1 = "I\'m a string. \\"You can quote me\\". Name\\tJos\\u00E9\\nLocation\\tSF. '
    '\\U0001F600 \\\\ \\b\\f\\r"\n',
    'lit = \'C:\\Users\\nodejs\\templates\'\nquoted = \'Tom "Dubs" Preston-Werner\'\n',
    'ml = """\nRoses are red\nViolets are blue"""\n',
    'ml2 = """\\\n       The quick brown \\\n\n\n       fox jumps over \\\n         the lazy dog."""\n',
    'ml3 = """Here are two quotation marks: "". Simple enough."""\nml4 = """Here are fifteen quotation marks: ""\\"""\\"""\\"""\\"""\\"."""\n',
    'ml5 = """""This," she said, "is just a pointless statement."""""\n',
    "lml = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n",
    "lml2 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n"
    "apos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\n",
    "lml3 = ''''That,' she said, 'is still pointless.''''\n",
    'int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17\nint5 = 1_000\nint6 = 5_349_221\nint7 = 53_49_221\nint8 = 1_2_3_4_5\n',
    'hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\noct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110\n',
    'flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\nflt7 = 6.626e-34\nflt8 = 224_617.445_991_228\n',
    'sf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan\n',
    'odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\nodt3 = 1979-05-27T00:32:00.999999-07:00\nodt4 = 1979-05-27 07:32:00Z\n'
    'ldt1 = 1979-05-27T07:32:00\nld1 = 1979-05-27\nlt1 = 07:32:00\nlt2 = 00:32:00.999999\n',
    'integers = [ 1, 2, 3 ]\ncolors = [ "red", "yellow", "green" ]\nnested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n'
    'nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]\nstring_array = [ "all", \'strings\', """are the same""", \'\'\'type\'\'\' ]\n'
    'numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\ncontributors = [\n  "Foo Bar <foo@example.com>",\n'
    '  { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }\n]\n',
    'integers2 = [\n  1, 2, 3\n]\nintegers3 = [\n  1,\n  2, # this is ok\n]\n',
    'name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\nsite."google.com" = true\n',
    'fruit.name = "banana"     # this is best practice\nfruit. color = "yellow"    # same as fruit.color\nfruit . flavor = "banana"   # same as fruit.flavor\n',
    '[table-1]\nkey1 = "some string"\nkey2 = 123\n\n[table-2]\nkey1 = "another string"\nkey2 = 456\n',
    '[dog."tater.man"]\ntype.name = "pug"\n',
    '[a.b.c]            # this is best practice\n[ d.e.f ]          # same as [d.e.f]\n'
    '[ g .  h  . i ]    # same as [g.h.i]\n[ j . "ʞ" . \'l\' ]  # same as [j."ʞ".\'l\']\n',
    '[x.y.z.w] # for this to work\n\n[x] # defining a super-table afterward is ok\n',
    'name = { first = "Tom", last = "Preston-Werner" }\npoint = { x = 1, y = 2 }\nanimal = { type.name = "pug" }\n',
    '[[products]]\nname = "Hammer"\nsku = 738594937\n\n[[products]]  # empty table within the array\n\n'
    '[[products]]\nname = "Nail"\nsku = 284758393\n\ncolor = "gray"\n',
    '[[fruits]]\nname = "apple"\n\n[fruits.physical]  # subtable\ncolor = "red"\nshape = "round"\n\n'
    '[[fruits.varieties]]  # nested array of tables\nname = "red delicious"\n\n'
    '[[fruits.varieties]]\nname = "granny smith"\n\n\n[[fruits]]\nname = "banana"\n\n[[fruits.varieties]]\nname = "plantain"\n',
    '"key" = 1\n\'quoted "value"\' = 2\n"" = 3\n1234 = "bare digits"\n"ʎǝʞ" = "value"\n',
    'crlf = "x"\r\n[t]\r\nk = 1\r\n',
    textwrap.dedent('''\
        model = "o3"
        approval_policy = "on-request"

        [projects."/home/u/src/thing"]
        trust_level = "trusted"

        [mcp_servers.docs]
        command = "npx"
        args = ["-y", "mcp-server"]
        env = { "API_KEY" = "value" }
        env_vars = ["API_KEY2"]
        startup_timeout_sec = 20
        enabled = false
        enabled_tools = ["search"]

        [mcp_servers.figma]
        url = "https://mcp.figma.com/mcp"
        bearer_token_env_var = "ENV_VAR"
        http_headers = { "H" = "v" }

        [mcp_servers.figma.env_http_headers]
        H = "ENV_VAR"
    '''),
]

INVALID = [
    'a = 1\na = 2\n',
    '[t]\n[t]\n',
    'a = "unterminated\n',
    'a = 01\n',
    'a = 1 b = 2\n',
    'a =\n',
    '[t\nk = 1\n',
    'a = [1 2]\n',
    'a = { b = 1 c = 2 }\n',
    'a = "bad \\q escape"\n',
    'a = \'x\nb\'\n',
    '= 1\n',
]


@pytest.mark.parametrize("text", CORPUS)
def test_reader_matches_tomllib(text):
    assert normalise(T.loads(text)) == normalise(tomllib.loads(text))


@pytest.mark.parametrize("text", INVALID)
def test_reader_refuses_invalid(text):
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(AtkError):
        T.loads(text)


STRINGS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
KEYS = st.one_of(st.from_regex(r"\A[A-Za-z0-9_-]{1,8}\Z"), STRINGS)
SCALARS = st.one_of(STRINGS, st.booleans(), st.integers(-2 ** 63, 2 ** 63 - 1), st.floats(allow_nan=False))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=10)


@SETTINGS
@given(VALUES)
def test_dumps_value_round_trips_with_tomllib(value):
    assert tomllib.loads("k = %s\n" % T.dumps_value(value))["k"] == value


@SETTINGS
@given(st.dictionaries(KEYS, VALUES, max_size=5))
def test_reader_matches_tomllib_on_generated_documents(data):
    text = "".join("%s = %s\n" % (T.quote_key(k), T.dumps_value(v)) for k, v in data.items())
    assert T.loads(text) == tomllib.loads(text) == data


# ---------------------------------------------------------------------------------------------
# The editor


@st.composite
def documents(draw):
    """A Codex-like config.toml with random other content, comments and servers (never 'target')."""
    parts = []
    if draw(st.booleans()):
        parts.append("# header comment\n")
    for key, value in draw(st.dictionaries(st.from_regex(r"\A[a-z_]{1,6}\Z"), SCALARS, max_size=3)).items():
        parts.append("%s = %s%s\n" % (key, T.dumps_value(value), draw(st.sampled_from(["", "  # note"]))))
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
