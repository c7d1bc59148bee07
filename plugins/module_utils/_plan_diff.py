# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a plugin's new files say, for ``--diff``: content diffs, what will run first. PRIVATE.

:func:`plugin_diffs` turns one plan whose files move (add, resync, upgrade, downgrade) into
Ansible diff items: ``before``/``after`` texts with headers (Ansible's callback prints them as
unified diffs) and ``prepared`` text (printed as is). Two groups, in this order:

* **what will run**, first: one summary per plugin (action, refs, what of what runs changes,
  newly required variables, ``custom/`` and ``.env`` kept), the commands of plugin.yaml
  (``lifecycle``, and the ``mcp`` command and args; ``custom/overrides.yaml`` applied) before
  and after, then the changed files those commands name (``./install.sh``,
  ``$ATK_PLUGIN_DIR/mcp.sh``) and changed compose files and Dockerfiles;
* **the other changed files**.

The installed side is the plugin folder at the paths the plan compares (the source's paths, see
``_plugin_files.file_changes``); the new side is the staged tree. A plugin not installed yet shows
only what will run in full (its other files are listed by the file list). A binary file, or one over
:data:`MAX_TEXT` bytes, is one line (size, sha256); a symlink is its target; past :data:`BUDGET`
bytes of text per plugin, files are summarised too.

