# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real ``atk status`` (atk-cli 0.4.0), many times in one process (test only).

Run with the atk peer's Python (``.venv-atk/bin/python``). Reads one JSON object per stdin line,
``{"home": <ATK_HOME>, "args": ["status"]}``, runs atk's own Typer app exactly as the ``atk``
script does (``atk.cli.app``, same error handler) with ``ATK_HOME`` set, and answers one JSON
line ``{"rc": <exit code>, "output": <stdout + stderr>}``. Importing atk once instead of once per
call (about 1.3 s each) is what makes checking a home after every kill affordable.
"""

from __future__ import annotations

import io
import json
import os
import sys


def main():
    from typer.testing import CliRunner  # pylint: disable=import-outside-toplevel
    from atk import cli  # pylint: disable=import-outside-toplevel

    runner = CliRunner()
    out = sys.stdout
    sys.stdout = io.StringIO()  # nothing atk prints at import time reaches the protocol stream
    for line in sys.stdin:
        request = json.loads(line)
        os.environ["ATK_HOME"] = request["home"]
        result = runner.invoke(cli.app, request.get("args") or ["status"], catch_exceptions=True)
        code = result.exit_code
        text = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            from atk.errors import handle_cli_error  # pylint: disable=import-outside-toplevel
            code = handle_cli_error(result.exception)
            text += "\n%s: %s" % (type(result.exception).__name__, result.exception)
        out.write(json.dumps({"rc": code, "output": text}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
