# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_manifest: manifests atk 0.4.0 writes load and dump back byte-identically; atk's lookup rules."""

from __future__ import annotations

import copy
import json
import os
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

INITIAL = (b"schema_version: '2026-02-06'\n"
           b"config:\n"
           b"  auto_commit: true\n"
           b"  auto_push: false\n"
           b"plugins: []\n")

ORACLE_SOURCE = """
import tempfile
from pathlib import Path
from atk.manifest_schema import ManifestSchema, load_manifest, save_manifest

def save(data):
    # What atk writes for ``data``, then what atk writes after loading its own file back.
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        save_manifest(ManifestSchema.model_validate(data), home)
        first = (home / "manifest.yaml").read_bytes().decode("utf-8")
        return [first, load_text(first)]

def load_text(text):
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "manifest.yaml").write_bytes(text.encode("utf-8"))
        try:
            manifest = load_manifest(home)
        except Exception as exc:
            return ["error", "%s: %s" % (type(exc).__name__, exc)]
        save_manifest(manifest, home)
        return ["ok", (home / "manifest.yaml").read_bytes().decode("utf-8")]

def handle(batch):
    return [save(arg) if kind == "save" else load_text(arg) for kind, arg in batch]
"""


@pytest.fixture(scope="module")
def oracle():
    if atk_peer.ATK_VENV is None:
        pytest.skip(atk_peer.NO_ATK_REASON)
    peer = atk_peer.Oracle(ORACLE_SOURCE)
    yield peer
    peer.close()


def our_load_text(text):
    try:
        return ["ok", M.dump_manifest(M.parse_manifest(text))]
    except AtkError as exc:
        return ["error", str(exc)]


def entry(name, directory, kind="local", ref=None, url=None):
    return M.make_entry(name, directory, kind, ref, url)


def manifest_with(*entries, **config):
    data = M.initial_manifest()
    data["config"].update(config)
    data["plugins"] = list(entries)
    return data


HEX = "336d048a90accdea089ab01da67b6382e4059f2c"
LONG_NAME = u"A very long display name " * 6 + u"that goes well past eighty columns"
VARIED = [
    M.initial_manifest(),
    manifest_with(entry("Demo Plugin_X", "demo-plugin-x"), entry("Fancy Tool", "fancy", "registry", HEX),
                  entry("Git Thing", "git-thing", "git", "e1bb6d9fabf8bf58399c3a9b25cc29e6d2b1c0ba", "example.org/acme/gitplug")),
    manifest_with(entry(u"Caf\u00e9 \u2014 Tool", "cafe-tool"), entry(u"\U0001f600 emoji \u65e5\u672c", "emoji")),
    manifest_with(entry(LONG_NAME, "long-name", "git", HEX, "https://example.org/" + "x" * 120 + "/repo.git")),
    manifest_with(entry(LONG_NAME.replace(" ", ""), "nospace")),
    manifest_with(entry("Digits", "digits", "registry", "1234567890123456789012345678901234567890"),
                  entry("Zeros", "zeros", "registry", "0000000000000000000000000000000000000000"),
                  entry("Exp", "exp", "registry", "1e5"), entry("Exp2", "exp-two", "registry", "12e45"),
                  entry("Float", "float", "registry", "1.5"), entry("Octal", "octal", "git", "0777", "0x1F"),
                  entry("Sexagesimal", "sexa", "registry", "1:30")),
    manifest_with(entry("yes", "yes"), entry("null", "null-name"), entry("~", "tilde"), entry("- dash", "dash"),
                  entry("a: b", "colon"), entry("#hash", "hash"), entry("'quoted'", "quoted"), entry('"dq"', "dq"),
                  entry(" lead and trail ", "spaces"), entry("multi\nline", "multi"), entry("tab\there", "tab"),
                  entry("2026-02-06", "date-like"), entry("", "empty-name"), entry("@at", "at-sign")),
    manifest_with(*[entry("Plugin %d" % i, "plugin-%d" % i, ("local", "registry", "git")[i % 3],
                          None if i % 3 == 0 else "%040x" % i, "host.example/org/p%d" % i if i % 3 == 2 else None)
                    for i in range(60)], auto_commit=False, auto_push=True),
    dict(manifest_with(entry("v", "vv")), schema_version="v1"),
    dict(manifest_with(), schema_version="2026-02-06T00:00:00"),
]


