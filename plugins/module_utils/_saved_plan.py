# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Saved plans: a preview written down, and a later run that does exactly that. PRIVATE.

A preview (check mode) returns one **host record** (:func:`host_record`): the home it was computed
against (its path and every manifest entry: directory, name, source, url, ref), the home step's
pending actions, and per changed plugin its action, ``from`` and ``to`` refs and the digest of the
files it will install (:func:`files_digest`). The role gathers the records of every host into one
**document** on the controller (:func:`document`, :func:`dumps`)::

    {"format": "atk.core.plan/1",
     "digest": "sha256:<hex>",          # of every other key, canonical JSON (sorted keys, no spaces)
     "hosts": {"<inventory name>": {"home": {...}, "home_actions": [...], "plugins": [...]}}}

Applying (:func:`load`, :func:`host_entry`, :func:`check_home`, :func:`items`, :func:`check_plans`),
in this order, each refusal before anything is written:

1. the document is verified against its digest (an edited plan is refused, on every host);
2. a host the plan does not name is left untouched;
3. the host's home is compared with the record: a pin moved, a plugin added or removed (other than
   what the plan itself does: a plan applied twice changes nothing the second time) refuses the host;
4. the plugins the plan names are planned at the recorded ``to`` refs (no other plugin is looked
   at), and the outcome must match the record: same target, same files digest.

A digest protects against edits, not against someone who recomputes it: review the plan where it is
kept (a pull request), as any other file that says what runs.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _desired
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home_repo
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _names
from ansible_collections.atk.core.plugins.module_utils import _plan
from ansible_collections.atk.core.plugins.module_utils import _plan_diff
from ansible_collections.atk.core.plugins.module_utils import _plugin_files
from ansible_collections.atk.core.plugins.module_utils import _urls

FORMAT = "atk.core.plan/1"
_HINT = "Preview again with --check -e atk_plan_out=<file>, review the new plan, and apply that one."
_KEEP = ("none", "install", "configure", "commit")   # actions that leave a plugin's files and pin as they are


# -- writing ----------------------------------------------------------------------------------

def files_digest(root):
    """``sha256:<hex>`` of the source files of a tree (path, type, executable bit, content; custom/,
    .env and .atk-ref left out): what a plan installs."""
    digest = hashlib.sha256()
    for path, entry in sorted(_fs.tree_files(root, _plugin_files.LOCAL_NAMES).items()):
        digest.update(json.dumps([path] + list(entry)).encode("utf-8") + b"\n")
    return "sha256:" + digest.hexdigest()


def staged_digests(plans):
    """directory -> :func:`files_digest` of each plan's staged files."""
    return dict((plan.directory, files_digest(plan.staged)) for plan in plans if plan.staged and plan.directory)


def home_identity(home):
    """What identifies the state of a home for a plan: its path and its manifest's entries (None: none)."""
    try:
        manifest = _manifest.load_manifest(home)
    except AtkError:
        return {"path": home, "plugins": None}
    return {"path": home, "plugins": dict((e["directory"], {
        "name": e["name"], "source": e["source"]["type"], "url": _urls.redact_url(e["source"]["url"]),
        "ref": e["source"]["ref"]}) for e in manifest["plugins"])}


def _location(plan):
    if plan.source == "registry":
        return plan.item.get("name") if plan.entry is None else plan.directory
    if plan.source == "git":
        return _urls.redact_url(plan.url)
    return plan.item.get("path") if plan.source == "local" else None


def host_record(identity, plans, digests, home_actions):
    """This host's part of a saved plan (see the module docstring)."""
    plugins = []
    for plan in plans:
        if not plan.changed:
            continue
        puts = plan.action in _plan.PUT_ACTIONS
        plugins.append({
            "plugin": plan.directory, "name": plan.name, "source": plan.source, "location": _location(plan),
            "action": plan.action, "from": None if plan.action == "add" else plan.before_ref,
            "to": None if plan.action == "remove" else (plan.target_ref or plan.before_ref),
            "files": digests.get(plan.directory) if puts else None,
            "new_required_env": list(plan.new_required_env)})
    return {"home": identity, "home_actions": [action["action"] for action in home_actions], "plugins": plugins}


def _digest(body):
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def document(records):
    """The saved plan of a run: ``records`` maps host names to :func:`host_record` (None: no record)."""
    hosts = dict((str(host), records[host]) for host in sorted(records, key=str) if records[host] is not None)
    body = {"format": FORMAT, "hosts": hosts}
    return {"format": FORMAT, "digest": _digest(body), "hosts": hosts}


