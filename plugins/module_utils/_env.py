# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of atk_env: one plugin's ``.env`` converged to desired values. PRIVATE to the collection.

Secrets: values only ever flow from the caller into :mod:`_envfile`'s writer. Nothing this file
returns, raises or warns holds a value: results carry key *names*, and the diff shows
``KEY=<hidden>`` lines.

atk's rules that matter here (docs/atk-compatibility.md §6.1-§6.3):

* a key is *set* when it is in ``.env`` with any value, ``''`` included, or in the process
  environment; a bare ``KEY`` line is not set; plugin.yaml defaults do not count;
* ``atk setup`` fills a variable from its plugin.yaml default when the ``.env`` value is missing
  or empty, and writes ``# <description>`` above each variable it configures.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _spec

ENV_FILE = ".env"
HIDDEN = "<hidden>"


# ---------------------------------------------------------------------------------------------
# Pure helpers (unit-tested without files)


def spec_vars(spec):
    """plugin.yaml ``env_vars`` with atk's defaults (name, required, secret, default, description)."""
    result = []
    for var in (spec or {}).get("env_vars") or []:
        result.append({
            "name": var["name"],
            "required": bool(var.get("required", False)),
            "secret": bool(var.get("secret", False)),
            "default": var.get("default"),
            "description": var.get("description"),
        })
    return result


def descriptions(variables):
    return dict((v["name"], v["description"]) for v in variables if v.get("description"))


def desired_changes(text, variables, values=None, state="present", keys=None, exclusive=False, defaults=False,
                    environ=None):
    """What to set and remove. -> (set_map, remove_list)

    ``values`` must already be normalised (:func:`normalize_values`) for ``state=present``;
    for ``state=absent`` only its names are used.
    """
    values = values or {}
    keys = list(keys or [])
    for key in keys:
        _envfile.validate_name(key)
    if state == "absent":
        for key in values:
            _envfile.validate_name(key)
        remove = []
        for key in list(values) + keys:
            if key not in remove:
                remove.append(key)
        return {}, remove

    set_map = dict(values)
    keep = set(values)
    if defaults:
        current = _dotenv.values(text, environ=os.environ if environ is None else environ)
        for var in variables:
            if not var.get("default"):
                continue
            keep.add(var["name"])
            # atk setup with an empty answer: the current value when it is non-empty, else the default.
            if var["name"] not in set_map and not current.get(var["name"]):
                set_map[var["name"]] = var["default"]
    remove = []
    if exclusive:
        for key in _dotenv.names(text):
            if key not in keep and key not in remove:
                remove.append(key)
    return set_map, remove


def key_order(text):
    """Names atk sees as set, in file order."""
    return list(_dotenv.values(text or "", environ={}))


def masked(text, changed=()):
    """The .env as ``KEY=<hidden>`` lines (file order); keys whose value changed are marked."""
    lines = []
    for key in key_order(text):
        lines.append("%s=%s%s\n" % (key, HIDDEN, "  # changed" if key in changed else ""))
    return "".join(lines)


def masked_diff(path, before_text, after_text, changed=()):
    return {"before_header": path, "after_header": path,
            "before": masked(before_text), "after": masked(after_text, changed)}


def required_message(plugin_name, missing):
    return AtkError(
        "Required environment variables of plugin '%s' are not set: %s." % (plugin_name, ", ".join(missing)),
        hint="atk counts a variable as set when it is in the plugin's .env (even empty) or in the environment atk "
             "runs in. Add them to 'values' (from Ansible Vault for secrets), or set check_required=false.")


# ---------------------------------------------------------------------------------------------
# The converge


def _locate(home, plugin, check_mode, warnings):
    """-> (entry or None, plugin_dir or None). In check mode a missing home/plugin is a prediction."""
    errors = _home.validate_home(home)
    if errors:
        if check_mode and not os.path.isfile(os.path.join(home, _manifest.FILENAME)):
            warnings.append("ATK home %s does not exist yet; predicting from an empty .env." % home)
            return None, None
        raise AtkError("ATK Home not initialized at %s: %s." % (home, "; ".join(errors)),
                       hint="Create it first with atk.core.atk_home (or atk init).")
    manifest = _manifest.load_manifest(home)
    entry = _manifest.find_entry(manifest, plugin)
    if entry is None:
        if check_mode:
            warnings.append("Plugin '%s' is not installed in %s yet; predicting from an empty .env." % (plugin, home))
            return None, None
        known = ", ".join(e["directory"] for e in manifest["plugins"]) or "none"
        raise AtkError("Plugin '%s' not found in %s (installed: %s)." % (plugin, os.path.join(home, _manifest.FILENAME), known),
                       hint="Install it first with atk.core.atk_plugin; 'plugin' is a directory or display name, "
                            "case-sensitive, as atk looks it up.")
    directory = _home.plugin_dir(home, entry["directory"])
    if not os.path.isdir(directory):
        if check_mode:
            warnings.append("plugins/%s does not exist yet; predicting from an empty .env." % entry["directory"])
            return entry, None
        raise AtkError("Plugin '%s' is in the manifest but plugins/%s is missing." % (entry["name"], entry["directory"]),
                       hint="Fetch its files first with atk.core.atk_plugin (or atk install).")
    return entry, directory


