# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The converge of atk_agent: plugins' MCP servers and SKILL.md wired into coding agents. PRIVATE.

:func:`converge_agents` takes the home's lock, reads the ownership record, turns each item into
the plugin it names (by name, git URL or local path), builds each agent's entry
(:mod:`._entry`), wires it and SKILL.md in memory (:mod:`._wiring`), prunes what is recorded
but no longer declared, and then (unless in check mode) writes every changed file once, the
symlinks and the record. Diffs are masked (every known secret value, raw and JSON/TOML-escaped,
becomes ``********``); results carry names, never values.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters
from ansible_collections.atk.core.plugins.module_utils._agents import _entry
from ansible_collections.atk.core.plugins.module_utils._agents import _files
from ansible_collections.atk.core.plugins.module_utils._agents import _items
from ansible_collections.atk.core.plugins.module_utils._agents import _wiring


def converge_agents(home=None, plugin=None, plugins=None, agents=None, state="present", scope="user", project=None,
                    user_home=None, secrets="reference", skills=True, prune=False, force=False, check_mode=False,
                    want_diff=False, environ=None, lock_timeout=600, locked=False):
    """Wire plugins into agents. -> result dict (``results``, ``changed``, ``diff``, ``warnings``, ``errors``).

    ``locked``: the caller holds the home's lock already (atk_converge's one call)."""
    environ = os.environ if environ is None else environ
    if secrets not in _entry.SECRETS:
        raise AtkError("secrets must be reference or literal.")
    if scope not in _adapters.SCOPES:
        raise AtkError("scope must be user or project.")
    if scope == "project" and not project:
        raise AtkError("scope=project needs project (the project folder).")
    items = _items.normalise(plugin, plugins, agents, state)
    if not items and not prune:
        raise AtkError("Nothing to do: give plugin or plugins (or prune=true).")
    home = _home.resolve_home(home, environ)
    explicit_home = bool(user_home)
    user_home = os.path.expanduser(user_home) if user_home else (environ.get("HOME") or os.path.expanduser("~"))
    ctx = _adapters.Context(user_home, scope, project, environ=environ, explicit_home=explicit_home)
    for item in items:
        if item["state"] == "present":
            for name in item["agents"]:
                _adapters.adapter(name).config_file(ctx)  # fails now for an agent without this scope

    home_errors = _home.validate_home(home)
    if home_errors and not (check_mode and not os.path.isdir(os.path.join(home, ".git"))):
        raise AtkError("ATK Home not initialized at %s: %s." % (home, "; ".join(home_errors)),
                       hint="Create it first with atk.core.atk_home (or atk init).")

    with _home.lock(home, timeout=lock_timeout, shared=check_mode) if not locked else _home.NO_LOCK:
        manifest = _manifest.load_manifest(home) if not home_errors else None
        run = _wiring.Run(ctx, _files.load_ledger(home) if not home_errors else [], force)
        desired_keys = set()
        for item in items:
            _converge_item(run, home, manifest, item, secrets, skills, check_mode, desired_keys)
        if prune:
            _prune(run, desired_keys)
        changed_files = sorted((f for f in run.files.values() if f.changed and f.error is None), key=lambda f: f.path)
        diffs = []
        if want_diff:
            for handle in changed_files:
                diffs.append({"before_header": handle.path, "after_header": handle.path,
                              "before": _mask.mask(handle.before or "", run.secret_values),
                              "after": _mask.mask(handle.text or "", run.secret_values)})
            for link, before, after in run.links:
                diffs.append({"before_header": link, "after_header": link,
                              "before": "symlink -> %s\n" % before if before else "",
                              "after": "symlink -> %s\n" % after if after else ""})
        if not check_mode:
            for handle in changed_files:
                handle.write()
            for link, before, after in run.links:
                _apply_link(link, before, after)
            if not home_errors and run.records != run.original_records:
                _files.save_ledger(home, list(run.records.values()))

    return {
        "changed": bool(changed_files) or bool(run.links),
        "results": run.results,
        "files": [f.path for f in changed_files] + [link for link, dummy, dummy2 in run.links],
        "conflicts": [r for r in run.results if r["action"] == "conflict" or (r.get("skill") or {}).get("action") == "conflict"],
        "diff": diffs,
        "warnings": run.warnings,
        "errors": run.errors,
        "ledger": _files.ledger_path(home),
    }


