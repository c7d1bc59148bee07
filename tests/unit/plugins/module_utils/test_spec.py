# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_spec: plugin file discovery, safe YAML loading, the overrides deep merge, validation, helpers."""

from __future__ import annotations

import glob
import math
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

pytest.importorskip("yaml")
pytest.importorskip("jsonschema")

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

BASE = """\
schema_version: "2026-01-23"
name: Demo Plugin
description: A demo
env_vars:
  - name: API_KEY
    required: true
    secret: true
  - name: LEVEL
    default: info
lifecycle:
  install: ./install.sh
  uninstall: ./uninstall.sh
  start: ./start.sh
mcp:
  transport: stdio
  command: bash
  args: ["$ATK_PLUGIN_DIR/mcp.sh"]
  env: [API_KEY]
"""


def fixture_registry():
    """``$ATK_FIXTURE_REGISTRY``, else the snapshot vendored in ``tests/fixtures/atk-registry`` (see its NOTICE.md)."""
    return os.environ.get("ATK_FIXTURE_REGISTRY") or os.path.join(COLLECTION_ROOT, "tests", "fixtures", "atk-registry")


REGISTRY = fixture_registry()
REGISTRY_PLUGINS = sorted(glob.glob(os.path.join(REGISTRY, "plugins", "*")))


def make_plugin(tmp_path, text=BASE, overrides=None, filename="plugin.yaml"):
    plugin_dir = tmp_path / "plugin"
    plugin_dir.mkdir(exist_ok=True)
    (plugin_dir / filename).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    if overrides is not None:
        (plugin_dir / "custom").mkdir(exist_ok=True)
        (plugin_dir / "custom" / "overrides.yaml").write_bytes(overrides.encode("utf-8") if isinstance(overrides, str) else overrides)
    return str(plugin_dir)


def error_of(func, *args, **kwargs):
    with pytest.raises(AtkError) as info:
        func(*args, **kwargs)
    return str(info.value)


# -- the real registry --------------------------------------------------------------------------

def test_fixture_registry_has_plugins():
    assert len(REGISTRY_PLUGINS) >= 20


@pytest.mark.parametrize("plugin_dir", REGISTRY_PLUGINS, ids=os.path.basename)
def test_every_registry_plugin_validates(plugin_dir):
    spec = _spec.load_plugin(plugin_dir)
    assert spec["maturity"] == "verified"
    assert spec["schema_version"] == "2026-01-23"


def test_registry_index_validates():
    from ansible_collections.atk.core.plugins.module_utils import _validate
    from ansible_collections.atk.core.plugins.module_utils._schemas import REGISTRY_INDEX_SCHEMA
    index = _spec.load_yaml_file(os.path.join(REGISTRY, "index.yaml"))
    _validate.validate(index, REGISTRY_INDEX_SCHEMA, "registry index")
    assert [p["name"] for p in index["plugins"]] == [os.path.basename(d) for d in REGISTRY_PLUGINS]


# -- finding the file ---------------------------------------------------------------------------

def test_plugin_yaml_is_preferred(tmp_path):
    plugin_dir = make_plugin(tmp_path)
    make_plugin(tmp_path, BASE.replace("Demo Plugin", "From yml"), filename="plugin.yml")
    assert _spec.find_plugin_file(plugin_dir) == os.path.join(plugin_dir, "plugin.yaml")
    assert _spec.load_plugin(plugin_dir)["name"] == "Demo Plugin"


def test_plugin_yml_is_the_fallback(tmp_path):
    plugin_dir = make_plugin(tmp_path, filename="plugin.yml")
    assert _spec.find_plugin_file(plugin_dir) == os.path.join(plugin_dir, "plugin.yml")
    assert _spec.load_plugin(plugin_dir)["name"] == "Demo Plugin"


def test_neither_file_is_atks_error(tmp_path):
    assert error_of(_spec.find_plugin_file, str(tmp_path)) == \
        "Directory '%s' does not contain plugin.yaml or plugin.yml" % tmp_path


def test_missing_dir_is_atks_error(tmp_path):
    missing = str(tmp_path / "nope")
    assert error_of(_spec.load_plugin, missing) == "Source path '%s' does not exist" % missing


def test_a_file_path_is_the_plugin_file_itself(tmp_path):
    plugin_dir = make_plugin(tmp_path, overrides="name: Overridden\n")
    path = os.path.join(plugin_dir, "plugin.yaml")
    assert _spec.find_plugin_file(path) == path
    assert _spec.load_plugin(path)["name"] == "Demo Plugin"  # no overrides for a single file, like atk


