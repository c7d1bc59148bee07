# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type of atk.core. PRIVATE to the collection: not a public API."""

from __future__ import annotations


class AtkError(Exception):
    """A failure the user can act on: ``msg`` says what is wrong, ``hint`` what to do.

    Modules turn it into ``fail_json(msg=str(error), **error.details)``; nothing in
    ``msg``, ``hint`` or ``details`` may ever hold a secret value.
    """

    def __init__(self, msg, hint=None, **details):
        super(AtkError, self).__init__(msg)
        self.msg = msg
        self.hint = hint
        self.details = details

    def __str__(self):
        if not self.hint:
            return self.msg
        # The message may end with git's own text (no full stop): keep the hint a sentence of its own.
        text = self.msg.rstrip()
        return "%s%s %s" % (text, "" if text.endswith((".", "!", "?", ":")) else ".", self.hint)
