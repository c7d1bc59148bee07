# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""manifest.yaml, read and written exactly as atk 0.4.0 does. PRIVATE to the collection.

atk loads the file into a lax pydantic model and writes
``yaml.dump(model.model_dump(mode="json"), default_flow_style=False, sort_keys=False)``.
:func:`normalize` reproduces ``model_dump`` (defaults filled in, unknown keys dropped,
lax booleans coerced) and :func:`dump_manifest` the ``yaml.dump`` call, so a manifest
atk wrote loads and saves back byte-identically.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import traceback

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _validate
from ansible_collections.atk.core.plugins.module_utils._schemas import MANIFEST_SCHEMA

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

SCHEMA_VERSION = "2026-02-06"
FILENAME = "manifest.yaml"


def initial_manifest():
    return {"schema_version": SCHEMA_VERSION, "config": {"auto_commit": True, "auto_push": False}, "plugins": []}


def normalize(data):
    """What atk's ``model_dump(mode="json")`` gives for already validated data."""
    config = data.get("config") or {}
    plugins = []
    for entry in data.get("plugins") or []:
        source = entry.get("source") or {}
        plugins.append({
            "name": entry["name"],
            "directory": entry["directory"],
            "source": {
                "type": source.get("type", "local"),
                "ref": source.get("ref"),
                "url": source.get("url"),
            },
        })
    return {
        "schema_version": data["schema_version"],
        "config": {
            "auto_commit": _validate.truthy(config.get("auto_commit", True)),
            "auto_push": _validate.truthy(config.get("auto_push", False)),
        },
        "plugins": plugins,
    }


def parse_manifest(text, where=FILENAME):
    """Parse and validate manifest text; returns the normalised dict."""
    try:
        # _spec's parser refuses alias bombs and recursive aliases, which yaml.safe_load would
        # expand (or loop on) during validation.
        data = _spec.parse_yaml(text, where)
    except AtkError as exc:
        detail = exc.msg.split("': ", 1)[-1] if exc.msg.startswith("Invalid YAML in '") else exc.msg
        raise AtkError("Invalid manifest '%s': not valid YAML (%s)" % (where, detail.splitlines()[0]),
                       hint="Fix the file or restore it from git (git -C %s checkout -- manifest.yaml)."
                       % os.path.dirname(os.path.abspath(where)))
    # validate() returns the data with pydantic's lax coercions applied ("yes" -> True, ...).
    return normalize(_validate.validate(data, MANIFEST_SCHEMA, "manifest '%s'" % where))


def dump_manifest(manifest):
    """atk's exact serialisation of a normalised manifest."""
    return yaml.dump(normalize(manifest), default_flow_style=False, sort_keys=False)


def manifest_path(home):
    return os.path.join(home, FILENAME)


# path -> ((device, inode, size, mtime_ns), manifest, record key): one run reads and validates a
# manifest once, whatever the number of steps that look at it (the home, the plugins, the agents, the report).
_LOADED = {}

# Across runs: a real converge that changed the home records its manifest in
# <home>/.git/atk-core/manifest.json, normalised and validated, under the SHA-256 of the file's text and
# of the schema, so a later run reading the very same text skips the YAML parser, the JSON Schema
# validation and the jsonschema import (the largest cost of a no-op after Ansible's own). Any other text is
# parsed and validated as always; an unreadable or foreign record is ignored. A no-op and check mode only
# read records: they write nothing (see remember_validated).
RECORD_FILE = "manifest.json"
RECORD_VERSION = 1  # bump when parse_manifest could give another result for the same text
_SCHEMA_DIGEST = hashlib.sha256(json.dumps(MANIFEST_SCHEMA, sort_keys=True).encode("utf-8")).hexdigest()


def _record_key(text):
    return "%d %s %s" % (RECORD_VERSION, _SCHEMA_DIGEST,
                         hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest())