# -- reading YAML safely ------------------------------------------------------------------------

def test_empty_file_is_atks_error(tmp_path):
    plugin_dir = make_plugin(tmp_path, "# only a comment\n")
    path = os.path.join(plugin_dir, "plugin.yaml")
    assert error_of(_spec.load_plugin, plugin_dir) == "Invalid YAML in '%s': empty file" % path
    make_plugin(tmp_path, "")
    assert error_of(_spec.load_plugin_file, path) == "Invalid YAML in '%s': empty file" % path


def test_yaml_syntax_error_is_atks_error(tmp_path):
    plugin_dir = make_plugin(tmp_path, "name: [unclosed\n")
    message = error_of(_spec.load_plugin, plugin_dir)
    assert message.startswith("Invalid YAML in '%s': " % os.path.join(plugin_dir, "plugin.yaml"))
    assert "line 2" in message


def test_several_documents_are_a_yaml_error(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE + "---\nname: x\n")
    assert "expected a single document" in error_of(_spec.load_plugin, plugin_dir)


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "a list"), ("just text\n", "a string"), ("42\n", "a number"),
                                        ("true\n", "a boolean"), ("!!set {a}\n", "a set")])
def test_top_level_must_be_a_mapping(tmp_path, text, kind):
    plugin_dir = make_plugin(tmp_path, text)
    assert error_of(_spec.load_plugin, plugin_dir) == \
        "Invalid plugin '%s': top level: expected mapping, got %s" % (os.path.join(plugin_dir, "plugin.yaml"), kind)


def test_non_utf8_is_a_clear_error(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE.encode("utf-8").replace(b"A demo", b"caf\xe9"))
    message = error_of(_spec.load_plugin, plugin_dir)
    assert "not UTF-8 text (byte 0xe9 at offset" in message


def test_bom_and_crlf_are_read_like_atk(tmp_path):
    plugin_dir = make_plugin(tmp_path, b"\xef\xbb\xbf" + BASE.replace("\n", "\r\n").encode("utf-8"))
    spec = _spec.load_plugin(plugin_dir)
    assert spec["name"] == "Demo Plugin"
    assert _spec.read_text(os.path.join(plugin_dir, "plugin.yaml")).count("\r") == 0


def test_big_files_are_refused(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE + "# " + "x" * (1024 * 1024) + "\n")
    assert "larger than 1048576 bytes" in error_of(_spec.load_plugin, plugin_dir)


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    text = BASE + "#" * (_spec.MAX_FILE_SIZE - len(BASE) - 1) + "\n"
    assert len(text.encode("utf-8")) == _spec.MAX_FILE_SIZE
    assert _spec.load_plugin(make_plugin(tmp_path, text))["name"] == "Demo Plugin"


