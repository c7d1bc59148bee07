# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything ``atk status``, ``atk mcp --json`` and ``atk doctor`` would tell, as data. PRIVATE.

Read-only: the only commands run are git queries and the plugins' ``status`` commands
(read-only in atk, docs/atk-compatibility.md §7), plus a short HTTP request to ``sse`` MCP endpoints, as
``atk status`` does. Nothing here returns a secret value unless explicitly asked
(``reveal``); env sections list NAMES only.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _doctor
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _mcp
from ansible_collections.atk.core.plugins.module_utils import _plugin_files
from ansible_collections.atk.core.plugins.module_utils import _service
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _urls

SECTIONS = ("home", "plugins", "env", "service", "mcp", "hygiene")

IN_SYNC = "in sync"
FILES_MISSING = "files missing"
REF_MISMATCH = "ref mismatch"
DRIFTED = "drifted"
INVALID = "invalid"


# -- home ---------------------------------------------------------------------------------

def home_facts(home, git):
    """What ``atk status`` prints in its Repository block, plus validity and config."""
    facts = {"path": home, "exists": os.path.isdir(home), "valid": False, "errors": [], "branch": None,
             "detached": None, "head": None, "remote": None, "tracking": False, "ahead": None, "behind": None,
             "last_commit": None, "dirty": None, "config": None}
    if not facts["exists"]:
        facts["errors"] = _home.validate_home(home)
        return facts
    facts["errors"] = _home.validate_home(home)
    facts["valid"] = not facts["errors"]
    if os.path.isfile(_manifest.manifest_path(home)):
        try:
            facts["config"] = dict(_manifest.load_manifest(home)["config"])
        except AtkError as exc:
            facts["errors"].append(exc.msg)
            facts["valid"] = False
    if not os.path.isdir(os.path.join(home, ".git")):
        return facts
    facts["head"] = git.head(home)
    rc, out, dummy = git.run(["branch", "--show-current"], cwd=home, check=False)
    facts["branch"] = out.strip() or None if rc == 0 else None
    facts["detached"] = facts["branch"] is None
    rc, out, dummy = git.run(["remote"], cwd=home, check=False)
    remotes = out.split() if rc == 0 else []
    if remotes:
        url = git.remote_url(home, remotes[0])
        if url:
            facts["remote"] = {"name": remotes[0], "url": _urls.redact_url(url)}
    rc, out, dummy = git.run(["rev-list", "--left-right", "--count", "HEAD...@{upstream}"], cwd=home, check=False)
    parts = out.split() if rc == 0 else []
    if len(parts) == 2:
        facts["tracking"] = True
        facts["ahead"], facts["behind"] = int(parts[0]), int(parts[1])
    rc, out, dummy = git.run(["log", "-1", "--format=%H%x09%cr%x09%s"], cwd=home, check=False)
    fields = out.rstrip("\n").split("\t", 2) if rc == 0 and out.strip() else []
    if len(fields) == 3:
        facts["last_commit"] = {"sha": fields[0], "relative": fields[1], "subject": fields[2]}
    rc, out, dummy = git.run(["status", "--porcelain"], cwd=home, check=False)
    if rc == 0:
        lines = [line for line in out.splitlines() if line.strip()]
        untracked = sum(1 for line in lines if line.startswith("??"))
        facts["dirty"] = {"modified": len(lines) - untracked, "untracked": untracked, "clean": not lines}
    return facts


# -- plugins ------------------------------------------------------------------------------

def _load(plugin_dir):
    try:
        return _spec.load_plugin(plugin_dir), None
    except AtkError as exc:
        return None, exc.msg