def dumps(doc):
    """The plan file's text: indented JSON, keys in a fixed order, a final newline (a stable diff in review)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# -- applying ---------------------------------------------------------------------------------

def load(plan):
    """The saved plan ``plan`` (its JSON text, or the parsed document), verified against its digest.

    Whatever came in goes through JSON once, so the document holds plain ``str``/``list``/``dict``
    only (a templating engine may hand over the parsed document, with its own string types)."""
    try:
        doc = json.loads(plan if isinstance(plan, (bytes, str)) else json.dumps(plan))
    except (TypeError, ValueError) as exc:
        raise AtkError("The saved plan is not valid JSON (%s); nothing was changed." % exc, hint=_HINT)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AtkError("This is not a saved plan of atk.core (format %s expected); nothing was changed." % FORMAT,
                       hint=_HINT)
    body = dict((key, value) for key, value in doc.items() if key != "digest")
    if doc.get("digest") != _digest(body):
        raise AtkError("The saved plan was changed after it was written (its digest %s does not match its content); "
                       "refusing it, nothing was changed." % (doc.get("digest"),), hint=_HINT)
    _check_shape(doc)
    return doc


def _well_formed(doc):
    hosts = doc.get("hosts")
    if not isinstance(hosts, dict):
        return False
    for record in hosts.values():
        if not (isinstance(record, dict) and isinstance(record.get("home"), dict) and
                isinstance(record.get("plugins"), list) and isinstance(record.get("home_actions", []), list)):
            return False
        for entry in record["plugins"]:
            if not (isinstance(entry, dict) and _names.is_valid_directory(str(entry.get("plugin") or "")) and
                    entry.get("action") in _plan.PUT_ACTIONS + _KEEP + ("remove",)):
                return False
    return True


def _check_shape(doc):
    if not _well_formed(doc):
        raise AtkError("The saved plan is malformed (hosts, home or plugins entries); nothing was changed.", hint=_HINT)


def host_entry(doc, host):
    """The record of ``host`` in a loaded plan, or None when the plan does not name it."""
    return doc["hosts"].get(host)


def untouched(home, git, doc, host, want_diff):
    """The result for a host the plan does not name: nothing looked at but the home's description."""
    described = _home_repo.describe(home, git)
    result = {"changed": False, "home": home, "plugins": [], "actions": [], "changed_plugins": [],
              "unchanged_plugins": [], "counts": {"plugins": 0, "changed": 0, "unchanged": 0},
              "before": {"plugins": []}, "after": {"plugins": []}, "home_actions": [], "home_before": described,
              "home_after": described, "network": {"contacts": 0, "urls": []}, "errors": [],
              "warnings": ["The saved plan does not name the host %r: left untouched." % host],
              "saved_plan": {"digest": doc["digest"], "host": host, "named": False}}
    if want_diff:
        result["diff"] = []
    return result


def _applied(entry, now):
    """Whether the manifest entry ``now`` is what the plan's ``entry`` leads to (the plan ran already)."""
    if entry["action"] == "remove":
        return now is None
    return now is not None and now["ref"] == entry["to"] and now["source"] == entry["source"]


def check_home(record, identity):
    """Refuse (AtkError, nothing written) when the home is not the one the record was computed against."""
    if record.get("home_actions"):
        raise AtkError("The saved plan was computed with changes to the home itself pending (%s); a saved plan "
                       "applies to the plugins of a home that is in place, so nothing was changed."
                       % ", ".join(record["home_actions"]),
                       hint="Converge the home first (the role without atk_plan_in, or atk.core.atk_home), then "
                            "preview again.")
    then = record["home"]
    problems = []
    if then.get("path") != identity["path"]:
        problems.append("the plan is for the home %s, this run's home is %s" % (then.get("path"), identity["path"]))
    elif then.get("plugins") is None or identity["plugins"] is None:
        problems.append("the preview found %s manifest, there is %s now" % (
            "no" if then.get("plugins") is None else "a", "none" if identity["plugins"] is None else "one"))
    else:
        planned = dict((entry["plugin"], entry) for entry in record["plugins"])
        old, new = then["plugins"], identity["plugins"]
        for directory in sorted(set(old) | set(new)):
            was, now = old.get(directory), new.get(directory)
            if was == now or (directory in planned and _applied(planned[directory], now)):
                continue
            if was is None:
                problems.append("plugin '%s' was added (%s at %s)" % (directory, now["source"], _plan_diff.short(now["ref"])))
            elif now is None:
                problems.append("plugin '%s' was removed" % directory)
            elif was.get("ref") != now["ref"]:
                problems.append("'%s' is pinned at %s, the plan was computed at %s" % (
                    directory, _plan_diff.short(now["ref"]), _plan_diff.short(was.get("ref"))))
            else:
                problems.append("the manifest entry of '%s' changed (%s)" % (directory, ", ".join(
                    "%s %s, the plan has %s" % (key, now.get(key), was.get(key)) for key in sorted(now)
                    if now.get(key) != was.get(key))))
    if problems:
        raise AtkError("This home changed since the saved plan was made, so the plan no longer says what a run would "
                       "do: %s. Nothing was changed." % "; ".join(problems), hint=_HINT)


