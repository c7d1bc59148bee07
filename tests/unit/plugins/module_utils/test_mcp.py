# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _mcp: atk 0.4.0's MCP config resolution (``atk mcp <p> --json``) and its masked view.

The expected values follow atk's ``generate_mcp_config`` (atk/mcp.py). When the real atk 0.4.0
is installed (see ``atk_peer``), random specs are also resolved by atk's own function and
compared; otherwise that test is skipped.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _mcp as M
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

PLUGIN_DIR = "/srv/atk/plugins/demo"


def spec(mcp, env_vars=(), name="Demo Plugin"):
    return {"schema_version": "2026-01-23", "name": name, "description": "d", "env_vars": list(env_vars), "mcp": mcp}


def var(name, required=False, default=None, secret=False):
    data = {"name": name, "required": required, "secret": secret}
    if default is not None:
        data["default"] = default
    return data


def revealed(data, env_values=None, plugin_dir=PLUGIN_DIR):
    return M.resolve(data, plugin_dir, env_values or {})["revealed"]


@pytest.fixture(autouse=True)
def _real_dir(monkeypatch):
    monkeypatch.setattr(M, "real_plugin_dir", lambda path: path)


def test_no_mcp_section():
    assert M.resolve({"name": "x", "description": "d", "schema_version": "2026-01-23"}, PLUGIN_DIR, {}) is None


def test_identifier_is_display_name_and_plugin_dir_substituted():
    data = spec({"transport": "stdio", "command": "$ATK_PLUGIN_DIR/bin/run", "args": ["${ATK_PLUGIN_DIR}/mcp.sh", "x$ATK_PLUGIN_DIR"]})
    assert revealed(data) == {"Demo Plugin": {"command": PLUGIN_DIR + "/bin/run",
                                              "args": [PLUGIN_DIR + "/mcp.sh", "x" + PLUGIN_DIR]}}


def test_env_value_from_env_file_then_default_and_empty_counts_as_unset():
    data = spec({"transport": "stdio", "command": "c", "env": ["A", "B", "C", "D"]},
                [var("A", default="da"), var("B", default="db"), var("C", required=True), var("D")])
    result = M.resolve(data, PLUGIN_DIR, {"A": "from-env", "B": "", "D": ""})
    assert result["revealed"] == {"Demo Plugin": {"command": "c", "env": {"A": "from-env", "B": "db", "C": "<NOT_SET>"}}}
    assert result["missing"] == ["C"]
    assert result["optional_unset"] == ["D"]
    assert result["sources"] == {"A": ".env", "B": "default", "C": None, "D": None}


def test_undeclared_mcp_env_counts_as_required():
    data = spec({"transport": "stdio", "command": "c", "env": ["GHOST"]})
    assert revealed(data) == {"Demo Plugin": {"command": "c", "env": {"GHOST": "<NOT_SET>"}}}


def test_process_environment_is_ignored(monkeypatch):
    monkeypatch.setenv("A", "from-process")
    data = spec({"transport": "stdio", "command": "c", "env": ["A"]}, [var("A")])
    assert revealed(data) == {"Demo Plugin": {"command": "c"}}


def test_env_substitution_in_args_and_endpoint_only_not_command():
    data = spec({"transport": "stdio", "command": "$TOKEN", "args": ["--t=${TOKEN}", "$TOKENX", "$UNSET"], "env": ["TOKEN", "UNSET"]},
                [var("TOKEN"), var("UNSET", required=True)])
    assert revealed(data, {"TOKEN": "abc"}) == {"Demo Plugin": {
        "command": "$TOKEN", "args": ["--t=abc", "abcX", "$UNSET"], "env": {"TOKEN": "abc", "UNSET": "<NOT_SET>"}}}


def test_plugin_dir_not_substituted_in_env_values():
    data = spec({"transport": "stdio", "command": "c", "env": ["OUT"]}, [var("OUT", default="$ATK_PLUGIN_DIR/output")])
    assert revealed(data) == {"Demo Plugin": {"command": "c", "env": {"OUT": "$ATK_PLUGIN_DIR/output"}}}


def test_substitution_is_sequential_in_mcp_env_order():
    data = spec({"transport": "stdio", "command": "c", "args": ["$A"], "env": ["A", "B"]}, [var("A"), var("B")])
    assert revealed(data, {"A": "$B!", "B": "bee"})["Demo Plugin"]["args"] == ["bee!"]
    data = spec({"transport": "stdio", "command": "c", "args": ["$A"], "env": ["B", "A"]}, [var("A"), var("B")])
    assert revealed(data, {"A": "$B!", "B": "bee"})["Demo Plugin"]["args"] == ["$B!"]


@pytest.mark.parametrize("transport", ["sse", "http"])
def test_remote_transports(transport):
    data = spec({"transport": transport, "endpoint": "http://localhost:${PORT}/$ATK_PLUGIN_DIR", "env": ["PORT"], "timeout": 30000},
                [var("PORT", default="8080")])
    assert revealed(data) == {"Demo Plugin": {"type": transport, "url": "http://localhost:8080/" + PLUGIN_DIR,
                                              "env": {"PORT": "8080"}, "timeout": 30000}}


def test_empty_args_and_zero_timeout_are_left_out():
    data = spec({"transport": "stdio", "command": "c", "args": [], "timeout": 0})
    assert revealed(data) == {"Demo Plugin": {"command": "c"}}