def plugin_facts(home, entry, records=None):
    """One manifest entry: where it comes from, which ref is on disk, its drift state.

    ``drifted``: source files edited or deleted in place since atk.core put them there (named in
    ``drift``; files an install created are not looked at), from ``records`` (no network)."""
    directory = entry["directory"]
    plugin_dir = _home.plugin_dir(home, directory)
    disk = _plugin_files.disk_state(home, directory)
    source = entry["source"]
    facts = {
        "name": entry["name"],
        "directory": directory,
        "path": plugin_dir,
        "source": source["type"],
        "url": _urls.redact_url(source["url"]) if source["url"] else None,
        "ref": source["ref"],
        "disk_ref": disk["ref"],
        "state": IN_SYNC,
        "valid": False,
        "error": None,
        "maturity": None,
        "display_name": None,
        "drift": [],
    }
    spec = None
    if not disk["has_spec"]:
        facts["state"] = FILES_MISSING
        facts["error"] = "Directory '%s' does not contain plugin.yaml or plugin.yml" % plugin_dir
        return facts, None
    spec, error = _load(plugin_dir)
    facts["valid"] = spec is not None
    facts["error"] = error
    if spec is not None:
        facts["maturity"] = _spec.maturity(spec)
        facts["display_name"] = spec["name"]
    drift = None
    if records is not None:
        drift = records.drift(directory, plugin_dir, source["ref"] if source["type"] != "local" else None)
    facts["drift"] = drift or []
    if source["type"] in ("registry", "git") and source["ref"] and disk["ref"] != source["ref"]:
        facts["state"] = REF_MISMATCH
    elif drift:
        facts["state"] = DRIFTED
    elif spec is None:
        facts["state"] = INVALID
    return facts, spec


def orphans(home, manifest):
    """Folders under plugins/ that no manifest entry names (atk.core's own temporaries aside)."""
    folder = os.path.join(home, "plugins")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    known = set(entry["directory"] for entry in manifest["plugins"])
    return [name for name in names if name not in known and not name.startswith(_fs.TEMP_PREFIX)
            and os.path.isdir(os.path.join(folder, name))]


# -- env ----------------------------------------------------------------------------------

def env_facts(spec, env_values, environ):
    """NAMES only: which declared vars are set (atk's rule: in .env, even empty, or in the environment)."""
    declared = _spec.env_vars(spec)
    facts = {"declared": [], "set": [], "required_unset": [], "optional_unset": [], "sources": {},
             "secret": [], "mcp_not_set": [], "mcp_optional_unset": []}
    for var in declared:
        name = var["name"]
        facts["declared"].append(name)
        if var["secret"]:
            facts["secret"].append(name)
        if name in env_values:
            facts["set"].append(name)
            facts["sources"][name] = ".env"
        elif name in environ:
            facts["set"].append(name)
            facts["sources"][name] = "environment"
        elif var["required"]:
            facts["required_unset"].append(name)
        else:
            facts["optional_unset"].append(name)
    return facts


# -- service ------------------------------------------------------------------------------

def service_facts(spec, plugin_dir, shell, environ, status_timeout, sse_probe, port_probe):
    """atk status's STATUS and PORTS columns."""
    ports = [{"port": p["port"], "description": p["description"], "listening": None} for p in _spec.ports(spec)]
    facts = {"status": _service.UNKNOWN, "ports": ports, "error": None, "via": None}
    command = _service.status_command(spec, plugin_dir)
    if command is None:
        mcp = spec.get("mcp")
        if mcp is not None and mcp["transport"] == "sse" and mcp.get("endpoint"):
            answered, dummy = sse_probe(mcp["endpoint"], _service.SSE_TIMEOUT)
            facts["status"] = _service.RUNNING if answered else _service.STOPPED
            facts["via"] = "sse endpoint"
        elif mcp is not None:
            facts["status"] = _service.MCP_ONLY
            facts["via"] = "mcp transport"
        return facts
    facts["via"] = "status command"
    try:
        facts["status"] = _service.run_status(shell, spec, plugin_dir, environ, status_timeout)
    except AtkError as exc:
        facts["error"] = exc.msg
        return facts
    if facts["status"] == _service.RUNNING:
        for port in ports:
            port["listening"] = port_probe(port["port"])
    return facts


# -- the whole --------------------------------------------------------------------------