Secrets: ``.env`` is read only to know what to mask. Every text goes through ``_mask.mask`` with the
secret values (``_mask.secret_values``, under the old and the new plugin.yaml) of the plugin's
``.env`` as it is and as the run sets it, so a plugin file that holds such a value shows ``********``.
"""

from __future__ import annotations

import os
import re

from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils import _plan
from ansible_collections.atk.core.plugins.module_utils import _plugin_files
from ansible_collections.atk.core.plugins.module_utils import _spec

# A file larger than this is summarised (size, sha256), not shown.
MAX_TEXT = 256 * 1024
# Text shown per plugin; past it, the remaining files are summarised.
BUDGET = 1024 * 1024

_TOKEN_RE = re.compile(r"[^\s;&|()<>`'\"=,]+")
_PLUGIN_DIR_PREFIXES = ("$ATK_PLUGIN_DIR/", "${ATK_PLUGIN_DIR}/", "./")
_COMPOSE_RE = re.compile(r"^((docker-)?compose([.-][\w.-]*)?\.ya?ml|Dockerfile(\.[\w.-]+)?|[\w.-]+\.Dockerfile)$", re.I)


def short(ref):
    """A commit as headers show it (12 hex digits)."""
    return ref[:12] if ref else ref


def _field(key, value):
    if isinstance(value, list):
        return ["  %s:\n" % key] + ["    - %s\n" % item for item in value]
    text = str(value).rstrip("\n")
    if "\n" in text:
        return ["  %s: |\n" % key] + ["    %s\n" % line for line in text.split("\n")]
    return ["  %s: %s\n" % (key, text)]


def run_section(spec):
    """What plugin.yaml runs, as YAML-like text: its ``lifecycle`` commands and the ``mcp`` command."""
    if not spec:
        return ""
    lines = []
    lifecycle = spec.get("lifecycle") or {}
    keys = [key for key in _spec.LIFECYCLE_KEYS if lifecycle.get(key) is not None]
    if keys:
        lines.append("lifecycle:\n")
        for key in keys:
            lines.extend(_field(key, lifecycle[key]))
    mcp = spec.get("mcp") or {}
    keys = [key for key in ("command", "args") if mcp.get(key)]
    if keys:
        lines.append("mcp:\n")
        for key in keys:
            lines.extend(_field(key, mcp[key]))
    return "".join(lines)


def _commands(spec):
    lifecycle = (spec or {}).get("lifecycle") or {}
    found = [str(value) for value in lifecycle.values() if value is not None]
    mcp = (spec or {}).get("mcp") or {}
    if mcp.get("command"):
        found.append(str(mcp["command"]))
    found.extend(str(arg) for arg in mcp.get("args") or [])
    return found


def named_paths(spec, paths):
    """The paths among ``paths`` that what runs names: ``./install.sh``, ``sh scripts/setup.sh``,
    ``$ATK_PLUGIN_DIR/mcp.sh``."""
    found = set()
    for command in _commands(spec):
        for token in _TOKEN_RE.findall(command):
            stripped = True
            while stripped:
                stripped = False
                for prefix in _PLUGIN_DIR_PREFIXES:
                    if token.startswith(prefix):
                        token = token[len(prefix):]
                        stripped = True
            if token and os.path.normpath(token) in paths:
                found.add(os.path.normpath(token))
    return found


def is_compose(path):
    """A compose file or a Dockerfile (what a ``docker compose`` command runs)."""
    return bool(_COMPOSE_RE.match(os.path.basename(path)))


def _summary(kind, size, sha):
    return "%s: %d bytes, sha256 %s\n" % (kind, size, sha)


def read_side(root, path, budget):
    """One side of a file diff: None (absent) or (text, executable, shown_bytes)."""
    if root is None:
        return None
    full = os.path.join(root, path)
    try:
        entry = _fs.file_entry(full)
        return None if entry is None else _read_entry(full, entry, budget)
    except OSError as exc:   # a file the module's user may not read: named, not shown
        return ("not readable: %s\n" % (exc.strerror or exc), False, 0)


def _read_entry(full, entry, budget):
    if entry[0] == "link":
        return ("symlink -> %s\n" % entry[1], False, 0)
    if entry[0] != "file":
        return ("not a regular file\n", False, 0)
    size = os.lstat(full).st_size
    if size > MAX_TEXT:
        return (_summary("large file", size, entry[2]), entry[1], 0)
    data = _fs.read_bytes(full) or b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\0" in text:
        return (_summary("binary file", size, entry[2]), entry[1], 0)
    if len(data) > budget:
        return (_summary("not shown (diff output limit)", size, entry[2]), entry[1], 0)
    return (text, entry[1], len(data))


def file_item(label, path, old, new, refs, secrets):
    """A diff item for one file; ``old``/``new`` from :func:`read_side`; ``refs``: the two header suffixes."""
    before, after = (old or ("", False, 0))[0], (new or ("", False, 0))[0]
    before_header = "%s/%s @ %s" % (label, path, refs[0]) if old else "%s/%s (absent)" % (label, path)
    after_header = "%s/%s @ %s" % (label, path, refs[1]) if new else "%s/%s (removed)" % (label, path)
    if old and new and old[1] != new[1]:
        if before == after:
            before, after = "executable: %s\n" % ("yes" if old[1] else "no"), "executable: %s\n" % ("yes" if new[1] else "no")
        else:
            after_header += " (now %s)" % ("executable" if new[1] else "not executable")
    return {"before_header": _mask.mask(before_header, secrets), "after_header": _mask.mask(after_header, secrets),
            "before": _mask.mask(before, secrets), "after": _mask.mask(after, secrets)}


def secret_values(plugin_dir, specs, env=None, new_values=None, environ=None):
    """The values to mask: the secret ones (under any of ``specs``) of the plugin's .env as it is, as
    ``env`` (the new .env text) has it, and of ``new_values`` (the values the run sets)."""
    sources = [_lifecycle.read_env(plugin_dir) if plugin_dir and os.path.isdir(plugin_dir) else {}]
    if env:
        sources.append(_dotenv.values(env, environ))
    if new_values:
        sources.append(dict((k, v) for k, v in new_values.items() if isinstance(v, str)))
    values = set()
    for spec in specs:
        for source in sources:
            values.update(_mask.secret_values(spec, source))
    return sorted(values)


def _banner(plan, label, refs, run_changed, run_files, installed, current):
    lines = ["%s: %s %s -> %s\n" % (label, plan.action, refs[0], refs[1])]
    what = (["plugin.yaml commands"] if run_changed else []) + run_files
    if not installed:
        lines.append("  what will run (new here): %s\n" % (", ".join(what) or "no command"))
    else:
        lines.append("  what will run changes: %s\n" % (", ".join(what) if what else "nothing (commands and the files they name are unchanged)"))
    if plan.new_required_env:
        lines.append("  newly required variables: %s\n" % ", ".join(plan.new_required_env))
    if current and os.path.isdir(os.path.join(current, _plugin_files.CUSTOM_DIR)):
        lines.append("  custom/: kept (carried into the new files)\n")
    if (current and os.path.isfile(os.path.join(current, _plugin_files.ENV_FILE))) or plan.env is not None:
        lines.append("  .env: kept (values are never shown)\n")
    return "".join(lines)


def plugin_diffs(home, plan, environ=None):
    """``(first, rest)``: the diff items of one plan (what will run, then the other files); empty
    lists when the plan puts no files. Reads the plugin folder in ``home`` and ``plan.staged``."""
    if plan.action not in _plan.PUT_ACTIONS or not plan.staged or not plan.directory:
        return [], []
    current = _home.plugin_dir(home, plan.directory)
    installed = _plugin_files.has_spec(current)
    old_spec = _plugin_files.try_load(current) if installed else None
    specs = [spec for spec in (old_spec, plan.spec) if spec]
    secrets = secret_values(current, specs, plan.env[0] if plan.env is not None else None,
                            plan.item.get("env"), environ)
    label = "plugins/%s" % plan.directory
    old_ref = plan.disk_ref or plan.before_ref
    refs = ("%s (installed)" % short(old_ref) if old_ref else "installed",
            short(plan.target_ref) if plan.target_ref else "new")
    paths = set(change["path"] for change in plan.files)
    run_paths = named_paths(old_spec, paths) | named_paths(plan.spec, paths) | set(p for p in paths if is_compose(p))
    before_run, after_run = run_section(old_spec), run_section(plan.spec)
    first, rest = [], []
    if before_run != after_run:
        first.append({"before_header": "%s/plugin.yaml: what runs @ %s" % (label, refs[0]) if installed
                      else "%s/plugin.yaml: what runs (absent)" % label,
                      "after_header": "%s/plugin.yaml: what runs @ %s" % (label, refs[1]),
                      "before": _mask.mask(before_run, secrets), "after": _mask.mask(after_run, secrets)})
    budget = BUDGET
    for path in sorted(paths, key=lambda p: (p not in run_paths, p)):
        if path not in run_paths and not installed:
            continue
        old = read_side(current if installed else None, path, budget)
        new = read_side(plan.staged, path, budget)
        budget -= (old[2] if old else 0) + (new[2] if new else 0)
        (first if path in run_paths else rest).append(file_item(label, path, old, new, refs, secrets))
    banner = _banner(plan, label, refs, before_run != after_run, sorted(run_paths), installed, current)
    # Headers too (the callback prints only ``prepared``), so every diff item names what it is about.
    summary = {"before_header": label, "after_header": "%s: summary" % label, "prepared": _mask.mask(banner, secrets)}
    return [summary] + first, rest
