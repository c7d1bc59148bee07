# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _envfile against the real python-dotenv (the reader atk 0.4.0 uses).

python-dotenv is a test dependency only. Older python-dotenv releases that atk accepts
(>= 1.2.1; 1.2.1/1.2.2 have a different quoted-value grammar) are checked too when
ATK_CORE_DOTENV_COMPAT_DIRS lists directories that each hold an unpacked ``dotenv`` package
(e.g. from ``pip download --no-deps python-dotenv==1.2.1`` + unzip); otherwise those
tests are skipped.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import stat
import sys
import tempfile
from unittest import mock

import dotenv
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _dotenv as D
from ansible_collections.atk.core.plugins.module_utils import _envfile as E
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

logging.getLogger("dotenv").setLevel(logging.ERROR)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The process environment used while python-dotenv interpolates: a few names that our
# generated texts reference, so that interpolation really happens.
TEST_ENV = {"HOME": "/home/envuser", "A": "env-a", "PATH": "/bin", "X_1": "env x"}


def _read_with(module, text):
    """``module.dotenv_values(path)`` for ``text`` written byte-exactly to a file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, ".env")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        with mock.patch.dict(os.environ, TEST_ENV, clear=True):
            return dict(module.dotenv_values(path))


def real_values(text):
    return _read_with(dotenv, text)


def atk_values(text):
    """What atk's ``load_env_file`` returns."""
    return dict((k, v) for k, v in real_values(text).items() if v is not None)


def _load_compat_dotenvs():
    result = []
    dirs = os.environ.get("ATK_CORE_DOTENV_COMPAT_DIRS", "")
    for index, directory in enumerate(d for d in dirs.split(os.pathsep) if d):
        package = os.path.join(directory, "dotenv")
        alias = "_atk_core_compat_dotenv_%d" % index
        spec = importlib.util.spec_from_file_location(
            alias, os.path.join(package, "__init__.py"), submodule_search_locations=[package])
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        spec.loader.exec_module(module)
        version = {}
        with open(os.path.join(package, "version.py")) as handle:
            exec(handle.read(), version)
        result.append((version.get("__version__", directory), module))
    return result


COMPAT_DOTENVS = _load_compat_dotenvs()


# ---------------------------------------------------------------------------------------------
# Strategies

def _writable(char):
    import unicodedata
    category = unicodedata.category(char)
    return char in "\t\n\r" or category not in ("Cc", "Cs")


# Characters that matter to the grammar, plus general unicode.
SPECIAL = list(" \t\n\r'\"#=\\${}:-") + [
    "${", "${A}", "${HOME}", "${=:-$}", "${X:-d}", "\\n", "\\\"", " #",
    "\u00a0", "\u2028", "\u3000", "\ufeff", "é", "💡", "export "]
values_strategy = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=3).filter(lambda t: all(map(_writable, t)))),
             max_size=12).map("".join),
    st.text(st.characters(codec="utf-8").filter(_writable), max_size=20),
)
names_strategy = st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,6}\Z")

# Arbitrary .env-ish text, to check the parser against python-dotenv line for line.
TEXT_PIECES = ["A", "B", "HOME", "KEY_1", "=", "= ", "'", '"', "\\", "#", " ", "\t", "\n", "\r\n", "\r", "$",
               "${A}", "${B:-x}", "${", "}", ":", "-", "export ", "é", "\u00a0", "\x0c", "\ufeff", "x", "1",
               "\\n", "\\\"", "\\'", " # c", "\n\n"]
text_strategy = st.lists(st.sampled_from(TEXT_PIECES), max_size=40).map("".join)


def assign_lines(pairs):
    return "".join("%s=%s\n" % (key, E.quote(value, key)) for key, value in pairs)


# ---------------------------------------------------------------------------------------------
# quote(): what we write reads back identically


@SETTINGS
@given(value=values_strategy)
def test_quote_round_trips_through_real_dotenv(value):
    text = "K=" + E.quote(value, "K") + "\n"
    assert atk_values(text) == {"K": value}
    assert D.values(text, environ=TEST_ENV) == {"K": value}
    assert D.static_values(text) == {"K": value}


@SETTINGS
@given(pairs=st.lists(st.tuples(names_strategy, values_strategy), max_size=6, unique_by=lambda p: p[0]))
def test_many_quoted_values_in_one_file_round_trip(pairs):
    text = assign_lines(pairs)
    assert atk_values(text) == dict(pairs)


