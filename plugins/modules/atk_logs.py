#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_logs
short_description: Read the logs of ATK plugins, bounded in lines and time, secrets masked
version_added: "0.2.0"
description:
  - Runs each plugin's C(logs) lifecycle command the way C(atk logs <plugin>) does (C(/bin/sh -c) in the plugin folder,
    with the environment plus the plugin's C(.env)) and returns the last O(lines) lines it printed.
  - Bounded in time too - a command that follows its log (C(docker compose logs -f)) is stopped after O(timeout)
    seconds and what it printed until then is the answer (RV(plugins[].timed_out)).
  - The values of the plugin's secret variables are masked in every line (the variables plugin.yaml declares C(secret),
    and any C(.env) key it does not declare).
  - A plugin without a C(logs) command is listed with RV(plugins[].defined=false) and no lines.
author:
  - atk.core maintainers (@atk-core)
options:
  lines:
    description: How many of the last lines to return per plugin.
    type: int
    default: 100
  timeout:
    description: Seconds each C(logs) command may run; it is then stopped (with everything it started in its session).
    type: int
    default: 10
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements
  - atk.core.plugin.plugins
attributes:
  check_mode:
    details:
      - The C(logs) commands run in check mode too; they only read. Nothing changes.
  diff_mode:
    support: none
seealso:
  - module: atk.core.atk_service
  - module: atk.core.atk_info
  - module: atk.core.atk_run
notes:
  - A C(logs) command that exits with another code than 0 fails the task (the result still lists every plugin); a command
    stopped by O(timeout) does not.
  - The output is written to C(<home>/.git/atk-core/logs/<plugin>.logs.log) (mode 0600) while the command runs and deleted
    once read.
"""

EXAMPLES = r"""
- name: The last 50 lines of Langfuse's logs
  atk.core.atk_logs:
    plugins: [langfuse]
    lines: 50
  register: langfuse_logs

- name: Show them
  ansible.builtin.debug:
    var: langfuse_logs.logs.langfuse

- name: Every plugin's logs, at most 5 seconds each (for a support bundle)
  atk.core.atk_logs:
    timeout: 5
  register: all_logs
"""

RETURN = r"""
logs:
  description: The lines of each plugin, by directory (empty for a plugin without a C(logs) command).
  returned: always
  type: dict
  sample: {"langfuse": ["langfuse-web-1  | Ready in 1.2s", "langfuse-web-1  | token=********"]}
plugins:
  description: One entry per plugin, in the order asked (manifest order for all).
  returned: always
  type: list
  elements: dict
  contains:
    plugin:
      description: The plugin's directory under C(plugins/).
      type: str
    name:
      description: The plugin's display name.
      type: str
    defined:
      description: Whether the plugin has a C(logs) command.
      type: bool
    command:
      description: The C(logs) command that ran (from plugin.yaml, so it holds no C(.env) value).
      type: str
    rc:
      description: Its exit code; null when it was stopped by O(timeout) or is not defined.
      type: int
    timed_out:
      description: Whether O(timeout) stopped it.
      type: bool
    lines:
      description: The last O(lines) lines, secrets masked.
      type: list
      elements: str
    truncated:
      description: Whether the command printed more lines than returned.
      type: bool
  sample:
    - {"plugin": "langfuse", "name": "LangFuse", "defined": true, "command": "docker compose logs --tail 200", "rc": 0,
       "timed_out": false, "lines": ["langfuse-web-1  | Ready in 1.2s"], "truncated": false}
home:
  description: The home's absolute path.
  returned: always
  type: str
"""

from ansible_collections.atk.core.plugins.module_utils import _logs
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_LOGS), _logs.logs_task, git=False)


if __name__ == "__main__":
    main()
