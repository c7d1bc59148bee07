# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_converge, pure parts: the result a run returns, compact when the plugin count is large."""

from __future__ import annotations

import pytest

from ansible_collections.atk.core.plugins.module_utils import _converge as C
from ansible_collections.atk.core.plugins.module_utils import _desired as D
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _plan as P


class NoSources(object):
    def network_calls(self):
        return 0

    def contacted(self):
        return []

    def warnings(self):
        return []


def plans(count, changed=()):
    result = []
    for number in range(count):
        directory = "p%03d" % number
        plan = P.PluginPlan(D.normalize_item({"name": directory}), M.make_entry(directory, directory, "registry", "1" * 40))
        plan.action = "resync" if number in changed else "none"
        result.append(plan)
    return result


@pytest.mark.parametrize("details, count, listed", [
    ("auto", 20, 20), ("auto", C.DETAILS_LIMIT + 1, 2), ("all", 500, 500), ("changed", 20, 2)])
def test_details(details, count, listed):
    manifest = M.initial_manifest()
    result = C._result("/h", plans(count, changed=(3, 7)), manifest, manifest, NoSources(), [], False, details)  # pylint: disable=protected-access
    assert len(result["plugins"]) == listed
    assert result["counts"] == {"plugins": count, "changed": 2, "unchanged": count - 2}
    assert len(result["unchanged_plugins"]) == count - 2 and result["changed_plugins"] == ["p003", "p007"]
