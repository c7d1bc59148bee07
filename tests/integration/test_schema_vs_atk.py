# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Differential test: our schemas + loader against the REAL atk 0.4.0 pydantic models.

Every case is a YAML document (plugin.yaml, optionally with custom/overrides.yaml, a manifest.yaml
or a registry index.yaml), valid or not, with the lax bool/int coercions pydantic applies. atk's
verdict comes from its own code in its own virtualenv (``<repo>/.venv-atk/bin/python``, else
``$ATK_PYTHON``): ``atk.plugin.load_plugin_schema(dir)``, ``ManifestSchema.model_validate`` and
``RegistryIndexSchema.model_validate`` after ``yaml.safe_load``. Ours: ``_spec.load_plugin(dir)``
and ``_validate.validate``. The verdicts must be equal, and every field path atk names must be
named by us too (we may be more precise: atk reports the transport rules at ``mcp``, we at
``mcp.command``).

Deliberately absent: documents where we differ on purpose (alias bombs, files over 1 MiB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from harness.paths import collections_root  # tests/integration/conftest.py puts harness on sys.path

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    from ansible_collections.atk.core.plugins.module_utils import _spec, _validate
except ImportError:  # plain pytest: import the code under test from the `make collection` layout
    sys.path.insert(0, str(collections_root(sync=True)))
    from ansible_collections.atk.core.plugins.module_utils import _spec, _validate
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.atk.core.plugins.module_utils._schemas import MANIFEST_SCHEMA, REGISTRY_INDEX_SCHEMA  # noqa: E402  pylint: disable=wrong-import-position


def _atk_python():
    for candidate in (os.path.join(REPO_ROOT, ".venv-atk", "bin", "python"), os.environ.get("ATK_PYTHON")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


ATK_PYTHON = _atk_python()
pytestmark = pytest.mark.skipif(ATK_PYTHON is None, reason="atk 0.4.0 not found: run `make venv` (.venv-atk/) or set ATK_PYTHON")

# Runs inside atk's virtualenv. Input: {"plugins": [dir, ...], "manifests": [text, ...], "indexes": [text, ...]}.
# Output: the same shape, each item {"ok": bool, "error": str, "locs": [dotted loc, ...]}.
ATK_RUNNER = r'''
import json, sys
from pathlib import Path
import yaml
from pydantic import ValidationError
from atk.plugin import load_plugin_schema
from atk.manifest_schema import ManifestSchema
from atk.registry_schema import RegistryIndexSchema

def verdict(call):
    try:
        call()
        return {"ok": True, "error": "", "locs": []}
    except Exception as exc:  # atk crashes count as a rejection too
        cause = exc if isinstance(exc, ValidationError) else exc.__cause__
        locs = []
        if isinstance(cause, ValidationError):
            locs = [".".join(str(p) for p in e["loc"]) for e in cause.errors()]
        return {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc), "locs": locs}

from atk.plugin_schema import EnvVarConfig, McpPluginConfig, PortConfig

SCALAR_MODELS = {
    "port": lambda v: PortConfig.model_validate({"port": v}),
    "timeout": lambda v: McpPluginConfig.model_validate({"transport": "stdio", "command": "c", "timeout": v}),
    "bool": lambda v: EnvVarConfig.model_validate({"name": "A", "required": v}),
}

request = json.load(sys.stdin)
out = {"plugins": [verdict(lambda d=d: load_plugin_schema(Path(d))) for d in request["plugins"]]}
out["scalars"] = [verdict(lambda k=k, v=v: SCALAR_MODELS[k](v))["ok"] for k, v in request["scalars"]]
for key, model in (("manifests", ManifestSchema), ("indexes", RegistryIndexSchema)):
    out[key] = [verdict(lambda t=t, m=model: m.model_validate(yaml.safe_load(t))) for t in request[key]]
json.dump(out, sys.stdout)
'''

BASE = 'schema_version: "2026-01-23"\nname: Demo\ndescription: d\n'


def plugin(extra):
    return BASE + extra


def _plugin_cases():
    cases = []

    def add(name, text, overrides=None):
        cases.append(("plugin:%d:%s" % (len(cases), name), text, overrides))

    add("minimal", BASE)
    add("empty mapping", "{}\n")
    for field in ("schema_version", "name", "description"):
        add("missing " + field, "\n".join(line for line in BASE.splitlines() if not line.startswith(field)) + "\n")
    for value in ("'2026-01-23'", "2026-01-23", "'2026-1-23'", '"2026-01-23\\n"', "'\u0662\u0660\u0662\u0666-\u0660\u0661-\u0662\u0663'",
                  "'\uff12\uff10\uff12\uff16-\uff10\uff11-\uff12\uff13'", "'0000-00-00'", "20260123", "'2026-01-23 '", "null",
                  '"\\n2026-01-23"', "!!binary MjAyNi0wMS0yMw=="):
        add("schema_version=" + value, BASE.replace('"2026-01-23"', value))
    for value in ("x", "''", "5", "5.5", "true", "null", "[]", "{}", "!!binary eA==", "!!binary /w==", "2020-01-01",
                  "!!str 5", "'5'", "0x10", "1_0", "2020-01-01 10:00:00"):
        add("name=" + value, BASE.replace("name: Demo", "name: " + value))
    for value in ("verified", "community", "ai-generated", "VERIFIED", "gold", "null", "5", "!!binary dmVyaWZpZWQ=", "''"):
        add("maturity=" + value, plugin("maturity: %s\n" % value))
    for value in ("null", "{}", "{type: script}", "{type: docker}", "{type: podman}", "{type: null}", "{extra: 1}", "[]", "x",
                  "{compose_file: 5}", "{unit_name: u, type: systemd}", "{type: Docker}"):
        add("service=" + value, plugin("service: %s\n" % value))
    for value in ("null", "{}", "{name: v}", "{name: null}", "{name: v, url: 5}", "{name: v, docs: d, x: 1}", "[]", "{name: 5}"):
        add("vendor=" + value, plugin("vendor: %s\n" % value))
    for value in ("80", "0", "1", "65535", "65536", "-1", "80.0", "80.5", "1.0e+2", "1e2", "'80'", "' 80 '", "'+80'", "'080'",
                  "'8_0'", "'0_80'", "'0__80'", "'80.0'", "'80.'", "'.5'", "'80.5'", "'8e1'", "0x50", "'0x50'", "0120",
                  "1_000", "true", "false", "null", "''", "'abc'", "'0-80'", "'00-80'", "'65535.000'", "'65536'",
                  "'6_5_5_3_5'", '"\\u00a080"', '"\\u200b80"', '"\\uff18\\uff10"', "!!binary ODA=", "[80]", "{port: 80}",
                  ".inf", ".nan", "2020-01-01", "1:20", "+80", '"80\\t"', '"\\x1c80"', "'1_2.0'", "'1_2.0_0'", "'-0'",
                  "'+-80'", "'08_0.00'"):
        add("port=" + value, plugin("ports:\n  - port: %s\n" % value))
    for value in ("null", "[]", "{}", "[null]", "[{}]", "[{port: 80, extra: 1}]", "[{port: 80, protocol: null}]",
                  "[{port: 80, name: 5}]", "!!set {}", "[{port: 80}, {port: 80}]", "x",
                  "[{port: 80, name: http, protocol: tcp, description: d}]", "!!omap [port: 80]"):
        add("ports=" + value, plugin("ports: %s\n" % value))
    bools = ("true", "false", "yes", "No", "ON", "off", "'yes'", "'YES'", "'Yes'", "'no'", "'on'", "'off'", "'t'", "'F'",
             "'y'", "'N'", "'1'", "'0'", "1", "0", "2", "-1", "1.0", "0.0", "-0.0", "1.5", "'1.0'", "' true'", "'true '",
             '"true\\n"', "''", "null", "~", "[]", "{}", "'null'", "!!binary dHJ1ZQ==", "!!binary eWVz", "!!binary /w==",
             "2020-01-01", ".inf", ".nan", "0x1", "'\uff11'", "y", "n", "Y", "True", "FALSE", "'01'", "'+1'", "'on '")
    for value in bools:
        add("required=" + value, plugin("env_vars:\n  - name: A\n    required: %s\n" % value))
    for value in ("true", "'off'", "2", "1.0", "'maybe'"):
        add("secret=" + value, plugin("env_vars:\n  - name: A\n    secret: %s\n" % value))
    for value in ("A", "_", "A_1", "a", "1A", "A-B", "''", '"A\\n"', '"\\nA"', "\u00c4", "5", "null", "'A B'", "__", "A1_",
                  "!!binary QQ=="):
        add("env name=" + value, plugin("env_vars:\n  - name: %s\n" % value))
    for value in ("null", "[]", "[{}]", "[{name: A, default: 5}]", "[{name: A, default: null}]", "[{name: A, default: ''}]",
                  "[{name: A, description: d, extra: 1}]", "!!set {}", "x", "{name: A}", "[null]",
                  "[{name: A}, {name: A}]"):
        add("env_vars=" + value, plugin("env_vars: %s\n" % value))
    for value in ("null", "{}", "{install: i}", "{install: i, uninstall: null}", "{install: i, uninstall: u}",
                  "{install: i, uninstall: ''}", "{install: '', uninstall: null}", "{install: null}", "{install: 5}",
                  "{install: 5, uninstall: null}", "{uninstall: u}", "{restart: r}", "{health_endpoint: h}", "[]",
                  "{install: i, uninstall: 5}", "{install: [], uninstall: null}",
                  "{start: s, stop: s, logs: l, status: s, health_endpoint: h}", "{start: 1}"):
        add("lifecycle=" + value, plugin("lifecycle: %s\n" % value))
    mcps = (
        "null", "{}", "[]", "{transport: stdio}", "{transport: stdio, command: c}", "{transport: stdio, command: null}",
        "{transport: stdio, command: ''}", "{transport: stdio, command: c, endpoint: e}", "{transport: stdio, command: c, endpoint: null}",
        "{transport: stdio, command: c, args: [a, b], env: [A]}", "{transport: stdio, command: c, args: null, env: null}",
        "{transport: stdio, command: c, args: [1]}", "{transport: stdio, command: c, args: a}", "{transport: stdio, command: c, env: [5]}",
        "{transport: stdio, command: c, args: !!set {a, b}}", "{transport: stdio, command: c, args: !!omap [a: b]}",
        "{transport: stdio, command: 5}", "{transport: stdio, command: c, endpoint: 5}", "{transport: sse}",
        "{transport: sse, endpoint: e}", "{transport: sse, endpoint: null}", "{transport: sse, endpoint: e, command: c}",
        "{transport: sse, endpoint: e, command: null, args: null}", "{transport: sse, endpoint: e, args: []}",
        "{transport: http, endpoint: e}", "{transport: http}", "{transport: http, endpoint: e, args: [a]}",
        "{transport: http, endpoint: e, command: c, args: [a]}", "{transport: http, endpoint: 5}", "{transport: ws, command: c}",
        "{transport: STDIO, command: c}", "{transport: null, command: c}", "{command: c}", "{transport: stdio, command: c, enabled: true}",
        "{transport: !!binary c3RkaW8=, command: c}", "{transport: stdio, command: c, args: [!!binary eA==]}",
        "{transport: http, endpoint: e, command: 5}",
    )
    for value in mcps:
        add("mcp=" + value, plugin("mcp: %s\n" % value))
    timeouts = ("null", "0", "-5", "60000", "99999999999999999999999", "1.0e+19", "9.2e+18", "-9.2e+18", "1.5", "true", "false",
                "'1'", "'-0'", "'0-5'", "'-0-5'", "'00_-5'", "'+0-5'", "'1_000'", "'1__0'", "'1.0'", "'1.5'", "''", "'x'", "[]",
                "{}", ".inf", "'%s'" % ("1" * 4300), "'%s'" % ("1" * 4301), "'0-'", "'0_'", "' 12 '", "2020-01-01",
                "!!binary MTI=", "'0.0'", "'00'", "'_1'", "'1_'", "'0.'", "'+-1'", "'-+1'", "'--1'", "'0--1'", "'0-_5'",
                "'0_-_5'", "'0-5_'", "'\u30001\u3000'")
    for value in timeouts:
        add("timeout=" + value, plugin("mcp:\n  transport: stdio\n  command: c\n  timeout: %s\n" % value))
    for value in ("extra: 1", "1: x", "null: x", "true: x", "? !!binary bmFtZQ==\n: x", "'': x", "Name: x"):
        add("top-level " + value, plugin(value + "\n"))
    for text in ("", "~\n", "# comment\n", "[]\n", "- a\n", "x\n", "5\n", "!!set {a}\n", BASE + "---\nname: y\n",
                 "name: [unclosed\n", "name: x\n\tdescription: y\n"):
        add("document %r" % text[:20], text)
    add("non-utf8", plugin("vendor: {name: caf\xe9}\n").encode("latin-1"))
    add("bom", b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    add("crlf", BASE.replace("\n", "\r\n").encode("utf-8"))
    add("cr", BASE.replace("\n", "\r").encode("utf-8"))
    add("anchors", plugin("vendor: &v {name: V}\nservice: {type: script}\nx-anchor: *v\n"))
    add("merge keys", plugin("lifecycle:\n  <<: {install: i, uninstall: u}\n  start: s\n"))
    add("merge key bad", plugin("lifecycle:\n  <<: {install: i}\n"))
    add("unicode", plugin("vendor: {name: \"Caf\\xE9 \\u2014 Tool\"}\n"))
    add("duplicate keys", plugin("name: Other\n"))
    full = plugin(
        "maturity: community\nservice: {type: script}\nvendor: {name: V}\nports: [{port: 8080}]\n"
        "env_vars: [{name: A, required: true, secret: true}, {name: B, default: b}]\n"
        "lifecycle: {install: i, uninstall: u, start: s}\nmcp: {transport: stdio, command: c, args: [a], env: [A]}\n")
    add("full", full)
    for overrides in ("name: Mine\n", "mcp: null\n", "env_vars: []\n", "env_vars: null\n", "- a\n", "x\n", "", "~\n", "bogus: 1\n",
                      "mcp: {enabled: false}\n", "lifecycle: {uninstall: null}\n", "lifecycle: {install: null, uninstall: null}\n",
                      "mcp: {transport: sse}\n", "mcp: {transport: sse, command: null, args: null, endpoint: e}\n",
                      "mcp: [\n", "!!binary /w==\n", "1: x\n", "ports: [{port: '90'}]\n", "env_vars: [{name: a}]\n",
                      "lifecycle: []\n", "mcp: {timeout: '1_000'}\n", "mcp: {args: null}\n", "service: {type: podman}\n",
                      "lifecycle: {start: null}\n", "env_vars: !!set {}\n"):
        add("overrides %r" % overrides[:30], full, overrides)
    broken = plugin("lifecycle: {install: i}\n")
    add("overrides repair", broken, "lifecycle: {uninstall: u}\n")
    add("overrides cannot repair with a list", broken, "- lifecycle\n")
    add("overrides non-utf8", full, b"name: caf\xe9\n")
    return cases


def _manifest_cases():
    head = "schema_version: '2026-02-06'\n"
    entry = "plugins:\n- name: Demo\n  directory: %s\n"
    texts = [head, head + "config:\n  auto_commit: true\n  auto_push: false\nplugins: []\n", "{}\n", "", "[]\n", "x\n",
             "schema_version: 5\n", "schema_version: 2026-02-06\n", "schema_version: null\n", head + "plugins: null\n",
             head + "plugins: {}\n", head + "config: null\n", head + "config: []\n", head + "unknown: 1\n", head + "1: x\n",
             head + "null: 5\n", head + "plugins:\n- {name: Demo, directory: demo, extra: 1}\n",
             head + "plugins:\n- {directory: demo}\n", head + "plugins:\n- {name: Demo}\n", head + "plugins:\n- {name: 5, directory: demo}\n",
             head + "plugins:\n- null\n", head + "plugins:\n- {name: x, directory: ab, 1: y}\n"]
    for directory in ("x", "a--b", "a-", "A1", "ab_c", "1ab", "ab", "a1", "a-b", "demo-plugin-x", '"ab\\n"', '"a\\n"', '"ab "',
                      "''", "5", "null", "'-ab'", "caf\u00e9", "abc-", "a-1-b"):
        texts.append(head + entry % directory)
    for value in ("true", "false", "'yes'", "'no'", "'On'", "1", "0", "2", "1.0", "'1.0'", "null", "' true'", "'t'", "[]"):
        texts.append(head + "config:\n  auto_commit: %s\n  auto_push: %s\n" % (value, value))
    texts.append(head + "config:\n  colour: blue\n")
    for source in ("{}", "null", "{type: local}", "{type: registry, ref: abc}", "{type: git, ref: abc, url: example.org/x}",
                   "{type: svn}", "{type: null}", "{ref: 12345}", "{ref: 1.5e+5}", "{ref: '12345'}", "{url: 5}", "{url: null}",
                   "{type: Local}", "{branch: main}", "local", "{ref: true}", "{type: !!binary Z2l0}"):
        texts.append(head + entry % "demo" + "  source: %s\n" % source)
    return [("manifest:%d:%r" % (i, t[len(head):][:40] if t.startswith(head) else t[:40]), t) for i, t in enumerate(texts)]


def _index_cases():
    texts = ["{}\n", "", "[]\n", "schema_version: '2026-01-23'\nplugins: []\n", "plugins: null\n", "plugins: {}\n",
             "plugins:\n- {name: a, path: plugins/a, description: d}\n", "plugins:\n- {name: a, path: plugins/a}\n",
             "plugins:\n- {name: a, path: plugins/a, description: 5}\n", "plugins:\n- {name: a, path: plugins/a, description: d, x: 1}\n",
             "schema_version: 5\n", "schema_version: 2026-01-23\n", "extra: 1\n", "plugins:\n- null\n"]
    return [("index:%d:%r" % (i, t[:40]), t) for i, t in enumerate(texts)]


def _scalar_cases():
    """Every string of up to 4 characters over the alphabet that matters to pydantic-core's int
    parser, as a port and as mcp.timeout, plus every letter-case spelling of the bool words."""
    alphabet = "05_-.+ 9"
    strings = [""]
    for _length in range(4):
        strings.extend(s + c for s in strings if len(s) == _length for c in alphabet)
    cases = [("port", s) for s in strings] + [("timeout", s) for s in strings]
    for word in ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0", "tru", "nope", "o"):
        spellings = {""}
        for char in word:
            spellings = {p + c for p in spellings for c in (char.lower(), char.upper())}
        cases.extend(("bool", w) for w in sorted(spellings))
        cases.extend(("bool", w) for w in (" " + word, word + " ", word + "\n", "\t" + word))
    return cases


PLUGIN_CASES = _plugin_cases()
SCALAR_CASES = _scalar_cases()
MANIFEST_CASES = _manifest_cases()
INDEX_CASES = _index_cases()


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """{case id: (atk verdict, plugin dir or text)} for every case, atk run once."""
    root = tmp_path_factory.mktemp("schema-vs-atk")
    dirs = []
    for index, (_name, text, overrides) in enumerate(PLUGIN_CASES):
        plugin_dir = root / ("p%03d" % index)
        plugin_dir.mkdir()
        (plugin_dir / "plugin.yaml").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        if overrides is not None:
            (plugin_dir / "custom").mkdir()
            (plugin_dir / "custom" / "overrides.yaml").write_bytes(
                overrides if isinstance(overrides, bytes) else overrides.encode("utf-8"))
        dirs.append(str(plugin_dir))
    request = {"plugins": dirs, "manifests": [t for _n, t in MANIFEST_CASES], "indexes": [t for _n, t in INDEX_CASES],
               "scalars": SCALAR_CASES}
    script = root / "atk_runner.py"
    script.write_text(ATK_RUNNER, encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8")
    proc = subprocess.run([ATK_PYTHON, str(script)], input=json.dumps(request), capture_output=True, text=True,
                          timeout=300, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    result = {}
    for (name, _text, _overrides), plugin_dir, theirs in zip(PLUGIN_CASES, dirs, answer["plugins"]):
        result[name] = (theirs, plugin_dir)
    for (name, text), theirs in zip(MANIFEST_CASES, answer["manifests"]):
        result[name] = (theirs, text)
    for (name, text), theirs in zip(INDEX_CASES, answer["indexes"]):
        result[name] = (theirs, text)
    result["scalars"] = answer["scalars"]
    return result


def _ours_plugin(plugin_dir):
    try:
        _spec.load_plugin(plugin_dir)
    except AtkError as exc:
        return False, str(exc), [e["loc"] for e in exc.details.get("errors", [])]
    return True, "", []


def _ours_document(text, schema):
    try:
        _validate.validate(_spec.parse_yaml(text, "doc"), schema, "document")
    except AtkError as exc:
        return False, str(exc), [e["loc"] for e in exc.details.get("errors", [])]
    return True, "", []


def _compare(theirs, ours):
    ok, message, locs = ours
    assert ok == theirs["ok"], "atk: %s\nours: %s" % (theirs["error"] or "valid", message or "valid")
    if not ok and locs:
        for loc in theirs["locs"]:
            assert any(loc == "" or mine == loc or mine.startswith(loc + ".") for mine in locs), \
                "atk names %r, we do not: %s" % (loc, message)


@pytest.mark.parametrize("name", [c[0] for c in PLUGIN_CASES])
def test_plugin_verdict_matches_atk(verdicts, name):
    theirs, plugin_dir = verdicts[name]
    _compare(theirs, _ours_plugin(plugin_dir))


@pytest.mark.parametrize("name", [c[0] for c in MANIFEST_CASES])
def test_manifest_verdict_matches_atk(verdicts, name):
    theirs, text = verdicts[name]
    _compare(theirs, _ours_document(text, MANIFEST_SCHEMA))


@pytest.mark.parametrize("name", [c[0] for c in INDEX_CASES])
def test_registry_index_verdict_matches_atk(verdicts, name):
    theirs, text = verdicts[name]
    _compare(theirs, _ours_document(text, REGISTRY_INDEX_SCHEMA))


def _scalar_plugin(kind, value):
    plugin = {"schema_version": "2026-01-23", "name": "n", "description": "d"}
    if kind == "port":
        plugin["ports"] = [{"port": value}]
    elif kind == "timeout":
        plugin["mcp"] = {"transport": "stdio", "command": "c", "timeout": value}
    else:
        plugin["env_vars"] = [{"name": "A", "required": value}]
    return plugin


def test_scalar_coercions_match_atk_exhaustively(verdicts):
    mismatches = []
    for (kind, value), theirs in zip(SCALAR_CASES, verdicts["scalars"]):
        try:
            spec = _spec.validate_plugin(_scalar_plugin(kind, value), "p")
        except AtkError:
            spec = None
        if (spec is not None) != theirs:
            mismatches.append((kind, value, "atk accepts" if theirs else "atk rejects"))
    assert not mismatches, mismatches[:20]
    assert len(SCALAR_CASES) > 9000 and verdicts["scalars"].count(True) > 500


def test_corpus_covers_both_verdicts(verdicts):
    oks = [v[0]["ok"] for k, v in verdicts.items() if k != "scalars"]
    assert len(oks) >= 300
    assert oks.count(True) >= 100 and oks.count(False) >= 100
