# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_names: directory names and source classification, checked against atk 0.4.0 itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _names as N
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

ORACLE_SOURCE = r"""
from pathlib import Path
from pydantic import ValidationError
from atk.manifest_schema import DIRECTORY_PATTERN, PluginEntry
from atk.sanitize import sanitize_directory_name
from atk.source import resolve_source

def sanitize(text):
    try:
        return ["ok", sanitize_directory_name(text)]
    except ValueError as exc:
        return ["error", str(exc)]

def valid_entry(text):
    try:
        PluginEntry(name="n", directory=text)
        return True
    except ValidationError:
        return False

def classify(text):
    try:
        kind = resolve_source(text).source_type.value
        stripped = text.strip()
        if kind == "local" and not stripped.startswith(("./", "../", "/", "~/", "~\\")):
            return "cwd-local"  # found on disk relative to the CWD (".", ".."): the lookup atk.core drops
        return kind
    except ValueError as exc:
        return "error: " + str(exc)
    except OSError:
        return "oserror"  # atk itself crashes on ./<name> lookups the OS refuses (name too long)

def handle(batch):
    return [[sanitize(t), valid_entry(t), bool(len(t) >= 2 and DIRECTORY_PATTERN.match(t)), classify(t)] for t in batch]
"""


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    if atk_peer.ATK_VENV is None:
        pytest.skip(atk_peer.NO_ATK_REASON)
    # An empty CWD: atk's resolve_source also looks for ./<source> on disk.
    peer = atk_peer.Oracle(ORACLE_SOURCE, cwd=str(tmp_path_factory.mktemp("empty-cwd")))
    yield peer
    peer.close()


def ours(text):
    try:
        sanitized = ["ok", N.sanitize_directory_name(text)]
    except AtkError as exc:
        sanitized = ["error", str(exc)]
    try:
        classified = N.classify_source(text)
    except AtkError:
        classified = "error"
    return sanitized, N.is_valid_directory(text), classified


def compare(oracle, batch):
    answers = oracle(batch)
    for text, (atk_sanitized, atk_entry_ok, atk_pattern_ok, atk_classified) in zip(batch, answers):
        sanitized, valid, classified = ours(text)
        assert sanitized == atk_sanitized, text
        assert valid == atk_entry_ok == atk_pattern_ok, text
        if atk_classified in ("oserror", "cwd-local"):
            continue
        if atk_classified.startswith("error"):
            assert classified == "error", text
        else:
            assert classified == atk_classified, text


# -- sanitize_directory_name ------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("Demo Plugin_X", "demo-plugin-x"),
    ("9Single", "a9single"),
    ("Piper TTS", "piper-tts"),
    (u"Caf\u00e9", "caf"),
    ("  My   Plugin  ", "my-plugin"),
    ("a__b  c", "a-b-c"),
    ("--Fancy--Tool--", "fancy-tool"),
    ("a-_ -b", "a-b"),
    ("9", "a9"),
    ("42 Things", "a42-things"),
    ("-1-", "a1"),
    ("Git Thing", "git-thing"),
    ("fancy", "fancy"),
])
def test_sanitize_examples(name, expected):
    assert N.sanitize_directory_name(name) == expected
    assert N.is_valid_directory(expected)


@pytest.mark.parametrize("name, reason", [
    ("", "empty after trimming"),
    ("   \t\n", "empty after trimming"),
    ("!!!", "empty after processing"),
    ("- _ -", "empty after processing"),
    (u"\u00e9\u00e8", "empty after processing"),
    ("x", "result too short"),
    ("_Q_", "result too short"),
    (u"\u00e9x\u00e9", "result too short"),
])
def test_sanitize_errors_use_atks_messages(name, reason):
    with pytest.raises(AtkError) as info:
        N.sanitize_directory_name(name)
    assert str(info.value) == "Display name '%s' cannot be sanitized: %s" % (name, reason)


# -- DIRECTORY_PATTERN ---------------------------------------------------------------------

@pytest.mark.parametrize("directory", ["x", "a--b", "a-", "A1", "ab_c", "1ab", "", "-ab", "ab-", " ab", "ab ", "a.b", u"\u00e9t\u00e9"])
def test_directory_pattern_rejects(directory):
    assert not N.is_valid_directory(directory)