def _apply_link(link, before, after):
    if os.path.islink(link):
        os.unlink(link)
    if after is not None:
        directory = os.path.dirname(link)
        _fs.makedirs(directory, keep_owner=True)
        os.symlink(after, link)
        _fs.chown_like(link, _fs.owner_of(directory))


def _identify(manifest, item):
    """The identifier to look up: the name, or the entry a git ``url`` / local ``path`` was installed as."""
    if item.get("url") and manifest is not None:
        wanted = _urls.identity(item["url"])
        for entry in manifest["plugins"]:
            if entry["source"]["type"] == "git" and entry["source"].get("url") and _urls.identity(entry["source"]["url"]) == wanted:
                return entry["directory"]
        return item["url"]
    if item.get("path"):
        path = os.path.expanduser(item["path"])
        try:
            return _spec.load_plugin(path)["name"]
        except AtkError:
            return item["path"]
    return item["name"]


def _load_plugin(home, manifest, identifier):
    """-> the plugin (dict: directory, name, spec, dir, env, secret_names), None when not installed, or AtkError."""
    entry = _manifest.find_entry(manifest, identifier) if manifest is not None else None
    if entry is None:
        return None
    plugin_dir = _home.plugin_dir(home, entry["directory"])
    if not os.path.isdir(plugin_dir):
        raise AtkError("Plugin '%s' is in the manifest but plugins/%s is missing." % (entry["name"], entry["directory"]),
                       hint="Fetch its files first with atk.core.atk_plugin (or atk install).")
    spec = _spec.load_plugin(plugin_dir)
    return {"directory": entry["directory"], "name": spec["name"], "spec": spec, "dir": plugin_dir,
            "env": _lifecycle.read_env(plugin_dir), "secret_names": _entry.declared_secrets(spec)}


def _result(item_name, agent, ctx, path):
    return {"plugin": item_name, "name": item_name, "agent": agent, "scope": ctx.scope, "file": path,
            "entry": None, "action": "none", "literal_secrets": [], "missing_env": [], "skill": None}