def test_duplicate_env_name_keeps_first_position():
    data = spec({"transport": "stdio", "command": "c", "env": ["A", "B", "A"]}, [var("A"), var("B")])
    assert list(revealed(data, {"A": "1", "B": "2"})["Demo Plugin"]["env"]) == ["A", "B"]


def test_masked_view_hides_secrets_everywhere_but_keeps_not_set_and_plain_values():
    data = spec({"transport": "stdio", "command": "npx", "args": ["--key", "${KEY}", "$URL/mcp", "$MISSING"], "env": ["KEY", "URL", "MISSING"]},
                [var("KEY", secret=True), var("URL", default="http://localhost:1"), var("MISSING", required=True)])
    result = M.resolve(data, PLUGIN_DIR, {"KEY": "s3cr3t-value"})
    # URL is declared and not secret: it stays readable (the one masking rule, _mask.secret_names).
    assert result["masked"] == {"Demo Plugin": {"command": "npx", "args": ["--key", "********", "http://localhost:1/mcp", "$MISSING"],
                                                "env": {"KEY": "********", "URL": "http://localhost:1", "MISSING": "<NOT_SET>"}}}
    assert "s3cr3t-value" not in json.dumps(result["masked"])
    assert "s3cr3t-value" in json.dumps(result["revealed"])
    assert result["values"] == ["s3cr3t-value", "http://localhost:1"]


def test_masked_remote_url():
    data = spec({"transport": "sse", "endpoint": "https://h/sse?token=$TOKEN", "env": ["TOKEN"]}, [var("TOKEN", secret=True)])
    result = M.resolve(data, PLUGIN_DIR, {"TOKEN": "abcdef"})
    assert result["masked"] == {"Demo Plugin": {"type": "sse", "url": "https://h/sse?token=********", "env": {"TOKEN": "********"}}}


def test_real_plugin_dir_resolves_symlinks(tmp_path, monkeypatch):
    monkeypatch.undo()
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert M.real_plugin_dir(str(link)) == str(real)


# -- differential test against atk's own generate_mcp_config -----------------------------

_ATK_SCRIPT = r"""
from pathlib import Path
from atk.mcp import generate_mcp_config
from atk.plugin_schema import PluginSchema
RESULT = []
for case in PAYLOAD:
    plugin_dir = Path(case["dir"])
    (plugin_dir / ".env").write_text(case["env_text"])
    schema = PluginSchema.model_validate(case["spec"])
    RESULT.append(generate_mcp_config(schema, plugin_dir, schema.name).to_mcp_dict())
"""

NAMES = st.sampled_from(["A", "AB", "TOKEN", "URL", "ATK_PLUGIN_DIR"])
TEXT = st.text(alphabet="abc$/{}:-_ATKOUPLGINDR", max_size=12)


@st.composite
def cases(draw):
    names = draw(st.lists(NAMES, max_size=4))
    declared = draw(st.lists(st.sampled_from(["A", "AB", "TOKEN", "URL"]), unique=True, max_size=4))
    env_vars = [{"name": n, "required": draw(st.booleans()),
                 "default": draw(st.one_of(st.none(), st.just(""), TEXT))} for n in declared]
    values = draw(st.dictionaries(st.sampled_from(["A", "AB", "TOKEN", "URL"]),
                                  st.one_of(st.just(""), st.text(alphabet="xyz$/AB{}", min_size=1, max_size=8)), max_size=4))
    transport = draw(st.sampled_from(["stdio", "sse", "http"]))
    mcp = {"transport": transport, "env": names or None, "timeout": draw(st.one_of(st.none(), st.integers(0, 5)))}
    pieces = st.lists(st.one_of(TEXT, st.sampled_from(["$A", "${A}", "$AB", "${TOKEN}", "$URL", "$ATK_PLUGIN_DIR", "${ATK_PLUGIN_DIR}"])),
                      max_size=4).map("".join)
    if transport == "stdio":
        mcp["command"] = draw(pieces) or "c"
        mcp["args"] = draw(st.one_of(st.none(), st.lists(pieces, max_size=3)))
    else:
        mcp["endpoint"] = draw(pieces) or "http://x"
    env_vars = [dict((k, v) for k, v in e.items() if v is not None) for e in env_vars]
    return {"spec": {"schema_version": "2026-01-23", "name": "P n", "description": "d", "env_vars": env_vars,
                     "mcp": dict((k, v) for k, v in mcp.items() if v is not None)},
            "values": values}


@atk_peer.needs_atk
@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(cases(), min_size=150, max_size=150))
def test_matches_atk_generate_mcp_config(tmp_path_factory, batch):
    root = tmp_path_factory.mktemp("mcp")
    payload = []
    for index, case in enumerate(batch):
        plugin_dir = root / ("p%d" % index)
        plugin_dir.mkdir()
        text, dummy, dummy2, dummy3 = _envfile.set_values("", case["values"]) if case["values"] else ("", [], [], [])
        payload.append({"dir": str(plugin_dir), "spec": case["spec"], "env_text": text})
    expected = atk_peer.atk_python(_ATK_SCRIPT, payload)
    for case, item, want in zip(batch, payload, expected):
        values = _dotenv.values(item["env_text"], environ={})
        got = M.resolve(case["spec"], item["dir"], values)["revealed"]
        assert got == want, (case, item["env_text"])