@pytest.mark.skipif(not COMPAT_DOTENVS, reason="ATK_CORE_DOTENV_COMPAT_DIRS not set")
@SETTINGS
@given(pairs=st.lists(st.tuples(names_strategy, values_strategy), max_size=6, unique_by=lambda p: p[0]))
def test_quoted_values_round_trip_in_older_dotenv_releases(pairs):
    text = assign_lines(pairs)
    for version, module in COMPAT_DOTENVS:
        assert dict((k, v) for k, v in _read_with(module, text).items()) == dict(pairs), version


@pytest.mark.parametrize("value, expected", [
    ("", ""),
    ("tok-123", "tok-123"),
    ("hello world", '"hello world"'),
    ("a=b", "a=b"),
    ("$HOME", "$HOME"),
    ("${HOME}", "${=:-$}{HOME}"),
    ("say \"hi\"", '"say \\"hi\\""'),
    ("line1\nline2", '"line1\\nline2"'),
    ("C:\\dir\\", "C:\\dir\\"),
    ("a dir\\", '"a dir\\\\${=:-}"'),
    ("#x", '"#x"'),
    (" x ", '" x "'),
    ("café", "café"),
])
def test_quote_forms(value, expected):
    assert E.quote(value, "K") == expected
    assert atk_values("K=" + expected + "\n") == {"K": value}


def test_dollar_sentinel_does_not_depend_on_environment():
    text = "K=" + E.quote("${HOME} ${=:-$} ${X:-d}", "K") + "\n"
    for env in ({}, {"HOME": "h", "X": "x"}, TEST_ENV):
        assert D.values(text, environ=env) == {"K": "${HOME} ${=:-$} ${X:-d}"}
    assert atk_values(text) == {"K": "${HOME} ${=:-$} ${X:-d}"}


# ---------------------------------------------------------------------------------------------
# Refusals: clear errors naming the key, never the value


@pytest.mark.parametrize("value, words", [
    ("sec\x00ret", "NUL"),
    ("sec\x1bret", "control character"),
    ("sec\x7fret", "control character"),
    ("sec\x85ret", "control character"),
    ("sec\ud800ret", "surrogate"),
])
def test_unwritable_values_are_refused_naming_the_key(value, words):
    with pytest.raises(AtkError) as info:
        E.quote(value, "MY_SECRET")
    message = str(info.value)
    assert "MY_SECRET" in message and words in message
    assert "sec" not in message.replace("MY_SECRET", "")
    with pytest.raises(AtkError):
        E.set_values("A=1\n", {"MY_SECRET": value})


def test_non_string_value_is_refused():
    with pytest.raises(AtkError) as info:
        E.set_values("", {"PORT": 8080})
    assert "PORT" in str(info.value) and "8080" not in str(info.value)


@pytest.mark.parametrize("name", ["lower", "1ABC", "A-B", "A B", "", "ÄB", "A=B"])
def test_invalid_names_are_refused(name):
    with pytest.raises(AtkError):
        E.set_values("", {name: "v"})


def test_set_and_remove_same_key_is_refused():
    with pytest.raises(AtkError):
        E.update("A=1\n", set_values={"A": "2"}, remove=["A"])


# ---------------------------------------------------------------------------------------------
# parse()/render()/values() against python-dotenv on arbitrary text


@SETTINGS
@given(text=text_strategy)
def test_parser_matches_python_dotenv_on_arbitrary_text(text):
    expected = real_values(text)
    with mock.patch.dict(os.environ, TEST_ENV, clear=True):
        ours = D.values(text, include_unset=True)
    assert ours == expected
    assert list(ours) == list(expected)
    assert D.values(text, environ=TEST_ENV) == dict((k, v) for k, v in expected.items() if v is not None)


@SETTINGS
@given(text=text_strategy)
def test_render_of_parse_is_byte_identical(text):
    document = D.parse(text)
    rendered = D.render(document)
    body = text[1:] if text.startswith("\ufeff") else text
    mixed = "\r" in body and not (body.count("\r\n") == body.count("\n") == body.count("\r"))
    if mixed:
        assert rendered.replace("\r\n", "\n").replace("\r", "\n") == text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        assert rendered == text


@pytest.mark.parametrize("text", [
    "",
    "\n",
    "A=1",
    "A=1\n\n\n# c\n   \nB=2   # tail\n",
    "export A='x y'\n",
    "A=\"multi\nline\"\nB=2\n",
    "A=\"unterminated\nB=2\n",
    "junk line\nA=1\n",
    "A\nB=\n",
    "\ufeffA=1\n",
    "A=1\r\nB=\"x y\"\r\n",
    "  indented=1\n\t\n",
])
def test_examples_parse_and_render(text):
    assert D.render(D.parse(text)) == text
    assert D.values(text, environ=TEST_ENV, include_unset=True) == real_values(text)