@pytest.mark.parametrize("directory", ["ab", "a1", "a-1", "demo-plugin-x", "a9single", "piper", "x1-y2-z3"])
def test_directory_pattern_accepts(directory):
    assert N.is_valid_directory(directory)


@pytest.mark.parametrize("value", [None, 12, b"ab", ["ab"]])
def test_non_strings_are_not_directories(value):
    assert not N.is_valid_directory(value)


def test_directory_pattern_is_atks():
    assert N.DIRECTORY_PATTERN.pattern == r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"


# -- classify_source -----------------------------------------------------------------------

@pytest.mark.parametrize("source, kind", [
    ("./x", "local"),
    ("../x", "local"),
    ("/x", "local"),
    ("~/x", "local"),
    ("~\\x", "local"),
    ("  ./padded  ", "local"),
    ("./", "local"),
    ("git@github.com:org/repo.git", "git"),
    ("git@host:x", "git"),
    ("https://github.com/org/repo", "git"),
    ("http://example.org/r", "git"),
    ("file:///srv/git/repo", "git"),
    ("github.com/org/repo", "git"),
    ("example.org/acme/gitplug", "git"),
    ("exa", "registry"),
    ("piper", "registry"),
    ("my.plugin", "registry"),
    ("git@host", "registry"),
    ("org/repo", "registry"),
    ("~x", "registry"),
    ("ftp://host/x", "registry"),
])
def test_classify_source(source, kind):
    assert N.classify_source(source) == kind


@pytest.mark.parametrize("source", ["", "   ", "\t\n"])
def test_classify_empty_source_is_an_error(source):
    with pytest.raises(AtkError):
        N.classify_source(source)


def test_existing_folder_does_not_make_a_name_local(tmp_path, monkeypatch):
    """By design: atk would add ./exa as a local plugin; a playbook must not depend on its CWD."""
    (tmp_path / "exa").mkdir()
    (tmp_path / "github.com").mkdir()
    monkeypatch.chdir(tmp_path)
    assert N.classify_source("exa") == "registry"
    assert N.classify_source("github.com/org/repo") == "git"


@atk_peer.needs_atk
def test_existing_folder_is_where_atk_differs(tmp_path):
    (tmp_path / "exa").mkdir()
    answer = atk_peer.atk_python(
        "from atk.source import resolve_source\nRESULT = [resolve_source(s).source_type.value for s in PAYLOAD]",
        ["exa", "piper"], cwd=str(tmp_path))
    assert answer == ["local", "registry"]
    assert [N.classify_source(s) for s in ("exa", "piper")] == ["registry", "registry"]


# -- differential against atk -------------------------------------------------------------

FIXED_BATCH = [
    "Demo Plugin_X", "9Single", "Piper TTS", u"Caf\u00e9", "", " ", "x", "ab", "ab\n", "a\n", "a-\n", "AB", "a--b",
    u"\u0130stanbul", u"\u0131x", u"\u01c5ab", u"\u212a", u"\uff21\uff22", "\u00a0ab\u00a0", "\u2028x y\u2029",
    "ab\x00", "_9_", "-9-", "a b_c-d", "\tTabbed\tName\t", u"\U0001f600 Smile", "a" * 300,
    "./x", "../x", "/x", "~/x", "~\\x", "git@host:x", "git@host", "https://h/x", "http://h/x", "file:///x",
    "github.com/org/repo", "org/repo", "a.b", "a.b/c", " exa ",
]

NAME_ALPHABET = list(u"aZz09 _-.\t\n/:~@\\\u00e9\u00c9\u00df\u0130\u0131\u00a0\u2014\u01c5\u212a\uff21\u0660")
names = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(NAME_ALPHABET), max_size=12),
    st.from_regex(r"\A[a-z][a-z0-9]*(-[a-z0-9]+)*\n?\Z"),
    st.from_regex(r"\A[ _A-Za-z0-9-]{0,6}\Z"),
)


@atk_peer.needs_atk
def test_fixed_batch_agrees_with_atk(oracle):
    compare(oracle, FIXED_BATCH)


@atk_peer.needs_atk
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(names, min_size=1, max_size=60))
def test_sanitize_and_pattern_agree_with_atk(oracle, batch):
    compare(oracle, batch)
