# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's scripts, found and run the way ``atk run <plugin> <script>`` does. PRIVATE to the collection.

atk 0.4.0 (docs/atk-compatibility.md §5.6): the first of ``custom/<s>``, ``custom/<s>.sh``, ``<s>``,
``<s>.sh`` in the plugin folder that exists is executed directly (no shell: it needs the executable
bit and a ``#!`` line), with cwd = the plugin folder and env = the process environment plus the
plugin's ``.env`` (the ``.env`` wins); not found: ``Script '<s>' not found in plugin directory``.

atk.core adds: variables of its own that win over both (``ATK_BACKUP_DIR``, ``ATK_RESTORE_DIR``, or
atk_run's ``env``), a time limit (the script's whole process group is killed), and output that goes
to files under ``<home>/.git/atk-core/logs/`` (never a pipe a daemon could hold open), read back
with the plugin's secret values masked (:mod:`_mask`) and deleted. The one runner is
:class:`_lifecycle.Shell`.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils import _spec

CUSTOM = "custom"
# How much of each output stream a result keeps (its end; masked before it is cut).
OUTPUT_LIMIT = 64 * 1024


def check_name(script):
    """A script name is one path component (atk would also take ``a/b``; atk.core does not reach out of the folders)."""
    if not isinstance(script, str) or not script or "/" in script or "\0" in script or script in (".", ".."):
        raise AtkError("Refusing script name %r: give the name of a script in the plugin folder or its custom/ "
                       "folder (one path component, for example 'backup')." % (script,))
    return script


def candidates(script):
    """Where atk looks, in its order (paths relative to the plugin folder)."""
    check_name(script)
    return [CUSTOM + "/" + script, CUSTOM + "/" + script + ".sh", script, script + ".sh"]


def resolve(plugin_dir, script):
    """The relative path of the script atk would run, or None (``Path.exists``: a broken symlink does not count)."""
    for relative in candidates(script):
        if os.path.exists(os.path.join(plugin_dir, relative)):
            return relative
    return None


def not_found(script, plugin_name):
    return AtkError("Script '%s' not found in plugin directory of '%s' (looked for %s)." % (
        script, plugin_name, ", ".join(candidates(script))),
        hint="Plugin scripts live in the plugin folder or its custom/ folder, as for atk run.")


class Plugin(object):
    """One installed plugin: its manifest entry, folder and plugin.yaml."""

    def __init__(self, home, entry):
        self.home = home
        self.entry = entry
        self.directory = entry["directory"]
        self.dir = _home.plugin_dir(home, self.directory)
        try:
            self.spec = _spec.load_plugin(self.dir)
        except AtkError as exc:
            raise AtkError("Cannot load plugin '%s': %s" % (entry["name"], exc.msg),
                           hint="Restore its files with atk.core.atk_plugin (state=present) or fix its plugin.yaml.")
        self.name = self.spec["name"]

    def env_values(self):
        return _lifecycle.read_env(self.dir)

    def secrets(self):
        return _mask.secret_values(self.spec, self.env_values())


def find(home, identifier, manifest=None):
    """The installed plugin ``identifier`` names (a directory or display name: atk's lookup)."""
    manifest = _manifest.load_manifest(home) if manifest is None else manifest
    entry = _manifest.find_entry(manifest, identifier)
    if entry is None:
        raise AtkError("Plugin '%s' not found in manifest" % identifier,
                       hint="Use a directory or display name listed in %s." % _manifest.manifest_path(home))
    return Plugin(home, entry)


def every(home, identifiers=None):
    """The plugins named (each once, in the order given), or every plugin of the manifest."""
    manifest = _manifest.load_manifest(home)
    if not identifiers:
        return [Plugin(home, entry) for entry in manifest["plugins"]]
    found, seen = [], set()
    for identifier in identifiers:
        plugin = find(home, identifier, manifest)
        if plugin.directory not in seen:
            seen.add(plugin.directory)
            found.append(plugin)
    return found


def read_output(path, secrets, limit=OUTPUT_LIMIT):
    """(text, truncated): the end of an output file, secrets masked before it is cut; '' when missing."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit - 16 * 1024))
            data = handle.read()
    except (IOError, OSError):
        return "", False
    text = _mask.mask(data.decode("utf-8", "replace"), secrets)
    return (text[-limit:], True) if size > limit or len(text) > limit else (text, False)


def run(shell, plugin, relative, args=(), extra_env=None, environ=None, timeout=None, label=None):
    """Run the script at ``relative`` in ``plugin``'s folder. Returns ``(code, stdout, stderr, truncated)``:
    ``code`` None when ``timeout`` passed (the process group was killed); outputs masked.

    Raises AtkError when the script cannot be started (no executable bit, no ``#!`` line).
    """
    environ = os.environ if environ is None else environ
    env = dict(environ)
    env.update(plugin.env_values())
    env.update(extra_env or {})
    key = "run-" + (label or os.path.basename(relative))
    out = _lifecycle.log_path(plugin.home, plugin.directory, key)
    err = _lifecycle.log_path(plugin.home, plugin.directory, key + ".stderr")
    secrets = plugin.secrets()
    try:
        try:
            code = shell.execute([os.path.join(plugin.dir, relative)] + list(args), plugin.dir, env, out, timeout, err)
        except OSError as exc:
            raise AtkError("Cannot run %s of plugin '%s': %s." % (relative, plugin.name, exc.strerror or exc),
                           hint="A plugin script needs the executable bit and a #! line, as atk run executes it directly.")
        stdout, cut_out = read_output(out, secrets)
        stderr, cut_err = read_output(err, secrets)
    finally:
        for path in (out, err):
            if os.path.lexists(path):
                os.unlink(path)
    return code, stdout, stderr, cut_out or cut_err