def _matches(entry, item, manifest_entry):
    """Whether the desired ``item`` (normalized) is the plugin of the plan's ``entry``."""
    if item["source"] == "registry":
        return _names.sanitize_directory_name(item["name"]) == entry["plugin"]
    if item["source"] == "git" and item["url"]:
        urls = [entry.get("location")] + ([manifest_entry["source"]["url"]] if manifest_entry else [])
        return any(url and _urls.identity(url) == _urls.identity(item["url"]) for url in urls)
    if item["source"] == "local" and item["path"]:
        return item["path"] == entry.get("location")
    return False


def items(record, manifest, desired):
    """The desired items of a plan run: the plugins the record names, each at its ``to`` ref. The
    desired items of the run (``desired``: atk_plugins) give only what a plan cannot hold: ``.env``
    values, drift handling, a git URL's credentials and a local plugin's path."""
    wanted = [_desired.normalize_item(item, "present") for item in desired]
    entries = dict((e["directory"], e) for e in manifest["plugins"]) if manifest else {}
    result = []
    for entry in record["plugins"]:
        current = entries.get(entry["plugin"])
        match = next((item for item in wanted if item["source"] != "any" and _matches(entry, item, current)), None)
        item = {"name": None, "source": entry.get("source"), "url": None, "path": None, "state": "present",
                "version": entry.get("to") if entry.get("source") in ("registry", "git") else None,
                "env": match["env"] if match else None, "drift": match["drift"] if match else None}
        if entry["action"] == "remove":
            item.update(name=entry["plugin"], source=None, version=None, state="absent")
        elif current is not None:
            item.update(name=current["directory"], source=current["source"]["type"], url=current["source"]["url"])
        elif entry.get("source") == "registry":
            item["name"] = entry.get("location")
        if item["source"] == "git" and item["url"] is None:
            item["url"] = match["url"] if match else entry.get("location")
        if item["source"] == "local":
            item["path"] = match["path"] if match else entry.get("location")
        result.append(item)
    return result


def _doing(action, ref):
    return action if ref is None else "%s to %s" % (action, _plan_diff.short(ref))


def check_plans(record, plans, digests):
    """Refuse (AtkError, before anything is applied) unless the plans do what the record says."""
    expected = dict((entry["plugin"], entry) for entry in record["plugins"])
    problems = []
    seen = set()
    for plan in plans:
        entry = expected.get(plan.directory)
        seen.add(plan.directory)
        if entry is None:
            problems.append("plugin '%s' is not in the plan" % plan.directory)
            continue
        target = None if plan.action == "remove" else (plan.target_ref or plan.before_ref)
        if entry["action"] == "remove":
            ok = plan.action in ("remove", "none")
        elif target != entry.get("to"):
            ok = False
        elif plan.action in _plan.PUT_ACTIONS:
            ok = entry.get("files") is None or digests.get(plan.directory) == entry["files"]
            if not ok:
                problems.append("the files of '%s' at %s are not the ones reviewed (%s, the plan has %s)" % (
                    plan.directory, _plan_diff.short(target) or "its folder", digests.get(plan.directory), entry["files"]))
                continue
        else:
            ok = plan.action in _KEEP
        if not ok:
            problems.append("'%s': the plan says %s, this run would %s" % (
                plan.directory, _doing(entry["action"], entry.get("to")), _doing(plan.action, target)))
    for directory in sorted(set(expected) - seen):
        problems.append("plugin '%s' of the plan was not found" % directory)
    if problems:
        raise AtkError("This run would not do what the saved plan says: %s. Nothing was changed." % "; ".join(problems),
                       hint=_HINT)
