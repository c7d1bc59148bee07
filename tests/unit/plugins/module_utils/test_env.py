# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _env, atk_env's logic: pure helpers, then converge_env on a hand-made home."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.atk.core.plugins.module_utils import _env
from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

SECRET = "s3cr3t-Value with \"quotes\" and ${HOME}"

VARS = [
    {"name": "API_KEY", "required": True, "secret": True, "default": None, "description": "The API key"},
    {"name": "PORT", "required": False, "secret": False, "default": "8080", "description": "Port"},
    {"name": "MODE", "required": True, "secret": False, "default": "fast", "description": None},
    {"name": "EMPTY_DEFAULT", "required": False, "secret": False, "default": "", "description": None},
]


# ---------------------------------------------------------------------------------------------
# Pure helpers


def test_normalize_values():
    assert _envfile.normalize_values({"A": "x", "PORT": 8080, "RATIO": 1.5, "E": ""}) == \
        {"A": "x", "PORT": "8080", "RATIO": "1.5", "E": ""}
    for bad in (True, None, ["x"], {"a": 1}):
        with pytest.raises(AtkError) as info:
            _envfile.normalize_values({"MY_KEY": bad})
        assert "MY_KEY" in str(info.value)
    with pytest.raises(AtkError):
        _envfile.normalize_values({"lower": "x"})


def test_desired_changes_present_and_absent():
    text = "A=1\nB=2\nbare\n"
    assert _env.desired_changes(text, VARS, {"A": "3"}) == ({"A": "3"}, [])
    assert _env.desired_changes(text, VARS, {"A": "3"}, exclusive=True) == ({"A": "3"}, ["B", "bare"])
    assert _env.desired_changes(text, VARS, {"A": None}, state="absent", keys=["B", "A"]) == ({}, ["A", "B"])
    with pytest.raises(AtkError):
        _env.desired_changes(text, VARS, {}, state="absent", keys=["bad-name"])


def test_defaults_follow_atk_setup():
    # Missing or empty -> default; a non-empty current value stays; empty defaults are not written.
    text = "MODE=\nAPI_KEY=k\n"
    set_map, remove = _env.desired_changes(text, VARS, {}, defaults=True, environ={})
    assert set_map == {"PORT": "8080", "MODE": "fast"} and remove == []
    text = "MODE=slow\nPORT=1\n"
    assert _env.desired_changes(text, VARS, {}, defaults=True, environ={}) == ({}, [])
    # values win over defaults; exclusive keeps variables that have defaults.
    set_map, remove = _env.desired_changes("PORT=1\nOTHER=x\n", VARS, {"MODE": "m"}, defaults=True, exclusive=True,
                                           environ={})
    assert set_map == {"MODE": "m"} and remove == ["OTHER"]


def test_missing_required_is_atks_rule():
    spec = {"name": "demo", "env_vars": VARS}

    def missing(text, environ):
        return _lifecycle.missing_required(spec, _dotenv.values(text, environ=environ), environ)
    assert missing("", {}) == ["API_KEY", "MODE"]
    # Empty in .env counts as set; so does the process environment; a bare key does not.
    assert missing("API_KEY=\nMODE\n", {}) == ["MODE"]
    assert missing("API_KEY=\n", {"MODE": "x"}) == []


def test_masked_diff_never_has_values():
    before = "# c\nA=%s\nB=1\n" % _envfile.quote(SECRET, "A")
    after = "# c\nA=other\nB=1\nC=2\n"
    diff = _env.masked_diff("/x/.env", before, after, changed=["A"])
    assert diff["before"] == "A=<hidden>\nB=<hidden>\n"
    assert diff["after"] == "A=<hidden>  # changed\nB=<hidden>\nC=<hidden>\n"
    assert "s3cr3t" not in repr(diff) and "other" not in repr(diff)


def test_required_message_names_variables_only():
    message = str(_env.required_message("Exa", ["API_KEY"]))
    assert "API_KEY" in message and "Exa" in message


# ---------------------------------------------------------------------------------------------
# converge_env on a home made by hand (atk's three checks: manifest.yaml, plugins/, .git/)


PLUGIN_YAML = """schema_version: '2026-02-06'
name: Demo Plugin
description: demo
env_vars:
  - name: API_KEY
    required: true
    secret: true
    description: The API key
  - name: PORT
    default: '8080'
    description: Port
"""


@pytest.fixture
def home(tmp_path):
    root = tmp_path / "atk"
    (root / ".git").mkdir(parents=True)
    (root / "plugins" / "demo-plugin").mkdir(parents=True)
    (root / "plugins" / "demo-plugin" / "plugin.yaml").write_text(PLUGIN_YAML)
    manifest = _manifest.initial_manifest()
    manifest["plugins"].append(_manifest.make_entry("Demo Plugin", "demo-plugin", "local"))
    (root / "manifest.yaml").write_text(_manifest.dump_manifest(manifest))
    return root