def _load_spec(directory, needed):
    try:
        return _spec.load_plugin(directory)
    except AtkError as exc:
        if needed:
            raise AtkError("Cannot read the plugin definition in %s: %s" % (directory, exc.msg),
                           hint="defaults and check_required need a valid plugin.yaml; fix it or turn both off.")
        return None


def converge_env(home=None, plugin=None, values=None, state="present", keys=None, exclusive=False, defaults=False,
                 check_required=True, check_mode=False, environ=None, lock_timeout=600, warn=None):
    """Converge one plugin's .env. -> result dict (``diff`` included; the module drops it without --diff).

    ``warn(msg)`` receives warnings. Raises AtkError for bad input and, when ``check_required``
    finds required variables unset, after the write (or the prediction in check mode), with the
    result (minus the diff) in ``details``.
    """
    environ = os.environ if environ is None else environ
    if not plugin:
        raise AtkError("plugin is required.")
    if state == "absent" and exclusive:
        raise AtkError("exclusive applies to state=present only.")
    if state == "absent" and defaults:
        raise AtkError("defaults applies to state=present only.")
    if state == "present" and keys:
        raise AtkError("keys is used with state=absent only (list the names to remove).")
    desired = _envfile.normalize_values(values) if state == "present" else dict(values or {})
    home = _home.resolve_home(home, environ)
    warnings = []

    with _home.lock(home, timeout=lock_timeout, shared=check_mode):
        entry, directory = _locate(home, plugin, check_mode, warnings)
        spec = None
        if directory is not None:
            spec = _load_spec(directory, needed=bool(defaults or check_required))
        if spec is None and defaults and directory is not None:
            raise AtkError("defaults needs the plugin definition.")
        variables = spec_vars(spec)
        if entry is not None:
            path = os.path.join(_home.plugin_dir(home, entry["directory"]), ENV_FILE)
        else:
            path = os.path.join(home, "plugins", plugin, ENV_FILE)
        text = (_envfile.read_file(path) if directory is not None else None) or ""
        set_map, remove = desired_changes(text, variables, desired, state, keys, exclusive, defaults, environ)
        new_text, added, changed_keys, removed = _envfile.update(
            text, set_values=set_map, remove=remove, descriptions=descriptions(variables), where=path)
        changed = new_text != text
        if changed and not check_mode:
            _envfile.write_file(path, new_text, temp_dir=_home.state_dir(home))

    environ_now = os.environ if environ is None else environ
    missing = _lifecycle.missing_required(spec, _dotenv.values(new_text, environ=environ_now), environ_now) \
        if spec is not None else []
    result = {
        "changed": changed,
        "path": path,
        "plugin": {"name": entry["name"], "directory": entry["directory"]} if entry is not None else None,
        "added": added,
        "changed_keys": changed_keys,
        "removed": removed,
        "before": {"keys": sorted(key_order(text))},
        "after": {"keys": sorted(key_order(new_text))},
        "missing_required": missing,
    }
    for message in warnings:
        if warn is not None:
            warn(message)
    if check_required and missing:
        error = required_message(entry["name"] if entry else plugin, missing)
        error.details.update(result)
        raise error
    result["diff"] = masked_diff(path, text, new_text, changed_keys)
    return result


def env_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_env's work from its validated parameters."""
    warnings = []
    result = converge_env(home=params["home"], plugin=params["plugin"], values=params["values"], state=params["state"],
                          keys=params["keys"], exclusive=params["exclusive"], defaults=params["defaults"],
                          check_required=params["check_required"], check_mode=check_mode, environ=environ,
                          lock_timeout=params["lock_timeout"], warn=warnings.append)
    if not want_diff:
        result.pop("diff", None)
    result["warnings"] = warnings
    return result
