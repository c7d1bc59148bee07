# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_state: atk.core's own record of a home (.git/atk-core/state.json)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.atk.core.plugins.module_utils import _state as ST


# -- state.json ------------------------------------------------------------------------------------------

def test_state_defaults_when_missing_or_corrupt(tmp_path):
    home = str(tmp_path)
    assert ST.load(home) == {"pending_install": {}}
    os.makedirs(os.path.join(home, ".git", "atk-core"))
    for text in ("", "{not json", "\x00\x01"):
        with open(os.path.join(home, ".git", "atk-core", "state.json"), "w") as handle:
            handle.write(text)
        assert ST.load(home) == {"pending_install": {}}


def test_state_round_trip(tmp_path):
    home = str(tmp_path)
    (tmp_path / ".git").mkdir()
    state = {"pending_install": {"piper": True}, "in_flight": ["fancy"]}
    ST.save(home, state)
    path = tmp_path / ".git" / "atk-core" / "state.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == json.dumps(state, indent=1, sort_keys=True) + "\n"
    assert ST.load(home) == state
    assert os.listdir(home) == [".git"]
    path.write_text('{"in_flight": []}')
    assert ST.load(home) == {"in_flight": [], "pending_install": {}}


@pytest.mark.parametrize("text", ["[]", "null", "42", '"text"'])
def test_state_that_is_not_an_object(tmp_path, text):
    path = tmp_path / ".git" / "atk-core" / "state.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    assert ST.load(str(tmp_path)) == {"pending_install": {}}