# -- dump ---------------------------------------------------------------------------------

def test_initial_manifest_is_atks_88_bytes():
    data = M.dump_manifest(M.initial_manifest()).encode("utf-8")
    assert data == INITIAL
    assert len(data) == 88


@atk_peer.needs_atk
def test_initial_manifest_equals_atk_init():
    theirs = atk_peer.atk_python("from atk.init import _create_initial_manifest\nRESULT = _create_initial_manifest()")
    assert theirs.encode("utf-8") == INITIAL


@atk_peer.needs_atk
def test_atk_written_manifests_round_trip_byte_identically(oracle, tmp_path):
    theirs = oracle([["save", data] for data in VARIED])
    for data, (written, (status, resaved)) in zip(VARIED, theirs):
        assert status == "ok", resaved
        assert M.dump_manifest(data) == written
        assert M.dump_manifest(M.parse_manifest(written)) == resaved == written
        # Saving what atk wrote changes nothing, not even the mtime.
        (tmp_path / "manifest.yaml").write_bytes(written.encode("utf-8"))
        os.utime(str(tmp_path / "manifest.yaml"), ns=(10 ** 18, 10 ** 18))
        assert M.save_manifest(str(tmp_path), M.load_manifest(str(tmp_path))) is False
        assert os.stat(str(tmp_path / "manifest.yaml")).st_mtime_ns == 10 ** 18


def test_dump_escapes_non_ascii_and_quotes_numbers():
    text = M.dump_manifest(manifest_with(entry(u"Caf\u00e9 \u2014 Tool", "cafe"), entry("n", "nn", "registry", "1234567890" * 4)))
    assert u'name: "Caf\\xE9 \\u2014 Tool"' in text
    assert u"ref: '1234567890123456789012345678901234567890'" in text
    assert text.isascii()


def test_dump_writes_nulls_and_defaults_explicitly():
    text = M.dump_manifest({"schema_version": "2026-02-06", "plugins": [{"name": "A", "directory": "aa"}]})
    assert text == ("schema_version: '2026-02-06'\nconfig:\n  auto_commit: true\n  auto_push: false\nplugins:\n"
                    "- name: A\n  directory: aa\n  source:\n    type: local\n    ref: null\n    url: null\n")


def test_long_names_wrap_at_80_columns():
    text = M.dump_manifest(manifest_with(entry(LONG_NAME, "long-name")))
    name_lines = text.split("- name: ", 1)[1].split("  directory:", 1)[0].splitlines()
    assert len(name_lines) > 1  # PyYAML folds the plain scalar at the first space past column 80
    assert all(len(line) < 90 for line in text.splitlines())
    assert M.parse_manifest(text)["plugins"][0]["name"] == LONG_NAME


# -- random manifests, differential ----------------------------------------------------------

directories = st.builds(lambda head, tail, part: head + tail + part, st.sampled_from("abz"),
                        st.text(alphabet="a0z9", min_size=1, max_size=5), st.sampled_from(["", "-x", "-0-a1"]))
refs = st.one_of(st.none(), st.binary(min_size=20, max_size=20).map(lambda b: "".join("%02x" % c for c in b)),
                 st.integers(0, 10 ** 40).map(str), st.tuples(st.integers(0, 999), st.integers(0, 999)).map(lambda t: "%de%d" % t),
                 st.text(max_size=50))
entries = st.builds(entry, st.text(max_size=100), directories, st.sampled_from(["local", "registry", "git"]), refs,
                    st.one_of(st.none(), st.text(max_size=100)))