def test_line_kinds():
    text = "# c\n\nA=1\nB\nbad line here\n"
    kinds = [(line.kind, line.key) for line in D.parse(text)]
    assert kinds == [("comment", None), ("blank", None), ("assign", "A"), ("bare", "B"), ("error", None)]
    assert D.parse(text).keys() == ["A"]


def test_repr_never_shows_text():
    line = D.parse("SECRET=hunter2\n").lines[0]
    assert "hunter2" not in repr(line)


# ---------------------------------------------------------------------------------------------
# atk's own writer output is kept byte for byte


def atk_save_env_file(env_vars, descriptions=None):
    """atk 0.4.0 ``atk.env.save_env_file`` (copied verbatim, minus the file write)."""
    descriptions = descriptions or {}
    lines = []
    for key, value in env_vars.items():
        if key in descriptions:
            lines.append(f"# {descriptions[key]}")
        if " " in value:
            value = f'"{value}"'
        lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n" if lines else ""


ATK_EXAMPLE = "# A secret token\nDEMO_TOKEN=tok-123\n# Greeting with space\nDEMO_GREETING=\"hello world\"\n"

# Values atk's writer round-trips (docs/atk-compatibility.md §6.1): no '"', no newline, no "${", no '\'
# inside quotes, no leading/trailing blanks, no " #".
atk_safe_values = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Pd", "Po", "Zs"),
                                        blacklist_characters="\"#'\\\u2028\u2029\x85"), max_size=20)


def test_atk_example_is_untouched_when_values_already_match():
    assert D.render(D.parse(ATK_EXAMPLE)) == ATK_EXAMPLE
    new, added, changed, removed = E.set_values(ATK_EXAMPLE, {"DEMO_TOKEN": "tok-123", "DEMO_GREETING": "hello world"})
    assert new is ATK_EXAMPLE or new == ATK_EXAMPLE
    assert (added, changed, removed) == ([], [], [])


@SETTINGS
@given(pairs=st.lists(st.tuples(names_strategy, atk_safe_values), max_size=6, unique_by=lambda p: p[0]),
       described=st.booleans())
def test_atk_writer_output_is_kept_byte_identical(pairs, described):
    mapping = dict(pairs)
    assume(all(atk_values("K=" + ('"%s"' % v if " " in v else v) + "\n") == {"K": v} for v in mapping.values()))
    text = atk_save_env_file(mapping, dict((k, "about " + k) for k in mapping) if described else None)
    assert D.render(D.parse(text)) == text
    assert D.values(text, environ={}) == mapping
    new, added, changed, removed = E.set_values(text, mapping)
    assert new == text and (added, changed, removed) == ([], [], [])


def test_atk_can_read_what_we_write_and_we_read_what_atk_rewrites():
    # We add a key the way atk setup would, with a description comment.
    new, added, dummy, dummy = E.set_values(ATK_EXAMPLE, {"NEW_VAR": "some value"}, descriptions={"NEW_VAR": "A new var"})
    assert added == ["NEW_VAR"]
    assert new == ATK_EXAMPLE + "# A new var\nNEW_VAR=\"some value\"\n"
    # atk setup re-serialises from dict(existing): same values, and we see no change.
    rewritten = atk_save_env_file(atk_values(new))
    assert E.set_values(rewritten, atk_values(new))[1:] == ([], [], [])


# ---------------------------------------------------------------------------------------------
# Editing keeps everything else in place


MESSY = (
    "# header comment\n"
    "\n"
    "export KEEP_ME='single quoted'   # inline\n"
    "A=old # note about A\n"
    "junk that does not parse\n"
    "B\n"
    "  C=\"c c\"\n"
    "D=1\n"
    "D=2\n"
    "# footer"
)


def test_set_keeps_comments_unknown_lines_and_inline_comments():
    new, added, changed, removed = E.set_values(MESSY, {"A": "new value", "B": "b", "D": "3", "E": "e"})
    assert (added, changed, removed) == (["B", "E"], ["A", "D"], [])
    assert new == (
        "# header comment\n"
        "\n"
        "export KEEP_ME='single quoted'   # inline\n"
        "A=\"new value\" # note about A\n"
        "junk that does not parse\n"
        "B=b\n"
        "  C=\"c c\"\n"
        "D=3\n"
        "# footer\n"
        "E=e\n"
    )
    assert atk_values(new) == {"KEEP_ME": "single quoted", "A": "new value", "B": "b", "C": "c c", "D": "3", "E": "e"}


