# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a program: the runner contract every other file takes. PRIVATE to the collection.

A runner is ``run(argv, cwd=None, env_update=None, data=None) -> (rc, stdout, stderr)``: an
argument list (never a shell string), the process environment plus ``env_update``, stdin from
``data`` (text) or /dev/null (nothing may wait for a terminal), output as text (UTF-8 with
``surrogateescape``: file names are bytes to git). Modules pass ``_module.make_runner(module)``
(over ``AnsibleModule.run_command``); tests and in-process callers use :func:`subprocess_runner`.
"""

from __future__ import annotations

import os
import subprocess


def subprocess_runner(argv, cwd=None, env_update=None, data=None):
    """The runner contract over ``subprocess.run``."""
    env = dict(os.environ)
    env.update(env_update or {})
    kwargs = {"stdin": subprocess.DEVNULL} if data is None else {"input": data}
    proc = subprocess.run(list(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          encoding="utf-8", errors="surrogateescape", check=False, **kwargs)
    return proc.returncode, proc.stdout, proc.stderr