def gather(home, git, sections=SECTIONS, only=None, reveal=False, shell=None, environ=None, status_timeout=60,
           sse_probe=_service.http_probe, port_probe=_service.port_listening):
    """The facts of atk_info. ``only`` restricts the plugins (atk's lookup; unknown -> AtkError)."""
    environ = os.environ if environ is None else environ
    shell = shell or _lifecycle.Shell()
    sections = list(sections)
    result = {"home": home_facts(home, git)} if "home" in sections else {}
    for key in ("plugins", "orphans"):
        if "plugins" in sections:
            result[key] = []
    for key in ("env", "service", "mcp"):
        if key in sections:
            result[key] = {}
    if reveal and "mcp" in sections:
        result["mcp_revealed"] = {}
    if "hygiene" in sections:
        result["hygiene"] = hygiene_facts(home, git)
    if not os.path.isfile(_manifest.manifest_path(home)):
        if only:
            raise AtkError("ATK Home not initialized at %s: no manifest.yaml, so plugin '%s' cannot be found." % (home, only[0]))
        return result
    manifest = _manifest.load_manifest(home)
    if only:
        entries = _service.select(home, manifest, only)
    else:
        entries = manifest["plugins"]
        if "plugins" in sections:
            result["orphans"] = orphans(home, manifest)
    per_plugin = [s for s in sections if s in ("plugins", "env", "service", "mcp")]
    if not per_plugin:
        return result
    records = _plugin_files.Records(home)
    for entry in entries:
        facts, spec = plugin_facts(home, entry, records)
        directory = entry["directory"]
        if "plugins" in sections:
            result["plugins"].append(facts)
        plugin_dir = facts["path"]
        if spec is None:
            if "service" in sections:
                result["service"][directory] = {"status": _service.INVALID, "ports": [], "error": facts["error"], "via": None}
            continue
        env_values = _lifecycle.read_env(plugin_dir)
        if "env" in sections:
            result["env"][directory] = env_facts(spec, env_values, environ)
        resolved = _mcp.resolve(spec, plugin_dir, env_values)
        if "env" in sections and resolved is not None:
            result["env"][directory]["mcp_not_set"] = list(resolved["missing"])
            result["env"][directory]["mcp_optional_unset"] = list(resolved["optional_unset"])
        if "mcp" in sections and resolved is not None:
            result["mcp"][directory] = resolved["masked"]
            if reveal:
                result["mcp_revealed"][directory] = resolved["revealed"]
        if "service" in sections:
            result["service"][directory] = service_facts(spec, plugin_dir, shell, environ, status_timeout, sse_probe,
                                                         port_probe)
    return result


def gather_locked(home, git, sections=SECTIONS, lock_timeout=600, **kwargs):
    """:func:`gather` under a shared home lock (so no atk.core run swaps a plugin folder meanwhile).

    Without a writable ``.git`` directory (no home yet, someone else's home) it reads unlocked.
    """
    git_dir = os.path.join(home, ".git")
    if not (os.path.isdir(git_dir) and os.access(git_dir, os.W_OK)):
        return gather(home, git, sections, **kwargs)
    with _home.lock(home, timeout=lock_timeout, shared=True):
        return gather(home, git, sections, **kwargs)


def hygiene_facts(home, git):
    """What ``atk doctor`` would repair, without repairing it."""
    facts = {"tracked_secrets": [], "gitignore_present": False, "gitignore_secrets_last": None, "doctor_needed": False}
    if not os.path.isdir(os.path.join(home, ".git")):
        return facts
    content = _doctor.read_gitignore(home)
    facts["gitignore_present"] = content is not None
    if content is not None:
        facts["gitignore_secrets_last"] = _gitignore.normalize(content) == content
    facts["tracked_secrets"] = _doctor.tracked_secrets(git, home)
    facts["doctor_needed"] = bool(facts["tracked_secrets"]) or facts["gitignore_secrets_last"] is False
    return facts


def info_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_info's work from its validated parameters (never changes anything)."""
    home = _home.resolve_home(params["home"], environ)
    facts = gather_locked(home, _git.Git(run, git_path), params["gather"], only=params["plugins"],
                          reveal=params["reveal_secrets"], status_timeout=params["status_timeout"],
                          lock_timeout=params["lock_timeout"])
    facts["changed"] = False
    return facts