def test_empty_value_with_inline_comment_is_written_portably():
    new = E.set_values("A=x # why\n", {"A": ""})[0]
    assert new == "A=\"\" # why\n"
    assert atk_values(new) == {"A": ""}
    new = E.set_values("A=\"x\"#why\n", {"A": "y"})[0]
    assert new == "A=y #why\n" and atk_values(new) == {"A": "y"}


def test_remove_keeps_other_lines_and_drops_atk_description_comment():
    new, added, changed, removed = E.remove_keys(ATK_EXAMPLE, ["DEMO_TOKEN", "MISSING"],
                                                 descriptions={"DEMO_TOKEN": "A secret token"})
    assert (added, changed, removed) == ([], [], ["DEMO_TOKEN"])
    assert new == "# Greeting with space\nDEMO_GREETING=\"hello world\"\n"
    # Without the description, the comment stays.
    new = E.remove_keys(ATK_EXAMPLE, ["DEMO_TOKEN"])[0]
    assert new == "# A secret token\n# Greeting with space\nDEMO_GREETING=\"hello world\"\n"
    # All lines of a duplicated key go.
    assert E.remove_keys(MESSY, ["D"])[0] == MESSY.replace("D=1\nD=2\n", "")


def test_remove_nothing_returns_same_text():
    assert E.remove_keys(MESSY, ["NOPE"]) == (MESSY, [], [], [])


def test_values_that_read_the_same_are_not_rewritten():
    text = "A='x'\nB=\"y z\"\nC=plain # c\nexport D=\"\"\n"
    assert E.set_values(text, {"A": "x", "B": "y z", "C": "plain", "D": ""}) == (text, [], [], [])


def test_environment_dependent_values_are_rewritten_literally():
    text = "A=${HOME}/x\n"
    new, added, changed, removed = E.set_values(text, {"A": "/home/envuser/x"})
    assert changed == ["A"] and new == "A=/home/envuser/x\n"
    text = "A=${HOME}/x\n"
    new = E.set_values(text, {"A": "${HOME}/x"})[0]
    assert new == "A=${=:-$}{HOME}/x\n" and atk_values(new) == {"A": "${HOME}/x"}
    assert E.set_values(new, {"A": "${HOME}/x"}) == (new, [], [], [])
    # Reads as "x" without the variable, but atk may see it set: never "already equal".
    assert D.static_values("A=${UNSET_HERE}x\nB=${=:-$}{x}\n") == {"B": "${x}"}
    assert E.set_values("A=${UNSET_HERE}x\n", {"A": "x"})[0] == "A=x\n"


def test_unterminated_quote_that_would_swallow_our_line_is_refused():
    text = "A=\"unterminated\n"
    with pytest.raises(AtkError) as info:
        E.set_values(text, {"B": "x \" y"})
    assert "line 1" in str(info.value)
    # Appending a line that cannot interact is fine and keeps the broken line as is.
    new = E.set_values(text, {"B": "x"})[0]
    assert new == text + "B=x\n" and atk_values(new) == {"B": "x"}


def test_crlf_and_bom_are_kept():
    text = "\ufeff# c\r\nA=1\r\n"
    new = E.set_values(text, {"A": "2", "B": "b c"})[0]
    assert new == "\ufeff# c\r\nA=2\r\nB=\"b c\"\r\n"
    assert atk_values(new) == {"A": "2", "B": "b c"}


def test_missing_final_newline_gets_one_before_appending():
    new = E.set_values("A=1", {"B": "2"})[0]
    assert new == "A=1\nB=2\n"


@SETTINGS
@given(text=text_strategy,
       changes=st.dictionaries(st.sampled_from(["A", "B", "HOME", "KEY_1", "NEW"]), values_strategy, max_size=3),
       drop=st.lists(st.sampled_from(["A", "B", "HOME", "KEY_1", "x"]), max_size=2))
