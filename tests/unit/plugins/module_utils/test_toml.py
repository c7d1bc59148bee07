# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _toml: the reader against Python's ``tomllib``, the value writer, TOML equality.

* Reader: a corpus of TOML 1.0 documents (every string kind and escape, numbers in every base,
  dates, arrays over lines with comments, inline tables, dotted keys, array tables) and
  hypothesis-generated documents must read exactly as ``tomllib`` reads them; invalid documents
  are refused.
* Writer: ``dumps_value`` of arbitrary strings/lists/tables reads back identical with ``tomllib``.
"""

from __future__ import annotations

import datetime
import math
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _toml as T
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

tomllib = pytest.importorskip("tomllib")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


def test_equal_tells_toml_types_apart():
    assert T.equal({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not T.equal(1, True) and not T.equal(1, 1.0) and not T.equal(0, False)
    assert not T.equal({"a": 1}, {"a": 1, "b": 2}) and not T.equal([1], [1, 1])
