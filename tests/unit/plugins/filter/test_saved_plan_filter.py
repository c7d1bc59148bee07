# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The saved_plan filter: host records -> the plan file's text, which the modules verify."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.atk.core.plugins.filter import saved_plan as F
from ansible_collections.atk.core.plugins.module_utils import _saved_plan as S

RECORD = {"home": {"path": "/h", "plugins": {}}, "home_actions": [], "plugins": []}


def test_the_filter_writes_a_plan_the_modules_accept():
    text = F.FilterModule().filters()["saved_plan"]({"web-1": RECORD, "failed-host": None})
    doc = S.load(text)
    assert list(doc["hosts"]) == ["web-1"] and text.endswith("}\n")


@pytest.mark.parametrize("records", [["web-1"], {"web-1": "not a record"}])
def test_the_filter_refuses_what_is_not_records(records):
    with pytest.raises(AnsibleFilterError):
        F.saved_plan(records)
