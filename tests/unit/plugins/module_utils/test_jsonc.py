# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _jsonc: JSON/JSONC parsing against ``json``, and byte-preserving key-level edits.

Properties (hypothesis, random documents in random layouts: indentation, one-line objects,
comments before/after members, trailing commas):
* the parser gives what ``json.loads`` gives (after stripping comments/trailing commas);
* inserting a new member then deleting it gives the original bytes back;
* an edit changes the data exactly as intended and nothing else;
* a strict-JSON file stays strict JSON (atk reads opencode.jsonc with ``json.loads``).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _jsonc as J
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=8)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 6, 10 ** 6), st.text(max_size=12),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
                      max_leaves=12)


@st.composite
def layouts(draw, value, depth=0, strict=False):
    """``value`` rendered as JSONC text in a random layout."""
    indent = draw(st.sampled_from(["  ", "    ", "\t", ""]))
    comments = not strict and draw(st.booleans())
    trailing = not strict and draw(st.booleans())

    def comment():
        if not comments:
            return ""
        if not indent:  # one line: a // comment would swallow the rest
            return draw(st.sampled_from(["", " /* c */"]))
        return draw(st.sampled_from(["", " // note", " /* c */", " // with \"quote\" and , comma"]))

    def render(node, level):
        pad = indent * (level + 1) if indent else ""
        close_pad = indent * level if indent else ""
        sep = "\n" if indent else " "
        if isinstance(node, dict):
            if not node:
                return draw(st.sampled_from(["{}", "{ }", "{\n%s}" % close_pad]))
            parts = ["%s%s: %s" % (pad, json.dumps(k, ensure_ascii=draw(st.booleans())), render(v, level + 1)) for k, v in node.items()]
            body = ""
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                body += part + ("," if (not last or trailing) else "") + comment() + sep
            return "{" + sep + body + close_pad + "}"
        if isinstance(node, list):
            if not node:
                return "[]"
            parts = [pad + render(v, level + 1) for v in node]
            body = ""
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                body += part + ("," if (not last or trailing) else "") + comment() + sep
            return "[" + sep + body + close_pad + "]"
        return json.dumps(node)

    head = "// header comment\n" if comments and draw(st.booleans()) else ""
    return head + render(value, depth) + draw(st.sampled_from(["\n", "", "\n\n"]))


ROOTS = st.dictionaries(KEYS, VALUES, max_size=5)


@SETTINGS
@given(st.data())
def test_parse_equals_json(data):
    value = data.draw(ROOTS)
    text = data.draw(layouts(value))
    assert J.loads(text) == value


@SETTINGS
@given(st.data())
def test_strict_json_parses_like_json_loads(data):
    value = data.draw(VALUES)
    text = json.dumps(value, indent=data.draw(st.sampled_from([None, 2, 4])), ensure_ascii=data.draw(st.booleans()))
    assert J.loads(text) == json.loads(text)


@SETTINGS
@given(st.data())
def test_insert_then_delete_restores_bytes(data):
    value = data.draw(ROOTS)
    strict = data.draw(st.booleans())
    text = data.draw(layouts(value, strict=strict))
    key = data.draw(KEYS.filter(lambda k: k not in value))
    new = data.draw(VALUES)
    doc = J.Document(text)
    assert doc.set_member((key,), new) is True
    expected = dict(value)
    expected[key] = new
    assert J.loads(doc.text) == expected
    if strict:
        assert json.loads(doc.text) == expected
    assert doc.delete_member((key,)) is True
    if value:
        assert doc.text == text
    else:
        # an object left empty collapses to {} (the whitespace it had is not remembered)
        assert J.loads(doc.text) == {} and doc.text.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


@SETTINGS
@given(st.data())
def test_nested_insert_delete_and_replace(data):
    servers = data.draw(st.dictionaries(KEYS, st.dictionaries(KEYS, SCALARS, max_size=3), max_size=4))
    value = {"theme": "dark", "mcpServers": servers, "z": [1, 2]}
    strict = data.draw(st.booleans())
    text = data.draw(layouts(value, strict=strict))
    name = data.draw(KEYS.filter(lambda k: k not in servers))
    entry = {"command": "x", "args": ["a", "b"], "env": {"K": "v"}}
    doc = J.Document(text)
    doc.set_member(("mcpServers", name), entry)
    after = J.loads(doc.text)
    assert after["mcpServers"][name] == entry and after["theme"] == "dark" and after["z"] == [1, 2]
    assert dict((k, v) for k, v in after["mcpServers"].items() if k != name) == servers
    if strict:
        json.loads(doc.text)
    # replacing the value leaves every other byte: the text outside the value span is unchanged
    node = doc.node(("mcpServers", name))
    prefix, suffix = doc.text[:node.start], doc.text[node.end:]
    assert doc.set_member(("mcpServers", name), {"command": "y"}) is True
    node = doc.node(("mcpServers", name))
    assert doc.text[:node.start] == prefix and doc.text[node.end:] == suffix
    assert doc.set_member(("mcpServers", name), {"command": "y"}) is False
    doc.delete_member(("mcpServers", name))
    if servers:
        assert doc.text == text
    else:
        assert J.loads(doc.text) == value