def env_path(home):
    return str(home / "plugins" / "demo-plugin" / ".env")


def run(home, **kw):
    kw.setdefault("plugin", "demo-plugin")
    kw.setdefault("environ", {})
    return _env.converge_env(home=str(home), **kw)


def test_set_then_idempotent_with_untouched_file(home):
    result = run(home, values={"API_KEY": SECRET})
    assert result["changed"] is True and result["added"] == ["API_KEY"]
    assert result["after"] == {"keys": ["API_KEY"]} and result["missing_required"] == []
    assert SECRET not in repr(result)
    path = env_path(home)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        text = handle.read()
    assert text == "# The API key\nAPI_KEY=%s\n" % _envfile.quote(SECRET, "API_KEY")
    assert _dotenv.values(text, environ={"HOME": "/elsewhere"}) == {"API_KEY": SECRET}
    # An mtime in the past and the inode: a rewrite (even an atomic one, same bytes) changes both,
    # however fast it comes after the first write.
    os.utime(path, ns=(10 ** 18, 10 ** 18))
    inode = os.stat(path).st_ino
    again = run(home, values={"API_KEY": SECRET}, plugin="Demo Plugin")
    assert again["changed"] is False and (again["added"], again["changed_keys"], again["removed"]) == ([], [], [])
    assert (os.stat(path).st_mtime_ns, os.stat(path).st_ino) == (10 ** 18, inode)


def test_check_mode_writes_nothing_and_predicts(home):
    result = run(home, values={"API_KEY": "x"}, check_mode=True)
    assert result["changed"] is True and result["added"] == ["API_KEY"]
    assert not os.path.exists(env_path(home))


def test_required_check_fails_after_writing(home):
    with pytest.raises(AtkError) as info:
        run(home, values={"PORT": "1"})
    assert "API_KEY" in str(info.value)
    assert info.value.details["changed"] is True and info.value.details["missing_required"] == ["API_KEY"]
    assert _dotenv.values(open(env_path(home)).read()) == {"PORT": "1"}
    # Satisfied by the module's environment, or disabled.
    assert run(home, values={"PORT": "1"}, environ={"API_KEY": "from-env"})["missing_required"] == []
    assert run(home, values={"PORT": "1"}, check_required=False)["missing_required"] == ["API_KEY"]


def test_defaults_and_absent_and_exclusive(home):
    result = run(home, values={"API_KEY": "k"}, defaults=True)
    assert result["added"] == ["API_KEY", "PORT"]
    text = open(env_path(home)).read()
    assert text == "# The API key\nAPI_KEY=k\n# Port\nPORT=8080\n"
    result = run(home, state="absent", keys=["PORT"], check_required=False)
    assert result["removed"] == ["PORT"]
    assert open(env_path(home)).read() == "# The API key\nAPI_KEY=k\n"
    with open(env_path(home), "a") as handle:
        handle.write("# mine\nEXTRA=1\n")
    result = run(home, values={"API_KEY": "k"}, exclusive=True)
    assert result["removed"] == ["EXTRA"]
    assert open(env_path(home)).read() == "# The API key\nAPI_KEY=k\n# mine\n"


def test_bad_input_and_missing_plugin(home, tmp_path):
    with pytest.raises(AtkError) as info:
        run(home, plugin="nope", values={})
    assert "nope" in str(info.value) and "demo-plugin" in str(info.value)
    with pytest.raises(AtkError):
        run(home, values={"bad-name": "x"})
    with pytest.raises(AtkError):
        run(home, state="absent", exclusive=True)
    with pytest.raises(AtkError):
        run(home, keys=["A"])
    with pytest.raises(AtkError) as info:
        run(home, values={"API_KEY": "a\x00b"})
    assert "API_KEY" in str(info.value) and "a\x00b" not in str(info.value)
    assert not os.path.exists(env_path(home))
    # In check mode an uninstalled plugin or a missing home is a prediction, with a warning.
    warnings = []
    result = run(home, plugin="nope", values={"A": "1"}, check_mode=True, warn=warnings.append)
    assert result["added"] == ["A"] and warnings
    result = _env.converge_env(home=str(tmp_path / "none"), plugin="x", values={"A": "1"}, check_mode=True, environ={})
    assert result["changed"] is True
    with pytest.raises(AtkError):
        _env.converge_env(home=str(tmp_path / "none"), plugin="x", values={"A": "1"}, environ={})


def test_home_defaults_to_atk_home_env(home):
    result = _env.converge_env(plugin="demo-plugin", values={"API_KEY": "k"}, environ={"ATK_HOME": str(home)})
    assert result["path"] == env_path(home)