manifests = st.builds(
    lambda version, commit, push, plugins: {"schema_version": version, "config": {"auto_commit": commit, "auto_push": push},
                                            "plugins": plugins},
    st.one_of(st.just("2026-02-06"), st.text(max_size=20)), st.booleans(), st.booleans(), st.lists(entries, max_size=6))


@atk_peer.needs_atk
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(manifests, min_size=1, max_size=6))
def test_random_manifests_match_atk(oracle, batch):
    theirs = oracle([["save", data] for data in batch])
    for data, (written, reloaded) in zip(batch, theirs):
        assert M.dump_manifest(data) == written
        ours = our_load_text(written)
        assert ours[0] == reloaded[0], (written, reloaded)
        if ours[0] == "ok":
            assert ours[1] == reloaded[1]


# -- lax values and unknown keys --------------------------------------------------------------

BOOL_SCALARS = ["true", "false", "yes", "no", "'yes'", "'YES'", "On", "off", "'on'", "'Off'", "'t'", "'F'", "'y'", "'N'",
                "'1'", "'0'", "1", "0", "1.0", "0.0", "'true'", "'TrUe'", "'FALSE'", "'maybe'", "2", "-1", "0.5", "''",
                "' yes'", "'yes '", '"yes\\n"', "null", "[]", "{}", "'10'", "'tru'", "!!binary dHJ1ZQ=="]


def bool_text(scalar):
    return "schema_version: '2026-02-06'\nconfig:\n  auto_commit: %s\n  auto_push: %s\n" % (scalar, scalar)


@atk_peer.needs_atk
def test_lax_booleans_normalise_like_pydantic(oracle):
    texts = [bool_text(s) for s in BOOL_SCALARS if not s.startswith("!!")]
    theirs = oracle([["load", t] for t in texts])
    for text, their in zip(texts, theirs):
        ours = our_load_text(text)
        assert ours[0] == their[0], (text, their, ours)
        if ours[0] == "ok":
            assert ours[1] == their[1], text
        else:
            assert "'config.auto_commit'" in ours[1] and "'config.auto_push'" in ours[1]


def test_yes_string_becomes_true():
    data = M.parse_manifest("schema_version: '2026-02-06'\nconfig:\n  auto_commit: 'no'\n  auto_push: \"yes\"\n")
    assert data["config"] == {"auto_commit": False, "auto_push": True}


@atk_peer.needs_atk
def test_binary_scalars_normalise_like_pydantic(oracle):
    texts = [bool_text("!!binary dHJ1ZQ=="),
             "schema_version: '2026-02-06'\nplugins:\n- name: !!binary Q2Fm\n  directory: ab\n"]
    theirs = oracle([["load", t] for t in texts])
    assert [our_load_text(t) for t in texts] == theirs


def test_unknown_keys_are_dropped():
    text = ("schema_version: '2026-02-06'\nextra: 1\nconfig:\n  auto_commit: true\n  colour: blue\n"
            "plugins:\n- name: A\n  directory: aa\n  note: hi\n  source:\n    type: git\n    url: u\n    branch: main\n")
    dumped = M.dump_manifest(M.parse_manifest(text))
    for word in ("extra", "colour", "note", "branch"):
        assert word not in dumped
    assert dumped.endswith("- name: A\n  directory: aa\n  source:\n    type: git\n    ref: null\n    url: u\n")


# -- invalid manifests --------------------------------------------------------------------------