@SETTINGS
@given(st.data())
def test_array_append_remove_round_trip(data):
    items = data.draw(st.lists(st.text(max_size=6), max_size=4, unique=True))
    value = {"instructions": items, "other": True}
    text = data.draw(layouts(value, strict=data.draw(st.booleans())))
    new = data.draw(st.text(max_size=6).filter(lambda s: s not in items))
    doc = J.Document(text)
    assert doc.append_item(("instructions",), new) is True
    assert J.loads(doc.text)["instructions"] == items + [new]
    assert doc.append_item(("instructions",), new) is False
    assert doc.remove_item(("instructions",), new) is True
    if items:
        assert doc.text == text
    else:
        assert J.loads(doc.text) == value


def test_new_file_is_what_atk_writes():
    doc = J.Document(None)
    doc.set_member(("mcp", "Demo Plugin"), {"type": "local", "command": ["x", "--y"], "environment": {}, "enabled": True})
    doc.set_member(("mcp", "other"), {"type": "remote", "url": "http://h/é", "enabled": True})
    doc.append_item(("instructions",), "/abs/SKILL.md")
    data = {"mcp": {"Demo Plugin": {"type": "local", "command": ["x", "--y"], "environment": {}, "enabled": True},
                    "other": {"type": "remote", "url": "http://h/é", "enabled": True}},
            "instructions": ["/abs/SKILL.md"]}
    assert doc.text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_comments_and_trailing_commas_are_kept():
    text = (
        "// top\n"
        "{\n"
        "  // theme\n"
        '  "theme": "dark", // trailing\n'
        '  "mcp": {\n'
        '    "other": {"type": "local", "command": ["z"]}, // keep\n'
        "  },\n"
        '  /* block */ "instructions": ["a.md",],\n'
        "}\n"
    )
    doc = J.Document(text)
    doc.set_member(("mcp", "new"), {"a": 1})
    doc.append_item(("instructions",), "b.md")
    assert doc.text == (
        "// top\n"
        "{\n"
        "  // theme\n"
        '  "theme": "dark", // trailing\n'
        '  "mcp": {\n'
        '    "other": {"type": "local", "command": ["z"]}, // keep\n'
        '    "new": {\n'
        '      "a": 1\n'
        "    },\n"
        "  },\n"
        '  /* block */ "instructions": ["a.md", "b.md",],\n'
        "}\n"
    )
    doc.delete_member(("mcp", "new"))
    doc.remove_item(("instructions",), "b.md")
    assert doc.text == text


def test_insert_after_a_line_comment_does_not_swallow_it():
    text = '{\n  "a": 1 // about a\n}\n'
    doc = J.Document(text)
    doc.set_member(("b",), 2)
    assert doc.text == '{\n  "a": 1, // about a\n  "b": 2\n}\n'
    doc.delete_member(("b",))
    assert doc.text == text


def test_tabs_and_missing_container():
    text = '{\n\t"x": 1\n}'
    doc = J.Document(text)
    doc.set_member(("servers", "s"), {"type": "stdio"})
    assert doc.text == '{\n\t"x": 1,\n\t"servers": {\n\t\t"s": {\n\t\t\t"type": "stdio"\n\t\t}\n\t}\n}'


def test_duplicate_keys_last_wins_and_all_deleted():
    doc = J.Document('{"a": 1, "a": 2, "b": 3}')
    assert doc.get(("a",)) == 2
    doc.delete_member(("a",))
    assert doc.text == '{"b": 3}'


def test_types_are_told_apart():
    doc = J.Document('{"a": 1}')
    assert doc.set_member(("a",), True) is True
    assert doc.text == '{"a": true}'
    assert doc.set_member(("a",), 1.0) is True
    assert doc.set_member(("a",), 1.0) is False


@pytest.mark.parametrize("text, where", [
    ('{"a": }', "line 1 column 7"),
    ('{\n  "a": 1\n  "b": 2\n}', "line 3 column 3"),
    ('{"a": 1} x', "line 1 column 10"),
    ('{"a": "unterminated}', "unterminated string"),
    ('{"a": 1 /* open', "unterminated /* comment"),
    ("[1, 2]", "top level"),
])
def test_errors_name_the_place(text, where):
    with pytest.raises(AtkError) as info:
        J.Document(text, where="settings.json")
    assert where in str(info.value)
    assert "settings.json" in str(info.value)


def test_non_object_container_is_refused():
    doc = J.Document('{"mcpServers": []}')
    with pytest.raises(AtkError):
        doc.set_member(("mcpServers", "x"), {})
    doc = J.Document('{"instructions": "x"}')
    with pytest.raises(AtkError):
        doc.append_item(("instructions",), "y")


def test_bom_is_kept():
    text = u'\ufeff{"a": 1}\n'
    doc = J.Document(text)
    doc.set_member(("b",), 2)
    assert doc.text == u'\ufeff{"a": 1, "b": 2}\n'


def test_last_child_sharing_the_closing_line_after_a_comment():
    text = '{"a": 1, // c\n  "k": 2 }'
    doc = J.Document(text)
    doc.delete_member(("k",))
    assert J.loads(doc.text) == {"a": 1}
    assert doc.text == '{"a": 1 // c\n }'


def test_big_claude_json_is_edited_quickly():
    import time
    data = {"projects": dict(("/p/%d" % i, {"history": [{"display": "x" * 200}] * 20, "allowedTools": []}) for i in range(400)),
            "mcpServers": {"a": {"command": "b"}}}
    text = json.dumps(data, indent=2)
    started = time.time()
    doc = J.Document(text)
    doc.set_member(("mcpServers", "new"), {"command": "x"})
    doc.delete_member(("mcpServers", "new"))
    assert doc.text == text
    assert time.time() - started < 10  # about 0.1 s; the pure-Python path took seconds
