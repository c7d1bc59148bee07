#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atk_env
short_description: Manage the environment variables (C(.env)) of an installed ATK plugin
version_added: "0.1.0"
description:
  - Sets, removes or fills from defaults the variables in C(plugins/<dir>/.env) of an ATK home, the file
    C(atk) 0.4.0 reads (with python-dotenv) for lifecycle commands, C(atk run) and MCP configuration.
  - Values are written so that C(atk) reads back exactly the value given, whatever it contains (spaces,
    quotes, C(#), backslashes, C($) and C(${...}), newlines, Unicode). Values with NUL or other control
    characters are refused.
  - Comments, blank lines and keys the task does not manage keep their place and bytes. A key whose
    current value already reads as the desired one is not rewritten, whatever its quoting, so a file
    written by C(atk setup) converges without changes.
  - The file is replaced atomically (temporary file, fsync, rename) with mode C(0600); when nothing
    changes it is not touched at all (mtime included). When run as root, an existing file keeps its
    owner and a new one gets the owner of the plugin folder, so the user who runs C(atk) can read it.
  - Values never appear in results, diffs, warnings or error messages; only variable names do.
  - Installing the plugin is the job of M(atk.core.atk_plugin), which can also take initial values.
author:
  - atk.core maintainers (@atk-core)
options:
  home:
    description:
      - Path of the ATK home. Defaults to E(ATK_HOME) of the managed host when set, else C(~/.atk) of the
        remote user (C(~) follows E(HOME)).
    type: path
    aliases: [path]
  plugin:
    required: true
  values:
    description:
      - Variables to set, a mapping of names to values. Names must match C(^[A-Z_][A-Z0-9_]*$).
      - Values are text. Numbers are written as their text (V(8080)); booleans and null are refused because
        YAML makes them out of V(yes), V(true) or V(~) - quote the text you mean. V('') sets a variable
        empty, which C(atk) counts as set for its required check but as unset for MCP configuration.
      - With O(state=absent) only the names are used (the values may be null).
    type: dict
  keys:
    description:
      - Names of variables to remove, with O(state=absent) (in addition to the names in O(values)).
    type: list
    elements: str
  state:
    description:
      - V(present) sets O(values) (and O(defaults)); V(absent) removes the variables named in O(values) and O(keys).
      - Removing a variable also removes the C(# <description>) comment C(atk setup) wrote right above it.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), remove every variable of the file that is not in O(values) (nor filled by O(defaults)).
    type: bool
    default: false
  defaults:
    description:
      - Fill each variable of the plugin's C(plugin.yaml) that has a C(default) and whose C(.env) value is
        missing or empty with that default, as C(atk setup) does when every prompt is answered with Enter
        (including the C(# <description>) comment above a new variable). O(values) win over defaults.
      - Useful because C(atk) passes plugin.yaml defaults to lifecycle commands only when they are in C(.env).
    type: bool
    default: false
  check_required:
    description:
      - Fail when a variable that C(plugin.yaml) marks C(required) is still unset after the change, naming the
        variables. This check runs after the file is written (in check mode, on the prediction).
      - Set means what C(atk) means (C(atk install), C(atk start), C(atk status)), that is the name is in C(.env) with any
        value, the empty string included, or in the environment of the module on the managed host.
        Defaults in C(plugin.yaml) do not count.
    type: bool
    default: true
extends_documentation_fragment:
  - atk.core.home
  - atk.core.home.lock_timeout
  - atk.core.attributes
  - atk.core.requirements
  - atk.core.plugin
attributes:
  check_mode:
    details: Nothing is written; the result (names added, changed, removed, missing) is the prediction.
  diff_mode:
    support: full
    details: Shows the file as C(KEY=<hidden>) lines, before and after, with changed keys marked. Never a value.
seealso:
  - module: atk.core.atk_plugin
  - module: atk.core.atk_home
notes:
  - O(values) is a C(no_log) option, so Ansible hides it in logs and callbacks and also masks any text equal to a
    value in the task output. Very short values (for example V(1)) therefore cause harmless C(********) in
    unrelated output.
  - When looping over secrets, set C(loop_control.label) to the name (for example C("{{ item.key }}")); otherwise
    Ansible prints each loop item, value included, in its output. Better still, pass all variables of a plugin in
    one O(values) mapping, which needs no loop.
  - Keep secrets in Ansible Vault (C(ansible-vault encrypt_string) or a vaulted vars file). The C(.env) itself is
    ignored by the home's C(.gitignore) (C(*.env)), so it is never committed by C(atk) or atk.core.
  - C(atk setup) rewrites the whole file with its own writer, which quotes only values with spaces and escapes
    nothing. Values it cannot write back (ones containing C(") together with a space, C(${...}), a newline) read
    differently after C(atk setup); the next run of this module restores them (and reports a change).
  - Changing C(.env) does not re-run the plugin's install. Register the result and re-run it when it changed (see
    EXAMPLES).
  - atk.core reads the file exactly like python-dotenv (the reader C(atk) uses), including C(${VAR}) expansion. A
    current value that depends on the environment (C(${VAR})) never counts as already equal and is rewritten
    literally.
"""

EXAMPLES = r"""
- name: Set a plugin's API key from Ansible Vault
  atk.core.atk_env:
    plugin: exa
    values:
      EXA_API_KEY: "{{ vault_exa_api_key }}"   # defined in a vaulted vars file

- name: Several variables in one task (no loop, so nothing is echoed per item)
  atk.core.atk_env:
    home: /srv/atk
    plugin: Piper TTS          # display name or directory
    values:
      PIPER_VOICE: en_US-lessac-medium
      PIPER_PORT: 10200        # written as "10200"
      PIPER_GREETING: "hello world"

- name: Inline vaulted value
  atk.core.atk_env:
    plugin: github
    values:
      GITHUB_TOKEN: !vault |
        $ANSIBLE_VAULT;1.1;AES256
        6231...

- name: Fill defaults like `atk setup` with Enter everywhere, and make sure required ones are set
  atk.core.atk_env:
    plugin: openmemory
    defaults: true

- name: Only check that required variables are set (set them from the environment or .env)
  atk.core.atk_env:
    plugin: exa

- name: Exactly these variables, nothing else
  atk.core.atk_env:
    plugin: exa
    values:
      EXA_API_KEY: "{{ vault_exa_api_key }}"
    exclusive: true

- name: Remove variables
  atk.core.atk_env:
    plugin: exa
    state: absent
    keys: [OLD_TOKEN, UNUSED_FLAG]

- name: Secrets from a list, without printing them
  atk.core.atk_env:
    plugin: "{{ item.plugin }}"
    values: "{{ item.values }}"
  loop: "{{ atk_plugin_secrets }}"
  loop_control:
    label: "{{ item.plugin }}"   # never the item itself

# Re-run a plugin's install when its environment changed. atk.core.atk_plugin re-runs an install
# only when the plugin's files change (or a failed install is retried), so use atk's own
# `atk install <plugin>`, which runs the install command with the new .env, from a handler.
- name: Configure exa
  atk.core.atk_env:
    plugin: exa
    values:
      EXA_API_KEY: "{{ vault_exa_api_key }}"
  notify: Reinstall exa

- name: Or register the result and act on it in the same play
  atk.core.atk_env:
    plugin: exa
    values:
      EXA_API_KEY: "{{ vault_exa_api_key }}"
  register: exa_env

- name: Re-run the install now (atk uses $ATK_HOME, else ~/.atk)
  ansible.builtin.command: atk install exa
  when: exa_env is changed

# handlers:
#   - name: Reinstall exa
#     ansible.builtin.command: atk install exa
"""

RETURN = r"""
path:
  description: The C(.env) file.
  returned: always
  type: str
  sample: /home/me/.atk/plugins/exa/.env
plugin:
  description: The manifest entry found. Null in check mode when the plugin is not installed yet.
  returned: always
  type: dict
  sample: {"name": "Exa", "directory": "exa"}
added:
  description: Names of the variables that were not set and now are (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [EXA_API_KEY]
changed_keys:
  description: Names of the variables whose value changed. Never values.
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: Names of the variables removed.
  returned: always
  type: list
  elements: str
  sample: []
before:
  description: The variables set in C(.env) before the task.
  returned: always
  type: dict
  contains:
    keys:
      description: Sorted names.
      type: list
      elements: str
  sample: {"keys": []}
after:
  description: The variables set in C(.env) after the task (the prediction in check mode).
  returned: always
  type: dict
  contains:
    keys:
      description: Sorted names.
      type: list
      elements: str
  sample: {"keys": ["EXA_API_KEY"]}
missing_required:
  description:
    - Required variables (per C(plugin.yaml)) that are neither in C(.env) nor in the module's environment after
      the task. With O(check_required=true) the task fails when this is not empty.
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: The file as C(KEY=<hidden>) lines before and after. Never a value.
  returned: when diff mode is on
  type: dict
  sample: {"before": "", "after": "EXA_API_KEY=<hidden>\n"}
"""

from ansible_collections.atk.core.plugins.module_utils import _env
from ansible_collections.atk.core.plugins.module_utils import _module
from ansible_collections.atk.core.plugins.module_utils import _specs


def main():
    _module.run_task(_module.new(_specs.ATK_ENV), _env.env_task, git=False)


if __name__ == "__main__":
    main()
