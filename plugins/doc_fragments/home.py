# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The options every module that works on an ATK home shares: ``home`` (DOCUMENTATION; atk_home names it
    O(path)) and ``lock_timeout`` (LOCK_TIMEOUT).
    (Plain literals: ansible-test's yamllint reads fragments without running them.)"""

    DOCUMENTATION = r"""
options:
  home:
    description:
      - Path of the ATK home on the managed host. Defaults to E(ATK_HOME) when set, else C(~/.atk) of the remote
        user (C(~) follows E(HOME)), as atk finds it.
    type: path
"""

    LOCK_TIMEOUT = r"""
options:
  lock_timeout:
    description:
      - Seconds to wait for another atk.core run on the same home to finish (runs on one home are serialised;
        check mode runs share the lock).
    type: int
    default: 600
"""
