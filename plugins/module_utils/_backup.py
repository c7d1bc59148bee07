# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What plugins store, backed up and restored by their own scripts. PRIVATE to the collection.

The convention for plugin authors (docs/backups.md): a plugin that keeps data has scripts named
``backup`` and ``restore``, found like ``atk run`` finds them (``custom/`` first, then the plugin
folder, each with or without ``.sh``) and run the same way (:mod:`_scripts`), plus one variable
that wins over the environment and the ``.env``:

* ``backup`` gets ``ATK_BACKUP_DIR``, an empty folder (mode 0700) of its own; it writes its
  artefacts there (regular files and folders only) and exits 0;
* ``restore`` gets ``ATK_RESTORE_DIR``, a folder holding what ``backup`` wrote, and puts it back.

:func:`backup` is atk_backup's one call: every plugin (or those named) with a ``backup`` script,
into one per-run folder ``<dest>/atk-backup-XXXX/<plugin>/``, each artefact listed with its size and
SHA-256 (the fleet playbook fetches them and writes the checksum manifest); plugins without the
script are listed as skipped. :func:`restore` is atk_restore's: the checksums are checked first,
the ``.env`` is written when one is given, then ``restore`` runs; a backup already restored on the
home (same checksums) is not restored again (``<home>/.git/atk-core/restored.json``) unless forced.
The ``.env`` is never part of what ``backup`` returns.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _scripts

BACKUP, RESTORE = "backup", "restore"
BACKUP_VAR, RESTORE_VAR = "ATK_BACKUP_DIR", "ATK_RESTORE_DIR"
RESTORED_FILE = "restored.json"
TAIL = 2000


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def artefacts(root):
    """[{path, size, sha256}] of every file under ``root`` (posix paths, sorted). Anything but regular files
    and folders (a symlink, a socket) is an AtkError: a backup must be plain data."""
    found = []
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            full = os.path.join(folder, name)
            info = os.lstat(full)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise AtkError("The backup holds %s, which is not a regular file or folder (a symlink, socket or device)."
                               % relative, hint="A backup script writes plain files and folders into ATK_BACKUP_DIR.")
            found.append({"path": relative, "size": info.st_size, "sha256": sha256(full)})
    return sorted(found, key=lambda item: item["path"])