INVALID = [
    ("config:\n  auto_commit: true\n", ["schema_version"]),
    ("schema_version: '1'\nplugins:\n", ["plugins"]),
    ("schema_version: '1'\nplugins: {}\n", ["plugins"]),
    ("schema_version: '1'\nplugins:\n- just a string\n", ["plugins.0"]),
    ("schema_version: '1'\nconfig:\n", ["config"]),
    ("schema_version: 2026-02-06\n", ["schema_version"]),
    ("schema_version: 1\n", ["schema_version"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: A1\n", ["plugins.0.directory"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: x\n", ["plugins.0.directory"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: a--b\n", ["plugins.0.directory"]),
    ("schema_version: '1'\nplugins:\n- directory: ab\n", ["plugins.0.name"]),
    ("schema_version: '1'\nplugins:\n- name: 123\n  directory: ab\n", ["plugins.0.name"]),
    ("schema_version: '1'\nplugins:\n- name: A\n", ["plugins.0.directory"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: ab\n  source:\n", ["plugins.0.source"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: ab\n  source:\n    type: svn\n", ["plugins.0.source.type"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: ab\n  source:\n    ref: 12345\n", ["plugins.0.source.ref"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: ab\n  source:\n    ref: 1.5e+5\n", ["plugins.0.source.ref"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: ab\n  source:\n    url: [a]\n", ["plugins.0.source.url"]),
    ("schema_version: '1'\nconfig:\n  auto_commit: maybe\n", ["config.auto_commit"]),
    ("schema_version: '1'\nplugins:\n- name: A\n  directory: A1\n- directory: ok\n", ["plugins.0.directory", "plugins.1.name"]),
]
UNPARSABLE = ["", "- a\n- b\n", "just text\n", "schema_version: [\n", "42\n"]


def locs(message):
    """The quoted field paths of an 'Invalid manifest ...: <loc>: <msg>; ...' message."""
    rest = message.split("': ", 1)[1]
    return sorted(re.findall(r"(?:^|; )'([^']*)': ", rest))


@pytest.mark.parametrize("text, fields", INVALID)
def test_invalid_manifests_name_the_field(text, fields):
    with pytest.raises(AtkError) as info:
        M.parse_manifest(text, "/h/manifest.yaml")
    message = str(info.value)
    assert message.startswith("Invalid manifest '/h/manifest.yaml': ")
    assert locs(message) == sorted(fields)


@pytest.mark.parametrize("text", UNPARSABLE)
def test_unparsable_manifests_are_errors(text):
    with pytest.raises(AtkError) as info:
        M.parse_manifest(text, "/h/manifest.yaml")
    assert str(info.value).startswith("Invalid manifest '/h/manifest.yaml'")


def test_directory_messages_are_atks():
    with pytest.raises(AtkError) as info:
        M.parse_manifest("schema_version: '1'\nplugins:\n- name: A\n  directory: x\n- name: B\n  directory: B\n")
    assert "'plugins.0.directory': directory must be at least 2 characters" in str(info.value)
    assert ("'plugins.1.directory': directory must be lowercase, start with a letter, end with alphanumeric, "
            "and contain only letters, numbers, and single hyphens") in str(info.value)


@atk_peer.needs_atk
def test_atk_rejects_the_same_manifests_at_the_same_fields(oracle):
    theirs = oracle([["load", text] for text, fields in INVALID] + [["load", text] for text in UNPARSABLE])
    for (text, fields), (status, message) in zip(INVALID, theirs):
        assert status == "error", text
        assert locs(message.split(": ", 1)[1]) == sorted(fields), message
    assert all(status == "error" for status, dummy in theirs[len(INVALID):])


# -- files --------------------------------------------------------------------------------------

def test_load_missing_manifest(tmp_path):
    with pytest.raises(AtkError) as info:
        M.load_manifest(str(tmp_path))
    assert info.value.msg == "manifest.yaml not found at %s" % os.path.join(str(tmp_path), "manifest.yaml")


def test_save_reports_change_and_keeps_mtime_when_equal(tmp_path):
    home = str(tmp_path)
    assert M.save_manifest(home, M.initial_manifest()) is True
    path = tmp_path / "manifest.yaml"
    assert path.read_bytes() == INITIAL
    os.utime(str(path), ns=(10 ** 18, 10 ** 18))
    assert M.save_manifest(home, M.initial_manifest()) is False
    assert path.stat().st_mtime_ns == 10 ** 18
    changed = M.with_entry(M.initial_manifest(), entry("A", "aa"))
    assert M.save_manifest(home, changed) is True
    assert M.load_manifest(home) == changed
    assert [n for n in os.listdir(home) if n != "manifest.yaml"] == []


# -- lookup and edits ---------------------------------------------------------------------------

SAMPLE = manifest_with(entry("Alpha", "alpha"), entry("beta", "gamma"), entry("Beta Tool", "beta"), entry("Alpha", "alpha-two"))


def test_find_entry_first_match_wins():
    assert M.find_entry(SAMPLE, "alpha")["directory"] == "alpha"
    assert M.find_entry(SAMPLE, "Alpha")["directory"] == "alpha"
    # "beta" is entry 2's display name and entry 3's directory: the first in file order wins.
    assert M.find_entry(SAMPLE, "beta")["directory"] == "gamma"
    assert M.find_entry(SAMPLE, "Beta Tool")["directory"] == "beta"
    assert M.find_entry(SAMPLE, "alpha-two")["name"] == "Alpha"


@pytest.mark.parametrize("identifier", ["ALPHA", "Beta", " alpha", "alpha ", "", "delta"])
def test_find_entry_is_exact(identifier):
    assert M.find_entry(SAMPLE, identifier) is None


def test_with_entry_replaces_in_place_and_keeps_order():
    before = copy.deepcopy(SAMPLE)
    result = M.with_entry(SAMPLE, entry("Gamma v2", "gamma", "registry", HEX))
    assert SAMPLE == before
    assert [e["directory"] for e in result["plugins"]] == ["alpha", "gamma", "beta", "alpha-two"]
    assert result["plugins"][1] == entry("Gamma v2", "gamma", "registry", HEX)


def test_with_entry_appends_at_the_end():
    new = entry("New", "new")
    result = M.with_entry(SAMPLE, new)
    assert [e["directory"] for e in result["plugins"]] == ["alpha", "gamma", "beta", "alpha-two", "new"]
    new["name"] = "mutated later"
    assert result["plugins"][-1]["name"] == "New"


def test_without_entry_keeps_the_others_in_order():
    before = copy.deepcopy(SAMPLE)
    result = M.without_entry(SAMPLE, "gamma")
    assert SAMPLE == before
    assert [e["directory"] for e in result["plugins"]] == ["alpha", "beta", "alpha-two"]
    assert M.without_entry(SAMPLE, "nope") == SAMPLE
    assert M.without_entry(SAMPLE, "Alpha") == SAMPLE  # by directory only, never by name


def test_make_entry_shape():
    expected = {"name": "N", "directory": "nn", "source": {"type": "git", "ref": HEX, "url": "u"}}
    assert M.make_entry("N", "nn", "git", HEX, "u") == expected


def test_dump_is_plain_yaml_that_loads_back():
    text = M.dump_manifest(VARIED[1])
    assert yaml.safe_load(text) == VARIED[1]


def test_alias_bomb_and_recursive_alias_are_refused_quickly():
    """Found by the hostile-input suite: yaml.safe_load kept the bomb and validation expanded it."""
    levels = ['a0: &a0 ["x"]'] + ['a%d: &a%d [%s]' % (n, n, ", ".join(["*a%d" % (n - 1)] * 9)) for n in range(1, 10)]
    bomb = "\n".join(levels) + '\nschema_version: "2026-02-06"\nplugins: *a9\n'
    with pytest.raises(AtkError, match="not valid YAML"):
        M.parse_manifest(bomb)
    with pytest.raises(AtkError, match="recursive alias"):
        M.parse_manifest('schema_version: "2026-02-06"\nconfig: &c {x: *c}\nplugins: []\n')


def test_broken_manifest_hint_names_the_real_home(tmp_path):
    home = tmp_path / "my home"
    home.mkdir()
    (home / "manifest.yaml").write_text("schema_version: [unclosed\n")
    with pytest.raises(AtkError) as info:
        M.load_manifest(str(home))
    assert "git -C %s checkout -- manifest.yaml" % home in str(info.value)
    assert "<home>" not in str(info.value)


# -- the record of a validated manifest (.git/atk-core/manifest.json) -----------------------------

def _home_with_record(tmp_path, manifest):
    home = str(tmp_path)
    os.makedirs(os.path.join(home, ".git", "atk-core"))
    M.save_manifest(home, manifest)
    M._LOADED.clear()  # pylint: disable=protected-access  # a new run
    return home


def test_a_recorded_manifest_is_not_parsed_again(tmp_path, monkeypatch):
    manifest = M.with_entry(M.initial_manifest(), entry("A", "aa", "registry", HEX))
    home = _home_with_record(tmp_path, manifest)
    assert M.load_manifest(home) == manifest
    M.remember_validated(home)
    assert os.stat(M._record_path(home)).st_mode & 0o777 == 0o600  # pylint: disable=protected-access
    M._LOADED.clear()  # pylint: disable=protected-access
    monkeypatch.setattr(M, "parse_manifest", lambda *a, **k: pytest.fail("parsed again"))
    assert M.load_manifest(home) == manifest


def test_a_changed_manifest_is_parsed_and_validated_again(tmp_path):
    home = _home_with_record(tmp_path, M.initial_manifest())
    M.load_manifest(home)
    M.remember_validated(home)
    (tmp_path / "manifest.yaml").write_text('schema_version: "2026-02-06"\nplugins: [{name: x}]\n')
    M._LOADED.clear()  # pylint: disable=protected-access
    with pytest.raises(AtkError, match="Invalid manifest"):
        M.load_manifest(home)


def _counting_parser(monkeypatch):
    """Count parse_manifest's calls (each one a YAML parse and a JSON Schema validation)."""
    calls = []
    real = M.parse_manifest
    monkeypatch.setattr(M, "parse_manifest", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def _recorded_home(tmp_path, manifest):
    """A home whose manifest a real run recorded; _LOADED cleared (the next run starts)."""
    home = _home_with_record(tmp_path, manifest)
    M.load_manifest(home)
    M.remember_validated(home)
    assert os.path.isfile(M._record_path(home))  # pylint: disable=protected-access
    M._LOADED.clear()  # pylint: disable=protected-access
    return home


def test_a_manifest_read_from_the_record_is_the_parsed_one_key_order_included(tmp_path, monkeypatch):
    manifest = manifest_with(entry("A", "aa", "git", HEX, "https://example.com/a.git"), entry("B", "bb"), auto_push=True)
    home = _recorded_home(tmp_path, manifest)
    parsed = M.parse_manifest((tmp_path / "manifest.yaml").read_text(), M.manifest_path(home))
    calls = _counting_parser(monkeypatch)
    recorded = M.load_manifest(home)
    assert calls == []
    # json.dumps keeps the key order: the results a run builds from either are the same, byte for byte.
    assert json.dumps(recorded) == json.dumps(parsed)


BROKEN_RECORDS = ["", "{", "null", '"x"', "[]", "[" * 100000, '{"key": "x", "manifest": {}}', '{"manifest": {}}',
                  '{"key": KEY}', '{"key": KEY, "manifest": "x"}', '{"key": KEY, "manifest": {"plugins": []}}',
                  '{"key": KEY, "manifest": {"schema_version": "2026-02-06", "plugins": "ab"}}',
                  '{"key": KEY, "manifest": {"schema_version": "2026-02-06", "config": [], "plugins": []}}',
                  '{"key": KEY, "manifest": {"schema_version": "2026-02-06", "config": {"auto_commit": true, '
                  '"auto_push": false}, "plugins": [{"name": "A", "directory": "aa"}]}}', "\xff"]


@pytest.mark.parametrize("broken", BROKEN_RECORDS, ids=lambda text: text[:40] or "empty")
def test_a_broken_record_or_one_of_other_text_is_ignored_and_left_as_it_is(tmp_path, monkeypatch, broken):
    manifest = M.with_entry(M.initial_manifest(), entry("A", "aa"))
    home = _home_with_record(tmp_path, manifest)
    record = M._record_path(home)  # pylint: disable=protected-access
    key = M._record_key((tmp_path / "manifest.yaml").read_text())  # pylint: disable=protected-access
    with open(record, "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(broken.replace("KEY", json.dumps(key)))
    before = os.stat(record).st_mtime_ns, open(record, "rb").read()
    calls = _counting_parser(monkeypatch)
    assert json.dumps(M.load_manifest(home)) == json.dumps(manifest)
    assert len(calls) == 1
    assert (os.stat(record).st_mtime_ns, open(record, "rb").read()) == before


def test_a_record_that_is_a_folder_is_ignored(tmp_path, monkeypatch):
    manifest = M.with_entry(M.initial_manifest(), entry("A", "aa"))
    home = _home_with_record(tmp_path, manifest)
    os.mkdir(M._record_path(home))  # pylint: disable=protected-access
    calls = _counting_parser(monkeypatch)
    assert M.load_manifest(home) == manifest and len(calls) == 1
    M.remember_validated(home)  # cannot write: no error, no record
    assert os.path.isdir(M._record_path(home))  # pylint: disable=protected-access


@pytest.mark.parametrize("attribute, value", [("_SCHEMA_DIGEST", "0" * 64), ("RECORD_VERSION", M.RECORD_VERSION + 1)])
def test_a_record_made_under_another_schema_or_record_version_is_ignored(tmp_path, monkeypatch, attribute, value):
    manifest = M.with_entry(M.initial_manifest(), entry("A", "aa"))
    home = _recorded_home(tmp_path, manifest)
    calls = _counting_parser(monkeypatch)
    assert M.load_manifest(home) == manifest and len(calls) == 0  # the record holds
    M._LOADED.clear()  # pylint: disable=protected-access
    monkeypatch.setattr(M, attribute, value)
    assert M.load_manifest(home) == manifest and len(calls) == 1


def test_the_schema_digest_is_the_schemas():
    assert M._SCHEMA_DIGEST == M.hashlib.sha256(  # pylint: disable=protected-access
        json.dumps(M.MANIFEST_SCHEMA, sort_keys=True).encode("utf-8")).hexdigest()
    assert M._record_key("a") != M._record_key("b")  # pylint: disable=protected-access
    assert M._SCHEMA_DIGEST in M._record_key("a")  # pylint: disable=protected-access


def test_recording_the_same_manifest_again_leaves_the_record_untouched(tmp_path):
    home = _recorded_home(tmp_path, M.with_entry(M.initial_manifest(), entry("A", "aa")))
    record = M._record_path(home)  # pylint: disable=protected-access
    before = os.stat(record).st_mtime_ns, open(record, "rb").read()
    M.load_manifest(home)
    M.remember_validated(home)
    assert (os.stat(record).st_mtime_ns, open(record, "rb").read()) == before


def test_the_record_holds_the_file_as_it_is_at_the_end_of_the_run(tmp_path, monkeypatch):
    home = _home_with_record(tmp_path, M.initial_manifest())
    M.load_manifest(home)
    changed = M.with_entry(M.initial_manifest(), entry("A", "aa"))
    M.save_manifest(home, changed)  # not read back by this process: remember parses and validates it
    M.remember_validated(home)
    M._LOADED.clear()  # pylint: disable=protected-access
    monkeypatch.setattr(M, "parse_manifest", lambda *a, **k: pytest.fail("parsed again"))
    assert M.load_manifest(home) == changed


def test_no_record_of_an_invalid_manifest_or_without_a_state_dir(tmp_path):
    home = _home_with_record(tmp_path, M.initial_manifest())
    (tmp_path / "manifest.yaml").write_text('schema_version: "2026-02-06"\nplugins: [{name: x}]\n')
    M.remember_validated(home)
    assert not os.path.exists(M._record_path(home))  # pylint: disable=protected-access
    bare = tmp_path / "bare"
    bare.mkdir()
    M.save_manifest(str(bare), M.initial_manifest())
    M.load_manifest(str(bare))
    M.remember_validated(str(bare))
    assert sorted(os.listdir(str(bare))) == ["manifest.yaml"]