def test_edits_on_arbitrary_files_read_back_as_intended(text, changes, drop):
    drop = [k for k in drop if k not in changes]
    try:
        new, added, changed, removed = E.update(text, set_values=changes, remove=drop)
    except AtkError:
        # Only refused when the existing file has a statement python-dotenv cannot parse, or when an edit would
        # make a line that starts with U+FEFF the file's first (python-dotenv then reads it as a BOM, not a key).
        assert any(line.kind == "error" for line in D.parse(text)) or "\n\ufeff" in text
        return
    with mock.patch.dict(os.environ, TEST_ENV, clear=True):
        before_raw = dict(dotenv.dotenv_values(stream=io.StringIO(D.render(D.parse(text)).replace("\r\n", "\n")),
                                               interpolate=False))
    after = real_values(new)
    for key, value in changes.items():
        assert after[key] == value
    for key in drop:
        assert key not in after
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, ".env")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(new)
        after_raw = dict(dotenv.dotenv_values(path, interpolate=False))
    managed = set(changes) | set(drop)
    assert dict((k, v) for k, v in after_raw.items() if k not in managed) == \
        dict((k, v) for k, v in before_raw.items() if k not in managed)
    if not (added or changed or removed):
        assert new == text


# ---------------------------------------------------------------------------------------------
# Files


def test_write_file_is_0600_atomic_and_follows_symlinks(tmp_path):
    target = tmp_path / "real.env"
    link = tmp_path / ".env"
    target.write_text("A=1\n")
    os.chmod(str(target), 0o644)
    link.symlink_to(target.name)
    E.write_file(str(link), "A=2\n")
    assert link.is_symlink()
    assert target.read_text() == "A=2\n"
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o600
    assert not [p for p in os.listdir(str(tmp_path)) if p.startswith(".atk-core-tmp-")]


def test_temp_files_are_covered_by_the_secrets_gitignore_and_leftovers_go(tmp_path):
    import fnmatch
    leftover = tmp_path / (".atk-core-tmp-killed" + E.TEMP_SUFFIX)
    leftover.write_text("SECRET=x\n")
    assert fnmatch.fnmatch(leftover.name, "*.env")
    E.write_file(str(tmp_path / ".env"), "A=1\n")
    assert sorted(os.listdir(str(tmp_path))) == [".env"]


def test_temp_file_goes_to_temp_dir_never_the_plugin_folder(tmp_path, monkeypatch):
    plugin, state = tmp_path / "home" / "plugins" / "p", tmp_path / "home" / ".git" / "atk-core"
    plugin.mkdir(parents=True)
    state.mkdir(parents=True)
    (state / (".atk-core-tmp-killed" + E.TEMP_SUFFIX)).write_text("SECRET=x\n")  # an earlier killed run's
    renames = []
    real_rename = os.rename

    def rename(src, dst):
        renames.append(os.path.dirname(src))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    E.write_file(str(plugin / ".env"), "A=1\n", temp_dir=str(state))
    assert renames == [str(state)]
    assert (plugin / ".env").read_text() == "A=1\n"
    assert sorted(os.listdir(str(plugin))) == [".env"] and os.listdir(str(state)) == []
    E.write_file(str(plugin / ".env"), "A=2\n", temp_dir=str(tmp_path / "missing"))  # falls back to the folder
    assert renames[-1] == str(plugin) and (plugin / ".env").read_text() == "A=2\n"


def test_write_new_file_has_mode_0600_even_with_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        E.write_file(str(tmp_path / ".env"), "A=1\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / ".env")).st_mode) == 0o600


def test_read_file(tmp_path):
    assert E.read_file(str(tmp_path / "missing")) is None
    (tmp_path / "ok").write_bytes("A=é\n".encode("utf-8"))
    assert E.read_file(str(tmp_path / "ok")) == "A=é\n"
    (tmp_path / "bad").write_bytes(b"A=\xff\n")
    with pytest.raises(AtkError) as info:
        E.read_file(str(tmp_path / "bad"))
    assert "UTF-8" in str(info.value)


def test_unchanged_values_give_back_the_same_text(tmp_path):
    """Setting values a file already has returns its text unchanged (comments, order, quoting),
    with nothing reported, so a caller can compare and skip the write. That the file is then left
    alone (same inode, old mtime) is tested through the caller: test_env.py,
    test_set_then_idempotent_with_untouched_file."""
    path = tmp_path / ".env"
    path.write_text(ATK_EXAMPLE)
    text = E.read_file(str(path))
    new, added, changed, removed = E.set_values(text, {"DEMO_TOKEN": "tok-123", "DEMO_GREETING": "hello world"})
    assert new == text
    assert (added, changed, removed) == ([], [], [])
    assert E.set_values(text, {"DEMO_TOKEN": "tok-124"})[0] != text
