# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk.core's own record of a home: ``<home>/.git/atk-core/state.json``. PRIVATE to the collection.

Inside ``.git``, so atk never stages or compares it. Keys (each optional when read):

* ``pending_install``: ``{directory: true}``, plugins whose install failed or waits for
  required variables; the next run retries the install;
* ``pending_commit``: ``{directory: message}``, the commit a change was made for, recorded
  before the change so a killed run's change is committed by the next one;
* ``in_flight``: ``[directory]``, folders being added, so a killed add's leftover is known
  as atk.core's own and replaced;
* ``own_commits``: ``[sha]``, the commits atk.core made that upstream does not have (yet): an
  update replays them on upstream, and lets upstream win where they conflict (_home_sync).
"""

from __future__ import annotations

import json
import os

from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home

FILENAME = "state.json"


def path(home):
    return os.path.join(_home.state_dir(home), FILENAME)


def load(home):
    """The state of ``home``; a missing or unreadable file is an empty state."""
    text = _fs.read_text(path(home))
    data = None
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        data = {}
    if not isinstance(data.get("pending_install"), dict):
        data["pending_install"] = {}
    return data


def add_own_commit(state, sha):
    own = state.setdefault("own_commits", [])
    if sha and sha not in own:
        own.append(sha)


def replay_own_commits(state, replayed):
    """After an update: the own commits are the replayed ones, under their new ids."""
    own = set(state.get("own_commits") or [])
    state["own_commits"] = [item["to"] for item in replayed if item["from"] in own]


def save(home, state):
    os.makedirs(_home.state_dir(home), exist_ok=True)
    _fs.atomic_write(path(home), json.dumps(state, indent=1, sort_keys=True) + "\n", mode=0o600)