def backup_id(files):
    """What identifies a backup: the digest of its sorted checksum lines."""
    text = "".join("%s  %s\n" % (item["sha256"], item["path"]) for item in sorted(files, key=lambda i: i["path"]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tail(text):
    return (text or "").strip()[-TAIL:]


def backup(home, plugins=None, dest=None, timeout=3600, check_mode=False, lock_timeout=600, environ=None, shell=None):
    """The whole of atk_backup. Returns its result (plus ``warnings`` and ``errors``)."""
    _home.require(home)
    shell = shell or _lifecycle.Shell()
    dest = os.path.abspath(os.path.expanduser(dest or tempfile.gettempdir()))
    # Not "skipped" or "failed": Ansible reads those keys of a result as the task's own status.
    result = {"changed": False, "home": home, "dir": None, "plugins": [], "saved": [], "skipped_plugins": [],
              "failed_plugins": [], "warnings": [], "errors": []}
    with _home.lock(home, timeout=lock_timeout, shared=True):
        targets = _scripts.every(home, plugins)
        run_dir = None
        for plugin in targets:
            relative = _scripts.resolve(plugin.dir, BACKUP)
            entry = {"plugin": plugin.directory, "name": plugin.name, "ref": plugin.entry["source"]["ref"], "script": relative,
                     "status": "skipped", "dir": None, "files": [], "stdout": "", "stderr": "", "error": None}
            result["plugins"].append(entry)
            if relative is None:
                entry["reason"] = "no backup script (custom/backup, custom/backup.sh, backup or backup.sh)"
                result["skipped_plugins"].append(plugin.directory)
                continue
            if check_mode:
                entry["status"] = "would back up"
                result["saved"].append(plugin.directory)
                continue
            if run_dir is None:
                _fs.makedirs(dest, 0o700)
                run_dir = tempfile.mkdtemp(prefix="atk-backup-", dir=dest)
                result["dir"] = run_dir
            entry["dir"] = os.path.join(run_dir, plugin.directory)
            os.mkdir(entry["dir"], 0o700)
            code, stdout, stderr, dummy = _scripts.run(shell, plugin, relative, (), {BACKUP_VAR: entry["dir"]}, environ,
                                                       timeout, BACKUP)
            entry.update(stdout=_tail(stdout), stderr=_tail(stderr))
            if code != 0:
                entry["error"] = "The backup script %s of plugin '%s' %s." % (
                    relative, plugin.name, "did not finish within %d seconds" % timeout if code is None
                    else "failed (exit code %d)" % code)
                detail = entry["stderr"][-500:] or entry["stdout"][-500:]
                result["errors"].append(entry["error"] + (" " + detail if detail else ""))
            else:
                try:
                    entry["files"] = artefacts(entry["dir"])
                except AtkError as exc:
                    entry["error"] = "Plugin '%s': %s" % (plugin.name, exc)
                    result["errors"].append(entry["error"])
            if entry["error"]:
                entry["status"] = "failed"
                result["failed_plugins"].append(plugin.directory)
                continue
            entry["status"] = "saved"
            entry["id"] = backup_id(entry["files"])
            result["saved"].append(plugin.directory)
            if not entry["files"]:
                result["warnings"].append("The backup script of plugin '%s' wrote nothing into %s." % (plugin.name, BACKUP_VAR))
    result["changed"] = bool(result["saved"])
    return result


def _check(src, checksums):
    """Compare the files under ``src`` with ``checksums`` ({path: sha256}); AtkError on any difference."""
    found = dict((item["path"], item["sha256"]) for item in artefacts(src))
    problems = []
    for path in sorted(set(checksums) | set(found)):
        if path not in found:
            problems.append("%s is missing" % path)
        elif path not in checksums:
            problems.append("%s is not in the backup's checksum manifest" % path)
        elif found[path] != checksums[path].lower():
            problems.append("%s has SHA-256 %s, the manifest says %s" % (path, found[path], checksums[path]))
    if problems:
        raise AtkError("The backup in %s does not match its checksums: %s. Nothing was restored." % (src, "; ".join(problems)),
                       hint="Restore from an intact copy of the backup.")
    return [{"path": path, "sha256": digest} for path, digest in sorted(found.items())]


def _restored_path(home):
    return os.path.join(_home.state_dir(home), RESTORED_FILE)


def _load_restored(home):
    text = _fs.read_text(_restored_path(home))
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def restore(home, plugin, src, checksums=None, env=None, force=False, timeout=3600, check_mode=False, lock_timeout=600,
            environ=None, shell=None):
    """The whole of atk_restore. Returns its result (plus ``warnings`` and ``errors``)."""
    _home.require(home)
    shell = shell or _lifecycle.Shell()
    if not src:
        raise AtkError("src is empty: give the folder on this host that holds the backup.")
    src = os.path.abspath(os.path.expanduser(src))
    if not os.path.isdir(src):
        raise AtkError("The backup folder %s does not exist on this host." % src)
    with _home.lock(home, timeout=lock_timeout, shared=check_mode):
        target = _scripts.find(home, plugin)
        files = _check(src, checksums) if checksums is not None else [
            {"path": item["path"], "sha256": item["sha256"]} for item in artefacts(src)]
        ident = backup_id(files)
        result = {"changed": False, "home": home, "plugin": target.directory, "name": target.name, "src": src, "id": ident,
                  "files": len(files), "checksums": "verified" if checksums is not None else "not given",
                  "env": "not given" if env is None else "unchanged", "status": None, "script": None, "stdout": "",
                  "stderr": "", "warnings": [], "errors": []}
        relative = _scripts.resolve(target.dir, RESTORE)
        result["script"] = relative
        env_path = os.path.join(target.dir, ".env")
        env_changes = env is not None and _envfile.read_file(env_path) != env
        if relative is None:
            result["status"] = "skipped"
            result["reason"] = "no restore script (custom/restore, custom/restore.sh, restore or restore.sh)"
            return result
        done = _load_restored(home)
        if done.get(target.directory) == ident and not force and not env_changes:
            result["status"] = "already restored"
            return result
        result["changed"] = True
        result["status"] = "would restore" if check_mode else "restored"
        if env_changes:
            result["env"] = "would be written" if check_mode else "written"
        if check_mode:
            return result
        if env_changes:
            _envfile.write_file(env_path, env, temp_dir=_home.state_dir(home))
        code, stdout, stderr, dummy = _scripts.run(shell, target, relative, (), {RESTORE_VAR: src}, environ, timeout,
                                                   RESTORE)
        result.update(stdout=_tail(stdout), stderr=_tail(stderr))
        if code != 0:
            result["status"] = "failed"
            result["errors"].append("The restore script %s of plugin '%s' %s.%s" % (
                relative, target.name, "did not finish within %d seconds" % timeout if code is None
                else "failed (exit code %d)" % code, (" " + result["stderr"][-500:]) if result["stderr"] else ""))
            return result
        done[target.directory] = ident
        _fs.makedirs(_home.state_dir(home))
        _fs.atomic_write(_restored_path(home), json.dumps(done, sort_keys=True, indent=1) + "\n", mode=0o600)
    return result


def backup_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_backup's work from its validated parameters."""
    return backup(_home.resolve_home(params["home"], environ), params["plugins"], params["dest"], params["timeout"],
                  check_mode, params["lock_timeout"], environ)


def restore_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_restore's work from its validated parameters."""
    checksums = params["checksums"]
    if checksums is not None:
        checksums = dict((str(k), str(v)) for k, v in checksums.items())
    return restore(_home.resolve_home(params["home"], environ), params["plugin"], params["src"], checksums,
                   params["env"], params["force"], params["timeout"], check_mode, params["lock_timeout"], environ)
