# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AtkError: what is wrong, then what to do, as separate sentences."""

from __future__ import annotations

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError


def test_the_hint_is_a_sentence_of_its_own():
    # git's own text ends without a full stop: the hint must not run on from it.
    error = AtkError("Cannot reach https://host/x: fatal: unable to connect to host", hint="Check the URL.")
    assert str(error) == "Cannot reach https://host/x: fatal: unable to connect to host. Check the URL."
    assert str(AtkError("Done.", hint="Next.")) == "Done. Next."
    assert str(AtkError("Asked?", hint="Next.")) == "Asked? Next."
    assert str(AtkError("trailing space ", hint="Next.")) == "trailing space. Next."
    assert str(AtkError("no hint")) == "no hint"
