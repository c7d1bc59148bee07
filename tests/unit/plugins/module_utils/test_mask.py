# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_mask: the one rule for what is secret and how it is hidden."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils import _toml

SPEC = {"name": "demo", "env_vars": [
    {"name": "API_KEY", "secret": True},
    {"name": "URL", "secret": False},
    {"name": "FLAG", "secret": "yes"},
    {"name": "PLAIN"},
]}


def test_what_is_secret():
    values = {"API_KEY": "k", "URL": "http://x", "FLAG": "f", "PLAIN": "p", "UNDECLARED": "u", "EMPTY": ""}
    assert _mask.secret_names(SPEC, list(values)) == ["API_KEY", "FLAG", "UNDECLARED", "EMPTY"]
    assert sorted(_mask.secret_values(SPEC, values)) == ["f", "k", "u"]
    # Without a spec nothing is known, so everything is secret.
    assert sorted(_mask.secret_values(None, {"A": "1", "B": "2"})) == ["1", "2"]


def test_every_form_is_masked():
    value = 'a"b\\c\u00e9'
    text = json.dumps({"x": value}) + json.dumps({"x": value}, ensure_ascii=False) + _toml.dumps_value(value) + value
    masked = _mask.mask(text, [value])
    assert masked.count(_mask.MASK) == 4
    assert "b" not in masked.replace('"x"', "")


def test_any_length_and_longest_first():
    assert _mask.mask("pin 7 and 77", ["7"]) == "pin ******** and ****************"
    assert _mask.mask("admin123 admin", ["admin", "admin123"]) == "******** ********"
    assert _mask.mask("", ["x"]) == ""
    assert _mask.mask("nothing", ["", None]) == "nothing"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=12), st.text(max_size=30), st.text(max_size=30))
def test_no_value_survives(value, before, after):
    for form in (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        # Between the masks (split on them: a separator character could be the value itself, e.g. "\0").
        pieces = _mask.mask(before + form + after, [value]).split(_mask.MASK)
        assert all(value not in piece for piece in pieces) or value in _mask.MASK