def _record_path(home):
    return os.path.join(home, ".git", "atk-core", RECORD_FILE)


def _recorded(home, record_key):
    """The manifest recorded under ``record_key``, or None (no record, another key, anything broken).

    Returned as :func:`normalize` builds it (its key order too), so it is exactly what parsing gives."""
    try:
        record = json.loads(_fs.read_text(_record_path(home)) or "null")
        if record["key"] != record_key:
            return None
        manifest = normalize(record["manifest"])
        return manifest if manifest == record["manifest"] else None
    except Exception:  # pylint: disable=broad-except  # a broken record (even JSON nested too deep) is no record
        return None


def load_manifest(home):
    path = manifest_path(home)
    try:
        info = os.stat(path)
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        key = None
    cached = _LOADED.get(path)
    if key is not None and cached is not None and cached[0] == key:
        return copy.deepcopy(cached[1])
    text = _fs.read_text(path)
    if text is None:
        raise AtkError("manifest.yaml not found at %s" % path, hint="Initialise the home with atk.core.atk_home first.")
    record_key = _record_key(text)
    manifest = _recorded(home, record_key)
    if manifest is None:
        manifest = parse_manifest(text, path)
    if key is not None:
        _LOADED[path] = (key, copy.deepcopy(manifest), record_key)
    return manifest


def remember_validated(home):
    """Record the manifest as the file holds it now, validated (see RECORD_FILE). Called at the end of a
    real run that changed the home, under its lock (a no-op and check mode write nothing). Best effort:
    a record is only a shortcut, and without one the next run parses and validates as always."""
    path = manifest_path(home)
    state = os.path.dirname(_record_path(home))
    if not os.path.isdir(state):
        return
    try:
        text = _fs.read_text(path)
        if text is None:
            return
        record_key = _record_key(text)
        cached = _LOADED.get(path)
        manifest = cached[1] if cached is not None and cached[2] == record_key else parse_manifest(text, path)
        # Unchanged bytes leave the file untouched (atomic_write).
        _fs.atomic_write(_record_path(home), json.dumps({"key": record_key, "manifest": normalize(manifest)}) + "\n",
                         mode=0o600, temp_dir=state)
    except Exception:  # pylint: disable=broad-except  # the run's work is done: a record that fails is no record
        pass


def save_manifest(home, manifest):
    """Write atomically; False (file untouched) when the bytes would not change."""
    # The temporary file goes to .git/atk-core (atk.core's state dir), never the working tree.
    return _fs.atomic_write(manifest_path(home), dump_manifest(manifest), temp_dir=os.path.join(home, ".git", "atk-core"))


def find_entry(manifest, identifier):
    """atk's lookup: the first entry whose directory or display name equals ``identifier``."""
    for entry in manifest["plugins"]:
        if entry["directory"] == identifier or entry["name"] == identifier:
            return entry
    return None


def with_entry(manifest, entry):
    """A copy of ``manifest`` with ``entry`` replacing the one of the same directory, or appended."""
    result = copy.deepcopy(manifest)
    for index, current in enumerate(result["plugins"]):
        if current["directory"] == entry["directory"]:
            result["plugins"][index] = copy.deepcopy(entry)
            return result
    result["plugins"].append(copy.deepcopy(entry))
    return result


def without_entry(manifest, directory):
    result = copy.deepcopy(manifest)
    result["plugins"] = [e for e in result["plugins"] if e["directory"] != directory]
    return result


def apply_change(manifest, change):
    """``manifest`` after one plan's change: ("put", entry), ("remove", directory) or None."""
    if change is None:
        return manifest
    kind, what = change
    if kind == "put":
        return with_entry(manifest, what)
    if kind == "remove":
        return without_entry(manifest, what)
    raise ValueError("unknown manifest change %r" % (kind,))


def make_entry(name, directory, source_type, ref=None, url=None):
    return {"name": name, "directory": directory, "source": {"type": source_type, "ref": ref, "url": url}}
