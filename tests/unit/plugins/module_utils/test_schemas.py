# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schemas/*.json, their generated copy _schemas.py, and _validate's verdicts and messages.

The lax-coercion tables below were checked value by value against atk 0.4.0's own pydantic
models (pydantic 2.14.3 / pydantic-core 2.50.4); tests/integration/test_schema_vs_atk.py keeps
checking them against the real atk when its virtualenv is there.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os

import pytest

from ansible_collections.atk.core.plugins.module_utils import _schemas
from ansible_collections.atk.core.plugins.module_utils import _validate
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

jsonschema = pytest.importorskip("jsonschema")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SCHEMA_FILES = {
    "PLUGIN_SCHEMA": "plugin.schema.json",
    "MANIFEST_SCHEMA": "manifest.schema.json",
    "REGISTRY_INDEX_SCHEMA": "registry-index.schema.json",
}
PLUGIN = _schemas.PLUGIN_SCHEMA
MANIFEST = _schemas.MANIFEST_SCHEMA
INDEX = _schemas.REGISTRY_INDEX_SCHEMA


def _load_json(name):
    with open(os.path.join(ROOT, "schemas", name), encoding="utf-8") as handle:
        return json.load(handle)


def _errors(data, schema=None):
    """The message of the AtkError (or None when valid); the plugin schema by default."""
    schema = PLUGIN if schema is None else schema
    try:
        _validate.validate(data, schema, "plugin 'p'")
    except AtkError as exc:
        return str(exc)
    return None


def _valid(data, schema=None):
    return _errors(data, schema) is None


def base_plugin(**changes):
    data = {"schema_version": "2026-01-23", "name": "Demo", "description": "A demo plugin"}
    data.update(changes)
    return data


# -- the generated module ---------------------------------------------------------------------

@pytest.mark.parametrize("attr, filename", sorted(SCHEMA_FILES.items()))
def test_generated_module_equals_json(attr, filename):
    assert getattr(_schemas, attr) == _load_json(filename)