def test_billion_laughs_is_refused(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join(["*a%d" % (level - 1)] * 9)
        lines.append("a%d: &a%d [%s]" % (level, level, refs))
    plugin_dir = make_plugin(tmp_path, "\n".join(lines) + "\n")
    assert "once aliases are expanded" in error_of(_spec.load_plugin, plugin_dir)


def test_billion_laughs_through_merge_keys_is_refused(tmp_path):
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for level in range(1, 40):
        lines.append("m%d: &m%d {<<: [*m%d, *m%d], k%d: 1}" % (level, level, level - 1, level - 1, level))
    assert "once aliases are expanded" in error_of(_spec.load_plugin, make_plugin(tmp_path, "\n".join(lines) + "\n"))


def test_modest_aliases_are_fine(tmp_path):
    text = BASE + "vendor: &v {name: V}\nservice: {type: script}\n"
    text = text.replace("description: A demo", "description: &d A demo\n")
    assert _spec.load_plugin(make_plugin(tmp_path, text))["vendor"] == {"name": "V"}


def test_recursive_alias_is_refused(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE + "vendor: &v {name: V, self: *v}\n")
    assert "recursive alias" in error_of(_spec.load_plugin, plugin_dir)


def test_deep_nesting_is_refused(tmp_path):
    assert "nested more than 100 levels" in error_of(_spec.load_plugin, make_plugin(tmp_path, BASE + "x: " + "[" * 150 + "]" * 150 + "\n"))
    assert "nested too deeply" in error_of(_spec.load_plugin, make_plugin(tmp_path, BASE + "x: " + "[" * 5000 + "]" * 5000 + "\n"))


@pytest.mark.parametrize("text", ["a: !!int x\n", "a: !!float x\n", "a: !!timestamp 2026-99-99\n"])
def test_a_tagged_value_that_cannot_be_converted_is_invalid_yaml(text):
    with pytest.raises(AtkError) as info:
        _spec.parse_yaml(text, "plugin.yaml")
    assert "Invalid YAML in 'plugin.yaml': a tagged value cannot be converted" in info.value.msg


def test_parse_yaml_returns_none_for_empty():
    assert _spec.parse_yaml("", "x") is None
    assert _spec.parse_yaml("~\n", "x") is None


# -- deep_merge: atk's _deep_merge ----------------------------------------------------------------

@pytest.mark.parametrize("base, override, expected", [
    ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
    ({"a": 1}, {"a": 2}, {"a": 2}),
    ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
    ({"a": {"x": 1, "y": 2}}, {"a": {"y": 3, "z": 4}}, {"a": {"x": 1, "y": 3, "z": 4}}),
    ({"a": {"x": {"deep": 1, "keep": 2}}}, {"a": {"x": {"deep": 9}}}, {"a": {"x": {"deep": 9, "keep": 2}}}),
    ({"a": {"x": 1}}, {"a": None}, {"a": None}),
    ({"a": {"x": 1}}, {"a": [1]}, {"a": [1]}),
    ({"a": [1]}, {"a": {"x": 1}}, {"a": {"x": 1}}),
    ({"a": 1}, {"a": {"x": 1}}, {"a": {"x": 1}}),
    ({"a": {"x": 1}}, {"a": {}}, {"a": {"x": 1}}),
    ({}, {}, {}),
])
def test_deep_merge(base, override, expected):
    assert _spec.deep_merge(base, override) == expected


def test_deep_merge_keeps_key_order_and_inputs():
    base = {"a": {"x": 1}, "b": 2}
    override = {"c": 3, "a": {"y": 2}}
    merged = _spec.deep_merge(base, override)
    assert list(merged) == ["a", "b", "c"] and list(merged["a"]) == ["x", "y"]
    assert base == {"a": {"x": 1}, "b": 2} and override == {"c": 3, "a": {"y": 2}}


# -- overrides.yaml applied by load_plugin --------------------------------------------------------

def test_overrides_replace_lists_wholesale(tmp_path):
    spec = _spec.load_plugin(make_plugin(tmp_path, overrides="env_vars:\n  - name: ONLY_ONE\n"))
    assert [v["name"] for v in spec["env_vars"]] == ["ONLY_ONE"]


def test_overrides_merge_nested_dicts(tmp_path):
    spec = _spec.load_plugin(make_plugin(tmp_path, overrides="mcp:\n  command: /usr/bin/bash\nlifecycle:\n  start: ./mine.sh\n"))
    assert spec["mcp"] == {"transport": "stdio", "command": "/usr/bin/bash", "args": ["$ATK_PLUGIN_DIR/mcp.sh"], "env": ["API_KEY"]}
    assert spec["lifecycle"] == {"install": "./install.sh", "uninstall": "./uninstall.sh", "start": "./mine.sh"}


def test_overrides_null_replaces(tmp_path):
    spec = _spec.load_plugin(make_plugin(tmp_path, overrides="mcp: null\nlifecycle:\n  start: null\n"))
    assert spec["mcp"] is None
    assert spec["lifecycle"]["start"] is None


@pytest.mark.parametrize("overrides", ["", "# nothing\n", "- a\n- b\n", "just text\n", "42\n", "null\n"])
def test_non_mapping_overrides_are_ignored(tmp_path, overrides):
    assert _spec.load_plugin(make_plugin(tmp_path, overrides=overrides)) == _spec.load_plugin(make_plugin(tmp_path))


def test_overrides_with_an_unknown_key_make_the_plugin_invalid(tmp_path):
    plugin_dir = make_plugin(tmp_path, overrides="mcp:\n  enabled: false\n")
    assert error_of(_spec.load_plugin, plugin_dir) == \
        "Invalid plugin '%s': 'mcp.enabled': extra inputs are not permitted" % os.path.join(plugin_dir, "plugin.yaml")


def test_overrides_can_break_the_install_uninstall_pairing(tmp_path):
    plugin_dir = make_plugin(tmp_path, overrides="lifecycle:\n  uninstall: null\n")
    assert "'lifecycle.uninstall': 'uninstall' is required when 'install' is set" in error_of(_spec.load_plugin, plugin_dir)


def test_overrides_can_repair_a_plugin(tmp_path):
    broken = BASE.replace("  uninstall: ./uninstall.sh\n", "")
    assert "'lifecycle.uninstall'" in error_of(_spec.load_plugin, make_plugin(tmp_path, broken))
    spec = _spec.load_plugin(make_plugin(tmp_path, broken, overrides="lifecycle:\n  uninstall: ./bye.sh\n"))
    assert spec["lifecycle"]["uninstall"] == "./bye.sh"


def test_overrides_yaml_error_names_the_overrides_file(tmp_path):
    plugin_dir = make_plugin(tmp_path, overrides="mcp: [\n")
    assert error_of(_spec.load_plugin, plugin_dir).startswith(
        "Invalid YAML in '%s': " % os.path.join(plugin_dir, "custom", "overrides.yaml"))


def test_overrides_can_be_skipped(tmp_path):
    plugin_dir = make_plugin(tmp_path, overrides="name: Mine\n")
    assert _spec.load_plugin(plugin_dir)["name"] == "Mine"
    assert _spec.load_plugin(plugin_dir, overrides=False)["name"] == "Demo Plugin"


def test_validation_error_names_the_plugin_file(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE.replace("name: API_KEY", "name: api-key"))
    assert error_of(_spec.load_plugin, plugin_dir) == \
        "Invalid plugin '%s': 'env_vars.0.name': must match ^[A-Z_][A-Z0-9_]*$" % os.path.join(plugin_dir, "plugin.yaml")


def test_errors_carry_the_paths_in_details(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE + "ports:\n  - port: 0\n  - {port: 80, proto: tcp}\n")
    with pytest.raises(AtkError) as info:
        _spec.load_plugin(plugin_dir)
    assert info.value.details["errors"] == [
        {"loc": "ports.0.port", "msg": "expected an integer from 1 to 65535"},
        {"loc": "ports.1.proto", "msg": "extra inputs are not permitted"},
    ]


# -- what comes back ----------------------------------------------------------------------------

def test_lax_values_come_back_coerced_without_defaults(tmp_path):
    text = BASE.replace("required: true", "required: 'yes'").replace("secret: true", "secret: 'off'") + \
        "ports:\n  - port: '8080'\n  - port: 9090.0\n"
    text = text.replace("  env: [API_KEY]", "  env: [API_KEY]\n  timeout: ' 1_000 '")
    spec = _spec.load_plugin(make_plugin(tmp_path, text))
    assert spec["env_vars"][0] == {"name": "API_KEY", "required": True, "secret": False}
    assert spec["env_vars"][1] == {"name": "LEVEL", "default": "info"}
    assert spec["ports"] == [{"port": 8080}, {"port": 9090}]
    assert spec["mcp"]["timeout"] == 1000
    assert "maturity" not in spec


def test_yaml_only_types_come_back_as_pydantic_sees_them(tmp_path):
    text = BASE.replace("name: Demo Plugin", "name: !!binary RGVtbyBQbHVnaW4=").replace(
        'args: ["$ATK_PLUGIN_DIR/mcp.sh"]', "args: !!set {only}")
    spec = _spec.load_plugin(make_plugin(tmp_path, text))
    assert spec["name"] == "Demo Plugin" and spec["mcp"]["args"] == ["only"]


def test_unquoted_date_schema_version_is_invalid(tmp_path):
    plugin_dir = make_plugin(tmp_path, BASE.replace('"2026-01-23"', "2026-01-23"))
    assert "'schema_version': expected string" in error_of(_spec.load_plugin, plugin_dir)


def test_helpers_apply_atks_defaults(tmp_path):
    spec = _spec.load_plugin(make_plugin(tmp_path, BASE + "ports:\n  - port: 80\n"))
    assert _spec.env_vars(spec) == [
        {"name": "API_KEY", "required": True, "secret": True, "default": None, "description": None},
        {"name": "LEVEL", "required": False, "secret": False, "default": "info", "description": None},
    ]
    assert _spec.ports(spec) == [{"port": 80, "name": None, "protocol": "http", "description": None}]
    assert _spec.lifecycle(spec, "install") == "./install.sh"
    assert _spec.lifecycle(spec, "status") is None
    assert _spec.mcp(spec) == {"transport": "stdio", "command": "bash", "args": ["$ATK_PLUGIN_DIR/mcp.sh"],
                               "endpoint": None, "env": ["API_KEY"], "timeout": None}
    assert _spec.maturity(spec) == "ai-generated"
    with pytest.raises(KeyError):
        _spec.lifecycle(spec, "restart")


def test_helpers_on_a_bare_plugin():
    spec = _spec.validate_plugin({"schema_version": "2026-01-23", "name": "n", "description": "d", "lifecycle": None}, "w")
    assert _spec.env_vars(spec) == [] and _spec.ports(spec) == [] and _spec.mcp(spec) is None
    assert _spec.lifecycle(spec, "start") is None


def test_validate_plugin_does_not_modify_its_input():
    data = {"schema_version": "2026-01-23", "name": "n", "description": "d", "env_vars": [{"name": "A", "secret": "yes"}]}
    spec = _spec.validate_plugin(data, "w")
    assert data["env_vars"][0]["secret"] == "yes" and spec["env_vars"][0]["secret"] is True


# -- hostile files (found by tests/integration/robustness, hostile-input suite) ---------------------

def test_a_fifo_is_refused_not_opened(tmp_path):
    fifo = tmp_path / "plugin.yaml"
    os.mkfifo(str(fifo))
    with pytest.raises(AtkError, match="not a regular file"):
        _spec.read_text(str(fifo))  # opening it would block forever


def test_plugin_files_leading_out_of_the_folder_are_refused_unread(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("token: one\n  bad: [SECRET-LINE\n")
    plugin = tmp_path / "plugin"
    (plugin / "custom").mkdir(parents=True)
    os.symlink(str(outside), str(plugin / "plugin.yaml"))
    with pytest.raises(AtkError) as info:
        _spec.load_plugin(str(plugin))
    assert "outside the plugin folder" in str(info.value) and "SECRET-LINE" not in str(info.value)
    os.unlink(str(plugin / "plugin.yaml"))
    (plugin / "plugin.yaml").write_text("schema_version: '2026-01-23'\nname: p\ndescription: d\n")
    os.symlink(str(outside), str(plugin / "custom" / "overrides.yaml"))
    with pytest.raises(AtkError) as info:
        _spec.load_plugin(str(plugin))
    assert "overrides.yaml" in str(info.value) and "SECRET-LINE" not in str(info.value)
    os.unlink(str(plugin / "custom" / "overrides.yaml"))
    os.symlink("../plugin.yaml", str(plugin / "custom" / "overrides.yaml"))  # inside the folder: fine
    assert _spec.load_plugin(str(plugin))["name"] == "p"


def test_parse_yaml_reports_characters_the_reader_refuses():
    with pytest.raises(AtkError, match="Invalid YAML in 'index.yaml'"):
        _spec.parse_yaml("a: caf\udce9\n", "index.yaml")  # bytes that were not UTF-8, surrogate-escaped


# -- parse_yaml: libyaml where it reads the text as the pure-Python parser does ------------------

CLOADER = getattr(yaml, "CSafeLoader", None)
needs_libyaml = pytest.mark.skipif(CLOADER is None, reason="PyYAML built without libyaml: parse_yaml has one path")


def same(left, right):
    """Equal with the same types and the same key order all the way down (True is not 1, 1 is not 1.0)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return left == right


def outcome(text, loader_class=None):
    """("ok", value) or ("error", message) of parse_yaml, or of one of its two paths."""
    try:
        if loader_class is None:
            return "ok", _spec.parse_yaml(text, "f")
        return "ok", _spec._parse_yaml(text, "f", loader_class)  # pylint: disable=protected-access
    except AtkError as exc:
        return "error", str(exc)


def python_outcome(text):
    return outcome(text, yaml.SafeLoader)


def assert_agree(text):
    """Where parse_yaml lets libyaml decide, libyaml's value is the pure-Python parser's."""
    if CLOADER is None or not _spec._fast_path(text):  # pylint: disable=protected-access
        return
    try:
        fast = _spec._parse_yaml(text, "f", CLOADER)  # pylint: disable=protected-access
    except Exception:  # pylint: disable=broad-except  # parse_yaml then asks the Python parser
        return
    slow = python_outcome(text)
    assert slow[0] == "ok" and same(fast, slow[1]), (text, fast, slow)


@needs_libyaml
def test_plain_text_takes_libyaml_and_gives_what_the_python_parser_gives(monkeypatch):
    text = ('schema_version: "2026-02-06"\nconfig: {auto_commit: yes}\nplugins:\n- name: a\n  n: 0x1F\n'
            '  d: 2001-12-14\n  f: 1.5\n  z: ~\n  url: https://example.com/a.git#main\n  s: |-\n    x\n')
    used = []
    real = _spec._parse_yaml  # pylint: disable=protected-access
    monkeypatch.setattr(_spec, "_parse_yaml", lambda t, w, loader: used.append(loader) or real(t, w, loader))
    result = _spec.parse_yaml(text, "m")
    assert used == [CLOADER]
    assert same(result, python_outcome(text)[1])


@needs_libyaml
@pytest.mark.parametrize("text", [
    "a:\tb\n", "\ufeffa: b\n", "a: b\r\n", "a: \u00e9\n",
    # where libyaml and PyYAML disagree on printable ASCII
    " !\n", "a: !\n", "[a, !,b c]\n", "[-?]\n", "{a: b?}\n", "|#\n", "a: >-#\n  x\n", "- |2#\n   x\n"])
def test_text_libyaml_reads_otherwise_goes_to_the_python_parser(text, monkeypatch):
    used = []
    real = _spec._parse_yaml  # pylint: disable=protected-access
    monkeypatch.setattr(_spec, "_parse_yaml", lambda t, w, loader: used.append(loader) or real(t, w, loader))
    expected = python_outcome(text)
    del used[:]
    got = outcome(text)
    assert used == [yaml.SafeLoader]
    assert got[0] == expected[0] and (same(got[1], expected[1]) if got[0] == "ok" else got[1] == expected[1])


@pytest.mark.parametrize("text", [" !\n", "[-?]\n", "{a: b?}\n", "|#\n", "a: >-#\n  x\n", "a: [b\n", "a: b: c\n"])
def test_parse_yaml_gives_the_python_parsers_value_or_error(text):
    """The texts where the two parsers disagree: parse_yaml's answer is always the Python parser's."""
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        with pytest.raises(AtkError) as info:
            _spec.parse_yaml(text, "f")
        assert str(exc) in str(info.value)
    else:
        assert same(_spec.parse_yaml(text, "f"), expected)


# Pieces of YAML syntax the generated texts are made of: indicators, scalars the resolver types,
# block scalar headers, flow collections, directives, anchors and aliases.
_PIECES = ["\n", "\n", "\n  ", "\n- ", " ", "  ", ": ", "- ", ":", "-", "[", "]", "{", "}", ", ", ",", "'", '"',
           "#", " #", "|", ">", "|-", ">+", "|2", ">1-", "&a ", "*a", "<<: ", "---\n", "...\n", "--- ", "%YAML 1.1\n---\n",
           "%YAML 1.2\n---\n", "%FOO bar\n---\n", "yes", "No", "null", "~", "0x1F", "0o17", "0b1", "1_0", "+1", "-.5",
           "1e3", ".inf", ".NaN", "1:20", "2001-12-14", "2001-12-14 21:59:43.10 -5", "a", "b", "1", "\\", '"\\x41"',
           "=", "`", "@", "%", "a:b", ":a", "-a", "?", "? ", "!", "!!str ", "!!int "]
_PRINTABLE = [chr(code) for code in range(0x20, 0x7f)]


@needs_libyaml
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.sampled_from(_PRINTABLE)), max_size=25))
def test_libyaml_agrees_with_the_python_parser_on_the_text_it_takes(pieces):
    assert_agree("".join(pieces))


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.text(st.sampled_from(_PRINTABLE + ["\n"]), max_size=12), st.sampled_from(_PIECES))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_SCALARS, inner, max_size=4)), max_leaves=12)


@needs_libyaml
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VALUES, st.sampled_from([None, True, False]), st.sampled_from([None, '"', "'", "|", ">"]),
       st.sampled_from([2, 4]), st.sampled_from([10, 80]),
       st.lists(st.tuples(st.integers(0, 10 ** 4), st.integers(0, 2), st.sampled_from(_PIECES + _PRINTABLE)), max_size=3))
def test_libyaml_agrees_on_dumped_documents_and_their_edits(value, flow, style, indent, width, edits):
    text = yaml.safe_dump(value, default_flow_style=flow, default_style=style, indent=indent, width=width)
    assert_agree(text)
    for position, cut, piece in edits:
        position %= len(text) + 1
        text = text[:position] + piece + text[position + cut:]
        assert_agree(text)


@needs_libyaml
def test_libyaml_agrees_on_every_yaml_file_of_the_fixture_registry():
    paths = sorted(glob.glob(os.path.join(REGISTRY, "**", "*.y*ml"), recursive=True))
    assert len(paths) > 20
    for path in paths:
        assert_agree(_spec.read_text(path))
        assert_agree(_spec.read_text(path).encode("ascii", "replace").decode("ascii").replace("\t", " "))