def _converge_item(run, home, manifest, item, secrets, skills, check_mode, desired_keys):
    ctx = run.ctx
    plugin = None
    item = dict(item, name=_identify(manifest, item))
    try:
        plugin = _load_plugin(home, manifest, item["name"])
    except AtkError as exc:
        if item["state"] == "present":
            raise
        run.warnings.append("Plugin %s cannot be read (%s); removing what the ownership record lists for it." % (item["name"], exc.msg))
    if plugin is None and item["state"] == "present":
        if check_mode:
            run.warnings.append("Plugin '%s' is not installed yet; nothing predicted for it." % item["name"])
            run.skipped.add(item["name"])
            return
        raise AtkError("Plugin '%s' not found in %s." % (item["name"], _manifest.manifest_path(home)),
                       hint="Install it first with atk.core.atk_plugin; 'plugin' is a directory or display name, as atk looks it up.")
    for agent in [_adapters.adapter(name) for name in item["agents"]]:
        if ctx.scope == "project" and agent.project_file is None:
            continue  # state absent (present was refused above): nothing of this agent is in a project
        path = agent.config_file(ctx)[0]
        if plugin is None:
            _absent_from_ledger(run, item["name"], agent.name)
            continue
        result = _result(plugin["directory"], agent.name, ctx, path)
        result["name"] = plugin["name"]
        plugin["result"] = result
        run.results.append(result)
        built = _entry.build_entry(agent, plugin["spec"], plugin["dir"], plugin["env"], secrets)
        skill_path = os.path.join(plugin["dir"], "SKILL.md")
        target = agent.skill_target(ctx, plugin["directory"], plugin["name"], skill_path) if skills else None
        if built is not None:
            run.secret_values.update(built["secret_values"])
            name = agent.server_name(plugin["name"], plugin["directory"])
            result["entry"] = name
            result["literal_secrets"] = built["literal_secrets"]
            result["missing_env"] = built["missing"]
            if item["state"] == "present":
                desired_keys.add(run.key(agent.name, "mcp", path, name))
                run.mcp_present(agent, plugin, built)
            else:
                run.mcp_absent(agent, name, result, desired=built["entry"], secret_names=plugin["secret_names"])
        else:
            result["reason"] = "the plugin has no mcp section"
        if target is None:
            continue
        if item["state"] == "present" and os.path.isfile(skill_path):
            desired_keys.add(run.key(agent.name, "skill", target["file"], _skill_name(target)))
            result["skill"] = run.skill_present(agent, target, plugin)
        elif item["state"] == "absent":
            result["skill"] = run.skill_absent(agent, target["file"], _skill_name(target))
            # wiring recorded for this plugin elsewhere (e.g. before the home moved) goes too
            for record in _records_of(run, agent.name, "skill", plugin["directory"]):
                run.skill_absent(agent, record["file"], record["name"])
    if plugin is not None and item["state"] == "absent":
        # entries recorded under another name (the display name changed) go too
        for agent in item["agents"]:
            for record in _records_of(run, agent, "mcp", plugin["directory"]):
                _remove_record(run, record)


def _records_of(run, agent, kind, directory):
    return [record for record in list(run.records.values())
            if record["agent"] == agent and record["kind"] == kind and record["plugin"] == directory and run.mine(record)]


def _skill_name(target):
    return target.get("line") or target.get("item") or target["file"]


def _absent_from_ledger(run, identifier, agent):
    """Remove what the record lists for a plugin that is no longer installed."""
    for record in list(run.records.values()):
        if record["agent"] == agent and run.mine(record) and identifier in (record["plugin"], record.get("display_name")):
            _remove_record(run, record)


def _remove_record(run, record):
    agent = _adapters.adapter(record["agent"])
    result = _result(record["plugin"], agent.name, run.ctx, record["file"])
    result["name"] = record.get("display_name") or record["plugin"]
    run.results.append(result)
    if record["kind"] != "mcp":
        result["skill"] = run.skill_absent(agent, record["file"], record["name"])
        return
    result["entry"] = record["name"]
    if agent.config_file(run.ctx)[0] != record["file"] and run.file(agent, record["file"]).error is not None:
        # the file moved (CODEX_HOME, CLAUDE_CONFIG_DIR...) and the old one cannot be read: only the record goes
        run.forget(agent.name, "mcp", record["file"], record["name"])
        return
    run.mcp_absent(agent, record["name"], result, path=record["file"])


def _prune(run, desired_keys):
    for key, record in sorted(run.records.items()):
        if not run.mine(record) or key in desired_keys:
            continue
        if record["plugin"] in run.skipped or record.get("display_name") in run.skipped:
            continue
        if key not in run.records:
            continue
        _remove_record(run, record)


def agent_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_agent's work from its validated parameters."""
    result = converge_agents(
        home=params["home"], plugin=params["plugin"], plugins=params["plugins"], agents=params["agents"],
        state=params["state"], scope=params["scope"], project=params["project"], user_home=params["user_home"],
        secrets=params["secrets"], skills=params["skills"], prune=params["prune"], force=params["force"],
        check_mode=check_mode, want_diff=want_diff, environ=environ, lock_timeout=params["lock_timeout"])
    result["warnings"] = list(result["warnings"]) + [
        "%s: %s" % (c["file"], c.get("reason") or (c.get("skill") or {}).get("reason")) for c in result["conflicts"]]
    if not want_diff:
        result.pop("diff")
    return result
