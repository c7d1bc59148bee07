#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_service
short_description: Start, stop and restart the services of ATK plugins idempotently
version_added: "0.1.0"
description:
  - Runs a plugin's own C(start) and C(stop) lifecycle commands from its C(plugin.yaml) the way C(atk start),
    C(atk stop) and C(atk restart) do, made idempotent through the plugin's C(status) command.
  - Commands run with C(/bin/sh -c) in the plugin folder, with the environment of the user running the module
    plus the plugin's C(.env) (the C(.env) wins). Plugin defaults and C(ATK_PLUGIN_DIR) are not exported, as with
    atk. When C(custom/docker-compose.override.yml) exists, a command starting with C(docker compose) gets
    C(-f docker-compose.yml -f custom/docker-compose.override.yml), as atk does.
  - The C(status) command runs without the C(.env), as C(atk status) runs it; exit code 0 means running.
    V(started) runs C(start) only when C(status) says the service is not running, V(stopped) runs C(stop) only
    when it is running, V(restarted) always runs C(stop) then C(start).
  - A plugin without a C(status) command cannot be checked; its command then runs every time, with a warning and
    RV(plugins[].idempotence=unknown).
  - Before a start, every required environment variable must be set (in C(.env), even empty, or in the
    environment) and no port the plugin declares may already be listening; the failure names the variables, or
    the port, the plugin and what the port is for. Ports are probed from Python (C(nc) is not needed).
author:
  - atk.core maintainers (@atk-core)
options:
  name:
    description:
      - One plugin, by directory or display name (atk's lookup; the first manifest entry that matches).
    type: str
  names:
    description:
      - Several plugins, as O(name). V(stopped) handles them in reverse order; V(restarted) stops them all
        (reverse order) and starts them only when every stop succeeded, like C(atk restart --all).
    type: list
    elements: str
  all:
    description: Every plugin of the manifest, in manifest order (like C(atk start --all)).
    type: bool
    default: false
  state:
    description: The wanted state of the services.
    type: str
    choices: [started, stopped, restarted]
    default: started
  wait_health:
    description:
      - After V(started) or V(restarted), wait until the plugin's C(lifecycle.health_endpoint) answers with an
        HTTP status below 400. A plugin without one gets a warning.
      - atk itself never reads C(health_endpoint).
    type: bool
    default: false
  health_timeout:
    description: Seconds to wait for O(wait_health) before failing.
    type: int
    default: 60
  status_timeout:
    description: Seconds a C(status) command may take; a command still running then is killed and the module fails.
    type: int
    default: 60
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements
attributes:
  check_mode:
    details:
      - Only the read-only C(status) commands run (and the port probe); the result says what would run.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - Idempotent for plugins with a C(status) command. Without one, the command runs every time.
      - V(restarted) always changes.
seealso:
  - module: atk.core.atk_info
  - module: atk.core.atk_plugin
notes:
  - The output of each command goes to C(<home>/.git/atk-core/logs/<directory>.<start|stop>.log) (mode 0600), never
    into the result; a failure message shows its tail, with the plugin's C(.env) values masked.
  - Each command runs in its own session, so a service a start script leaves running outlives the Ansible connection.
  - Unlike atk, the required-variable check of V(restarted) happens before the stop, so a restart that cannot start
    does not stop the service first.
"""

EXAMPLES = r"""
- name: Make sure the Langfuse stack runs and answers
  atk.core.atk_service:
    name: langfuse
    state: started
    wait_health: true
    health_timeout: 120

- name: Stop two plugins (in reverse order)
  atk.core.atk_service:
    names: [openmemory, piper]
    state: stopped

- name: What would start?
  atk.core.atk_service:
    all: true
  check_mode: true
  register: would_start

- name: Restart after changing a .env value
  atk.core.atk_service:
    name: Piper TTS
    state: restarted
"""

RETURN = r"""
plugins:
  description: One entry per plugin, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    plugin:
      description: The plugin's directory under C(plugins/).
      type: str
    name:
      description: The plugin's display name (plugin.yaml C(name)).
      type: str
    action:
      description: V(start), V(stop), V(restart) or V(none).
      type: str
    changed:
      description: Whether a command ran (or would run, in check mode).
      type: bool
    before:
      description: V(running), V(stopped) or V(unknown) (no C(status) command).
      type: str
    after:
      description: The C(status) after the action (predicted in check mode), V(unknown) without a C(status) command.
      type: str
    command:
      description:
        - The shell command run (or that would run), C(stop) and C(start) joined by C( && ) for a restart; null when
          nothing runs. Commands come from plugin.yaml, so they never hold a C(.env) value.
      type: str
    commands:
      description: The shell commands, in order.
      type: list
      elements: str
    idempotence:
      description: V(status) when a C(status) command decides, V(unknown) when the plugin has none.
      type: str
    health:
      description: V(not checked), V(healthy), V(unhealthy) or V(no endpoint).
      type: str
    health_status:
      description: The last HTTP status of the health endpoint.
      type: int
    logs:
      description: Files holding the output of the commands run.
      type: list
      elements: str
    error:
      description: Why this plugin failed.
      type: str
  sample:
    - {"plugin": "piper", "name": "Piper TTS", "action": "start", "changed": true, "before": "stopped", "after": "running",
       "command": "docker compose up -d", "commands": ["docker compose up -d"], "idempotence": "status", "health": "not checked",
       "health_status": null, "logs": ["/home/me/.atk/.git/atk-core/logs/piper.start.log"], "error": null}
home:
  description: The home's absolute path.
  returned: always
  type: str
state:
  description: The state asked for.
  returned: always
  type: str
"""

from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _service
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_SERVICE, **_specs.ATK_SERVICE_RULES), _service.service_task, git=False)


if __name__ == "__main__":
    main()