def test_generated_module_is_up_to_date_text():
    spec = importlib.util.spec_from_file_location("gen_schemas", os.path.join(ROOT, "tools", "gen_schemas.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with open(os.path.join(ROOT, "plugins", "module_utils", "_schemas.py"), encoding="utf-8") as handle:
        assert handle.read() == gen.render(ROOT), "run python3 tools/gen_schemas.py"


@pytest.mark.parametrize("filename", sorted(SCHEMA_FILES.values()))
def test_schemas_are_valid_draft7(filename):
    schema = _load_json(filename)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_plugin_schema_forbids_extra_keys_at_every_level():
    def walk(node, where):
        if isinstance(node, dict):
            if "properties" in node and where.count("/then") == 0 and "/if" not in where:
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, "%s/%s" % (where, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, "%s/%d" % (where, index))
    walk(PLUGIN, "#")


def test_manifest_and_index_allow_unknown_keys_everywhere():
    for schema in (MANIFEST, INDEX):
        assert "additionalProperties" not in json.dumps(schema)


# -- plugin.yaml: valid shapes ---------------------------------------------------------------

def test_minimal_plugin_is_valid():
    assert _valid(base_plugin())


def test_full_plugin_is_valid():
    data = base_plugin(
        maturity="community",
        service={"type": "systemd", "compose_file": None, "unit_name": "x.service"},
        vendor={"name": "V", "url": None, "docs": "https://d"},
        ports=[{"port": 8080, "name": "http", "protocol": "tcp", "description": None}],
        env_vars=[{"name": "API_KEY", "required": True, "secret": True, "default": None, "description": "d"}],
        lifecycle={"install": "i", "uninstall": "u", "start": None, "stop": "s", "logs": "l", "status": "st",
                   "health_endpoint": "http://localhost:1/health"},
        mcp={"transport": "http", "endpoint": "http://localhost:1/mcp", "env": ["API_KEY"], "timeout": 60000,
             "command": None, "args": None},
    )
    assert _valid(data)


@pytest.mark.parametrize("section", ["service", "vendor", "lifecycle", "mcp"])
def test_optional_sections_may_be_null(section):
    assert _valid(base_plugin(**{section: None}))


@pytest.mark.parametrize("mcp", [
    {"transport": "stdio", "command": "npx"},
    {"transport": "stdio", "command": "", "args": [], "env": None, "timeout": None},
    {"transport": "sse", "endpoint": "http://x/sse"},
    {"transport": "http", "endpoint": "http://x/mcp", "env": [], "args": None, "command": None},
    {"transport": "stdio", "command": "c", "endpoint": None},
])
def test_mcp_transport_rules_accept(mcp):
    assert _valid(base_plugin(mcp=mcp))


@pytest.mark.parametrize("lifecycle", [
    {},
    {"install": None},
    {"uninstall": "u"},
    {"install": "i", "uninstall": "u"},
    {"install": "i", "uninstall": ""},
    {"install": "", "uninstall": "u"},
])
def test_lifecycle_pairing_accepts(lifecycle):
    assert _valid(base_plugin(lifecycle=lifecycle))


# -- lax coercion, as pydantic v2 does it -------------------------------------------------------

BOOL_OK = [True, False, 0, 1, 0.0, 1.0, -0.0, "true", "False", "TRUE", "tRuE", "yes", "NO", "on", "Off", "t", "F",
           "y", "N", "1", "0", b"yes"]
BOOL_BAD = [2, -1, 1.5, "", " true", "true ", "true\n", "1.0", "01", "+1", "None", "null", "ja", None, [], {}, "１"]


@pytest.mark.parametrize("value", BOOL_OK, ids=repr)
def test_lax_bool_accepts(value):
    assert _valid(base_plugin(env_vars=[{"name": "A", "required": value, "secret": value}]))


@pytest.mark.parametrize("value", BOOL_BAD, ids=repr)
def test_lax_bool_rejects(value):
    message = _errors(base_plugin(env_vars=[{"name": "A", "secret": value}]))
    assert message == "Invalid plugin 'p': 'env_vars.0.secret': expected boolean"


PORT_OK = [1, 80, 65535, 80.0, True, "80", " 80 ", "\t80\n", "+80", "080", "0080", "80.0", "80.00", "8_0", "0_80",
           "0__80", "6_5_5_3_5", "65535.0", "80\u00a0", "\u300080", b"80", "1_2.0"]
PORT_BAD = [0, -1, 65536, 80.5, False, float("inf"), float("nan"), 1e20, "0", "-80", "80.", ".5", "80.5", "8e1", "0x50",
            "_80", "80_", "8__0", "", " ", "abc", "٨٠", "８０", "\u200b80", "65536", "99999999999999999999", "1_2.0_0",
            "+-80", "80\x1c", None, [], {}, "1e3"]


@pytest.mark.parametrize("value", PORT_OK, ids=repr)
def test_port_accepts_what_pydantic_accepts(value):
    assert _valid(base_plugin(ports=[{"port": value}]))


@pytest.mark.parametrize("value", PORT_BAD, ids=repr)
def test_port_rejects_what_pydantic_rejects(value):
    message = _errors(base_plugin(ports=[{"port": value}]))
    assert message == "Invalid plugin 'p': 'ports.0.port': expected an integer from 1 to 65535"


TIMEOUT_OK = [None, 0, -5, 10 ** 30, True, False, 2.0 ** 62, -(2.0 ** 63 - 1024), "0", "-0", "-80", " -8_0.0 ", "00",
              "0.0", "0-5", "00_-5", "+0-5", "1" * 4300, "0" * 5000 + "1"]
TIMEOUT_BAD = [1.5, 2.0 ** 63, -(2.0 ** 63), 1e19, float("inf"), "1" * 4301, "-0-5", "--5", "+-5", "0-", "0_", "1.5",
               "1e3", "x", "", [], {}]


@pytest.mark.parametrize("value", TIMEOUT_OK, ids=lambda v: repr(v)[:20])
def test_timeout_accepts_what_pydantic_accepts(value):
    assert _valid(base_plugin(mcp={"transport": "stdio", "command": "c", "timeout": value}))


@pytest.mark.parametrize("value", TIMEOUT_BAD, ids=lambda v: repr(v)[:20])
def test_timeout_rejects_what_pydantic_rejects(value):
    message = _errors(base_plugin(mcp={"transport": "stdio", "command": "c", "timeout": value}))
    assert message == "Invalid plugin 'p': 'mcp.timeout': expected integer"


@pytest.mark.parametrize("value, expected", [
    (True, True), (0, False), (1.0, True), ("YES", True), ("off", False), ("T", True), ("n", False), (b"on", True),
])
def test_coerce_bool(value, expected):
    assert _validate.coerce_bool(value) is expected


@pytest.mark.parametrize("value, expected", [
    (None, None), (5, 5), (True, 1), (80.0, 80), ("  +0_8_0.00 ", 80), ("0-5", -5), ("00_-5", -5), ("-0_5", -5),
    ("0.0", 0), ("1_000", 1000), (b"42", 42), ("\u3000-12\xa0", -12),
])
def test_coerce_int(value, expected):
    assert _validate.coerce_int(value) == expected


@pytest.mark.parametrize("value", ["x", "2", 2, 1.5, None])
def test_coerce_bool_refuses(value):
    with pytest.raises(ValueError):
        _validate.coerce_bool(value)


@pytest.mark.parametrize("value", ["x", "1.5", 1.5, [], "1__2"])
def test_coerce_int_refuses(value):
    with pytest.raises(ValueError):
        _validate.coerce_int(value)


@pytest.mark.parametrize("value, ok", [
    ("x", True), ("", True), (b"bin", True), (b"\xff", False), (5, False), (5.5, False), (True, False), ([], False),
])
def test_strings_are_not_coerced_from_numbers(value, ok):
    assert _valid(base_plugin(name=value)) is ok


@pytest.mark.parametrize("version, ok", [
    ("2026-01-23", True), ("0000-00-00", True), ("٢٠٢٦-٠١-٢٣", True), ("2026-1-23", False), ("2026-01-23\n", False),
    ("\n2026-01-23", False), ("2026-01-233", False), ("x2026-01-23", False), ("2026/01/23", False),
])
def test_schema_version_pattern(version, ok):
    assert _valid(base_plugin(schema_version=version)) is ok


@pytest.mark.parametrize("name, ok", [
    ("A", True), ("_", True), ("API_KEY_2", True), ("FOO\n", True),  # atk uses re.match: $ matches before a final \n
    ("a", False), ("1A", False), ("FOO-BAR", False), ("", False), ("ÄB", False), ("FOO BAR", False), ("\nFOO", False),
])
def test_env_var_name_pattern(name, ok):
    assert _valid(base_plugin(env_vars=[{"name": name}])) is ok


def test_sets_and_tuples_read_as_lists():
    assert _valid(base_plugin(mcp={"transport": "stdio", "command": "c", "args": {"b", "a"}, "env": ("A",)}))
    assert _valid(base_plugin(ports=set()))


def test_bytes_are_not_accepted_for_transport():
    message = _errors(base_plugin(mcp={"transport": b"stdio", "command": "c"}))
    assert "'mcp.transport': must be one of 'stdio', 'sse', 'http'" in message
    assert _valid(base_plugin(maturity=b"verified"))


def test_validate_returns_a_normalised_copy():
    data = base_plugin(name=b"Demo", mcp={"transport": "stdio", "command": "c", "args": {"x"}})
    before = copy.deepcopy(data)
    result = _validate.validate(data, PLUGIN, "plugin 'p'")
    assert data == before
    assert result["name"] == "Demo" and result["mcp"]["args"] == ["x"]


# -- plugin.yaml: invalid documents, every offending path named -------------------------------

INVALID_PLUGINS = [
    ({"name": "x", "description": "d"}, ["'schema_version': field is required"]),
    ({"schema_version": "2026-01-23", "description": "d"}, ["'name': field is required"]),
    (base_plugin(description=None), ["'description': expected string"]),
    (base_plugin(name=5), ["'name': expected string"]),
    (base_plugin(schema_version=20260123), ["'schema_version': expected string"]),
    (base_plugin(schema_version="26-01-23"), ["'schema_version': must match ^\\d{4}-\\d{2}-\\d{2}$"]),
    (base_plugin(restart="x"), ["'restart': extra inputs are not permitted"]),
    (base_plugin(maturity="gold"), ["'maturity': must be one of 'ai-generated', 'community', 'verified'"]),
    (base_plugin(service={"type": "podman"}), ["'service.type': must be one of 'docker-compose', 'docker', 'systemd', 'script'"]),
    (base_plugin(service={"container_name": "x"}), ["'service.container_name': extra inputs are not permitted"]),
    (base_plugin(service=[]), ["'service': expected mapping"]),
    (base_plugin(vendor={"url": "u"}), ["'vendor.name': field is required"]),
    (base_plugin(ports=None), ["'ports': expected list"]),
    (base_plugin(ports=[{"name": "http"}]), ["'ports.0.port': field is required"]),
    (base_plugin(ports=[{"port": 80}, {"port": 70000}]), ["'ports.1.port': expected an integer from 1 to 65535"]),
    (base_plugin(ports=[{"port": 80, "protocol": None}]), ["'ports.0.protocol': expected string"]),
    (base_plugin(ports=[{"port": 80, "host": "x"}]), ["'ports.0.host': extra inputs are not permitted"]),
    (base_plugin(env_vars=[{"name": "OK"}, {"name": "lower"}]), ["'env_vars.1.name': must match ^[A-Z_][A-Z0-9_]*$"]),
    (base_plugin(env_vars=[{"required": True}]), ["'env_vars.0.name': field is required"]),
    (base_plugin(env_vars=[{"name": "A", "default": 5}]), ["'env_vars.0.default': expected string"]),
    (base_plugin(env_vars=[{"name": "A", "required": "maybe"}]), ["'env_vars.0.required': expected boolean"]),
    (base_plugin(env_vars={"name": "A"}), ["'env_vars': expected list"]),
    (base_plugin(env_vars=[None]), ["'env_vars.0': expected mapping"]),
    (base_plugin(lifecycle={"install": "i"}), ["'lifecycle.uninstall': 'uninstall' is required when 'install' is set"]),
    (base_plugin(lifecycle={"install": "i", "uninstall": None}),
     ["'lifecycle.uninstall': 'uninstall' is required when 'install' is set"]),
    (base_plugin(lifecycle={"restart": "r"}), ["'lifecycle.restart': extra inputs are not permitted"]),
    (base_plugin(lifecycle={"start": 5}), ["'lifecycle.start': expected string"]),
    (base_plugin(mcp={"command": "c"}), ["'mcp.transport': field is required"]),
    (base_plugin(mcp={"transport": "ws", "command": "c"}), ["'mcp.transport': must be one of 'stdio', 'sse', 'http'"]),
    (base_plugin(mcp={"transport": "stdio"}), ["'mcp.command': 'command' is required when transport is 'stdio'"]),
    (base_plugin(mcp={"transport": "stdio", "command": None}),
     ["'mcp.command': 'command' is required when transport is 'stdio'"]),
    (base_plugin(mcp={"transport": "stdio", "command": "c", "endpoint": "http://x"}),
     ["'mcp.endpoint': 'endpoint' must not be set when transport is 'stdio'"]),
    (base_plugin(mcp={"transport": "sse"}), ["'mcp.endpoint': 'endpoint' is required when transport is 'sse'"]),
    (base_plugin(mcp={"transport": "http", "endpoint": "u", "command": "c", "args": ["a"]}),
     ["'mcp.args': 'args' must not be set when transport is 'http'",
      "'mcp.command': 'command' must not be set when transport is 'http'"]),
    (base_plugin(mcp={"transport": "sse", "endpoint": "u", "args": []}),
     ["'mcp.args': 'args' must not be set when transport is 'sse'"]),
    (base_plugin(mcp={"transport": "stdio", "command": "c", "args": ["a", 1]}), ["'mcp.args.1': expected string"]),
    (base_plugin(mcp={"transport": "stdio", "command": "c", "env": "A"}), ["'mcp.env': expected list"]),
    (base_plugin(mcp={"transport": "stdio", "command": "c", "enabled": True}),
     ["'mcp.enabled': extra inputs are not permitted"]),
    (dict(list(base_plugin().items()) + [(1, "x")]), ["'1': keys should be strings"]),
    (base_plugin(vendor={"name": "v", None: "x"}), ["'vendor.None': keys should be strings"]),
]


@pytest.mark.parametrize("data, expected", INVALID_PLUGINS, ids=[str(i) for i in range(len(INVALID_PLUGINS))])
def test_invalid_plugin_names_the_field(data, expected):
    assert _errors(data) == "Invalid plugin 'p': " + "; ".join(expected)


def test_at_least_twenty_invalid_cases():
    assert len(INVALID_PLUGINS) >= 20


def test_every_error_is_reported_sorted_by_path():
    data = {
        "schema_version": "bad", "name": None, "extra": 1, "maturity": "x",
        "ports": [{"port": 0}, {"port": 80}, {"port": 80, "x": 1}],
        "env_vars": [{"name": "a"}] * 11,
        "lifecycle": {"install": "i"},
        "mcp": {"transport": "stdio", "endpoint": "e", "timeout": "soon"},
    }
    with pytest.raises(AtkError) as info:
        _validate.validate(data, PLUGIN, "plugin '/h/plugins/x/plugin.yaml'")
    locs = [e["loc"] for e in info.value.details["errors"]]
    assert locs[:3] == ["description", "env_vars.0.name", "env_vars.1.name"]
    assert locs.index("env_vars.2.name") < locs.index("env_vars.10.name")  # numeric, not text, order
    assert set(locs) == {"description", "extra", "lifecycle.uninstall", "maturity", "mcp.command", "mcp.endpoint",
                         "mcp.timeout", "name", "ports.0.port", "ports.2.x", "schema_version"} | \
        {"env_vars.%d.name" % i for i in range(11)}
    message = str(info.value)
    assert message.startswith("Invalid plugin '/h/plugins/x/plugin.yaml': 'description': field is required; ")
    assert "'mcp.timeout': expected integer" in message


def test_top_level_must_be_a_mapping():
    assert _errors(["a"]) == "Invalid plugin 'p': top level: expected mapping"
    assert _errors(None) == "Invalid plugin 'p': top level: expected mapping"


def test_cyclic_data_is_refused_cleanly():
    data = base_plugin()
    data["vendor"] = {"name": "v"}
    data["vendor"]["self"] = data["vendor"]
    with pytest.raises(AtkError):
        _validate.validate(data, PLUGIN, "plugin 'p'")


def test_missing_jsonschema_is_reported(monkeypatch):
    monkeypatch.setattr(_validate, "HAS_JSONSCHEMA", False)
    with pytest.raises(AtkError) as info:
        _validate.validate({}, PLUGIN, "plugin 'p'")
    assert "jsonschema" in str(info.value)


# -- manifest.yaml ------------------------------------------------------------------------------

def manifest(*entries, **top):
    data = {"schema_version": "2026-02-06", "config": {"auto_commit": True, "auto_push": False}, "plugins": list(entries)}
    data.update(top)
    return data


def entry(directory="demo", **changes):
    data = {"name": "Demo", "directory": directory, "source": {"type": "local", "ref": None, "url": None}}
    data.update(changes)
    return data


def _manifest_errors(data):
    try:
        _validate.validate(data, MANIFEST, "manifest 'm'")
    except AtkError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("directory", ["x", "a--b", "a-", "A1", "ab_c", "1ab", "", "-ab", "ab ", "a b", "é1", 5])
def test_manifest_bad_directory_names(directory):
    assert _manifest_errors(manifest(entry(directory))) is not None


@pytest.mark.parametrize("directory", ["ab", "a1", "a-b", "piper", "demo-plugin-x", "a9single", "ab\n", "a\n"])
def test_manifest_good_directory_names(directory):
    # "ab\n" and "a\n": atk's re.match lets $ match before a final newline, and so does jsonschema's re.search
    assert _manifest_errors(manifest(entry(directory))) is None


def test_manifest_directory_messages_are_atks():
    assert _manifest_errors(manifest(entry("x"))) == \
        "Invalid manifest 'm': 'plugins.0.directory': directory must be at least 2 characters"
    assert _manifest_errors(manifest(entry("a--b"))) == (
        "Invalid manifest 'm': 'plugins.0.directory': directory must be lowercase, start with a letter, "
        "end with alphanumeric, and contain only letters, numbers, and single hyphens")


def test_manifest_plugins_null_is_invalid():
    assert _manifest_errors(manifest(plugins=None)) == "Invalid manifest 'm': 'plugins': expected list"


def test_manifest_minimal_and_defaults():
    assert _manifest_errors({"schema_version": "x"}) is None
    assert _manifest_errors({"schema_version": "x", "plugins": [{"name": "n", "directory": "ab"}]}) is None
    assert _manifest_errors({}) == "Invalid manifest 'm': 'schema_version': field is required"
    assert _manifest_errors(None) == "Invalid manifest 'm': top level: expected mapping"


def test_manifest_unknown_keys_are_accepted_everywhere():
    data = manifest(entry(extra=1, source={"type": "git", "ref": "a" * 40, "url": "x", "branch": "main"}),
                    comment="kept?", config={"auto_commit": "yes", "colour": "blue"})
    data[1] = "non-string keys are ignored too"
    assert _manifest_errors(data) is None


@pytest.mark.parametrize("ref", [12345, 1.5e5, True, ["a"]])
def test_manifest_non_string_ref_is_invalid(ref):
    assert _manifest_errors(manifest(entry(source={"type": "registry", "ref": ref}))) == \
        "Invalid manifest 'm': 'plugins.0.source.ref': expected string"


@pytest.mark.parametrize("config, ok", [
    ({}, True), ({"auto_commit": "yes", "auto_push": "off"}, True), ({"auto_commit": 1, "auto_push": 0.0}, True),
    ({"auto_commit": 2}, False), ({"auto_push": "maybe"}, False), ({"auto_push": None}, False), (None, False), ([], False),
])
def test_manifest_config(config, ok):
    assert (_manifest_errors(manifest(config=config)) is None) is ok


@pytest.mark.parametrize("source, ok", [
    ({}, True), ({"type": "registry"}, True), ({"type": "git", "url": "example.org/x"}, True),
    ({"type": "svn"}, False), (None, False), ({"url": 5}, False), ("local", False),
])
def test_manifest_source(source, ok):
    assert (_manifest_errors(manifest(entry(source=source))) is None) is ok


def test_manifest_entry_requires_name_and_directory():
    assert _manifest_errors(manifest({"directory": "ab"})) == "Invalid manifest 'm': 'plugins.0.name': field is required"
    assert _manifest_errors(manifest({"name": 5, "directory": "ab"})) == "Invalid manifest 'm': 'plugins.0.name': expected string"


# -- registry index.yaml ------------------------------------------------------------------------

@pytest.mark.parametrize("data, ok", [
    ({}, True),
    ({"schema_version": "2026-01-23", "plugins": []}, True),
    ({"plugins": [{"name": "a", "path": "plugins/a", "description": "d", "extra": 1}], "other": 2}, True),
    ({"plugins": None}, False),
    ({"plugins": [{"name": "a", "path": "plugins/a"}]}, False),
    ({"plugins": [{"name": "a", "path": "plugins/a", "description": 5}]}, False),
    ({"schema_version": 5}, False),
    ([], False),
])
def test_registry_index(data, ok):
    assert (_errors(data, INDEX) is None) is ok
