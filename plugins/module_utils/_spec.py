# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin.yaml loading, as atk 0.4.0's ``load_plugin_schema`` does it. PRIVATE to the collection.

``load_plugin(dir)``: ``plugin.yaml`` (else ``plugin.yml``) through ``yaml.safe_load``, then
``custom/overrides.yaml`` deep-merged when it parses to a mapping, then validation against the
plugin JSON Schema (atk's strict pydantic ``PluginSchema``, lax coercion).

What comes back is a plain dict: the file's keys only (no defaults injected), with the lax values
atk coerces already coerced (``env_vars[].required/secret`` to bool, ``ports[].port`` and
``mcp.timeout`` to int, ``!!binary`` text to str, ``!!set`` to list). The helpers
:func:`env_vars`, :func:`ports`, :func:`lifecycle`, :func:`mcp` and :func:`maturity` apply atk's
defaults when reading.

Beyond atk (which would crash or hang instead): files over 1 MiB, non-UTF-8 files, recursive YAML
aliases, alias expansion beyond ``MAX_NODES`` nodes ("billion laughs") and nesting deeper than
``MAX_DEPTH`` are refused with an :class:`AtkError`.
"""

from __future__ import annotations

import os
import re
import stat
import traceback

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _validate
from ansible_collections.atk.core.plugins.module_utils._schemas import PLUGIN_SCHEMA

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

# libyaml's parser with PyYAML's safe constructor, when PyYAML was built with it, for the text
# both parsers read alike (see parse_yaml): printable ASCII and newlines, except "!" (libyaml reads a
# lone "!" tag on an empty node as "", PyYAML as None; it takes tags PyYAML refuses) and "?"
# (libyaml accepts "[a?]" and "{a: b?}", PyYAML does not); and no block scalar header followed by
# "#" without a space ("|#", ">-#": libyaml reads a comment, PyYAML refuses it).
_CLOADER = getattr(yaml, "CSafeLoader", None)
_PLAIN_TEXT = re.compile(r"[\n\x20\x22-\x3e\x40-\x7e]*\Z")
_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")

PLUGIN_FILES = ("plugin.yaml", "plugin.yml")
CUSTOM_DIR = "custom"
OVERRIDES_FILE = "overrides.yaml"
LIFECYCLE_KEYS = ("install", "uninstall", "start", "stop", "logs", "status", "health_endpoint")

MAX_FILE_SIZE = 1024 * 1024
# A 1 MiB document without aliases has well under a million nodes, so only alias expansion reaches this.
MAX_NODES = 1000000
MAX_DEPTH = 100


def _require_yaml():
    if not HAS_YAML:
        raise AtkError("The Python library 'PyYAML' is not installed.",
                       hint="Install PyYAML (python3-yaml or pip install pyyaml) on the managed host.")


def read_text(path, max_size=MAX_FILE_SIZE):
    """The file as atk's ``Path.read_text()`` gives it (UTF-8, universal newlines), refusing big files.

    Only regular files are opened: a FIFO would block the module forever (holding the home's lock).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise AtkError("Cannot read '%s': %s" % (path, exc.strerror or exc))
    if not stat.S_ISREG(mode):
        raise AtkError("Refusing to read '%s': it is not a regular file" % path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_size + 1)
    except OSError as exc:
        raise AtkError("Cannot read '%s': %s" % (path, exc.strerror or exc))
    if len(raw) > max_size:
        raise AtkError("Refusing to read '%s': it is larger than %d bytes (1 MiB)" % (path, max_size),
                       hint="A plugin file is a few kilobytes; check that the path is right.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AtkError("Invalid YAML in '%s': not UTF-8 text (byte 0x%02x at offset %d)" % (path, raw[exc.start], exc.start))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _children(node):
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_node(root, where):
    """Refuse recursive aliases, alias expansion beyond MAX_NODES and nesting beyond MAX_DEPTH."""
    sizes = {}
    depths = {}
    on_path = set()
    stack = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            on_path.discard(key)
            children = _children(node)
            size = 1 + sum(sizes[id(child)] for child in children)
            depth = 1 + max([depths[id(child)] for child in children] or [0])
            if size > MAX_NODES:
                raise AtkError("Invalid YAML in '%s': more than %d nodes once aliases are expanded; refusing it "
                               "(an alias bomb?)" % (where, MAX_NODES))
            if depth > MAX_DEPTH:
                raise AtkError("Invalid YAML in '%s': nested more than %d levels deep" % (where, MAX_DEPTH))
            sizes[key] = size
            depths[key] = depth
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise AtkError("Invalid YAML in '%s': an alias refers to a node that contains it (recursive alias)" % where)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def parse_yaml(text, where):
    """``yaml.safe_load(text)`` with atk's error text, after the alias and depth checks. None when empty.

    Plain text (printable ASCII and newlines but "!" and "?": manifests, most plugin.yaml files)
    goes through libyaml's parser first (``CSafeLoader``, about 10x faster: a 500-plugin manifest in
    15 ms instead of 150), which builds the same nodes for such text (tabs, BOMs, "!", "?" and other
    characters are where the two parsers disagree, so they never take this way); the same Python
    constructor then makes the same values. Anything libyaml does not parse cleanly goes to the
    pure-Python parser atk uses, which decides, with atk's error text."""
    _require_yaml()
    if _CLOADER is not None and _fast_path(text):
        try:
            return _parse_yaml(text, where, _CLOADER)
        except Exception:  # pylint: disable=broad-except  # the pure-Python parser decides, with atk's message
            pass
    return _parse_yaml(text, where, yaml.SafeLoader)


def _fast_path(text):
    """Whether libyaml reads ``text`` as PyYAML's pure-Python parser does (see _PLAIN_TEXT)."""
    return _PLAIN_TEXT.match(text) is not None and _HEADER_COMMENT.search(text) is None


def _parse_yaml(text, where, loader_class):
    try:
        # The reader checks the characters already here (a lone surrogate from bytes that are not
        # UTF-8 raises a ReaderError), so the loader is made inside the try.
        loader = loader_class(text)
    except yaml.YAMLError as exc:
        raise AtkError("Invalid YAML in '%s': %s" % (where, exc))
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node(node, where)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise AtkError("Invalid YAML in '%s': %s" % (where, exc))
    except RecursionError:
        raise AtkError("Invalid YAML in '%s': nested too deeply" % where)
    except (ValueError, TypeError, OverflowError) as exc:
        # A tagged scalar its constructor cannot convert (``!!int x``, ``!!float x``) raises these, not YAMLError.
        raise AtkError("Invalid YAML in '%s': a tagged value cannot be converted: %s" % (where, exc))
    finally:
        loader.dispose()


def load_yaml_file(path):
    """:func:`read_text` then :func:`parse_yaml`."""
    return parse_yaml(read_text(path), path)


def _kind(value):
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a %s" % type(value).__name__


def load_plugin_file(path):
    """One plugin file, parsed but not validated. Empty -> atk's ``empty file`` error; must be a mapping."""
    data = load_yaml_file(path)
    if data is None:
        raise AtkError("Invalid YAML in '%s': empty file" % path)
    if not isinstance(data, dict):
        raise AtkError("Invalid plugin '%s': top level: expected mapping, got %s" % (path, _kind(data)))
    return data


def find_plugin_file(plugin_dir):
    """``plugin.yaml`` if it exists, else ``plugin.yml``; a path that is not a directory is the file itself."""
    if not os.path.exists(plugin_dir):
        raise AtkError("Source path '%s' does not exist" % plugin_dir)
    if not os.path.isdir(plugin_dir):
        return plugin_dir
    for name in PLUGIN_FILES:
        candidate = os.path.join(plugin_dir, name)
        if os.path.exists(candidate):
            return candidate
    raise AtkError("Directory '%s' does not contain plugin.yaml or plugin.yml" % plugin_dir)


def deep_merge(base, override):
    """atk's ``_deep_merge``: dicts merge recursively with the override winning; anything else
    (lists, scalars, an explicit null) replaces. Neither argument is modified."""
    result = dict(base)
    for key, value in override.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = deep_merge(current, value)
        else:
            result[key] = value
    return result


def overrides_path(plugin_dir):
    return os.path.join(plugin_dir, CUSTOM_DIR, OVERRIDES_FILE)


def _inside_folder(path, plugin_dir):
    """Refuse a plugin file that is a symlink leading out of ``plugin_dir``, before reading it: a
    parser error would quote the file it leads to (any file on the host) in the message."""
    real = os.path.realpath(path)
    root = os.path.realpath(plugin_dir)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise AtkError("Refusing '%s': it is a symlink to '%s', outside the plugin folder." % (path, os.readlink(path)
                       if os.path.islink(path) else real), hint="Plugin files must be inside the plugin folder.")


def load_overrides(plugin_dir):
    """``custom/overrides.yaml`` when it exists and parses to a mapping, else None (as atk ignores it)."""
    path = overrides_path(plugin_dir)
    if not os.path.exists(path):
        return None
    _inside_folder(path, plugin_dir)
    data = load_yaml_file(path)
    return data if isinstance(data, dict) else None


def load_plugin(plugin_dir, overrides=True):
    """The validated plugin of ``plugin_dir`` with ``custom/overrides.yaml`` merged in (unless
    ``overrides`` is False). ``plugin_dir`` may also be a plugin file (no overrides then, like atk)."""
    path = find_plugin_file(plugin_dir)
    if os.path.isdir(plugin_dir):
        _inside_folder(path, plugin_dir)
    data = load_plugin_file(path)
    if overrides and os.path.isdir(plugin_dir):
        extra = load_overrides(plugin_dir)
        if extra is not None:
            data = deep_merge(data, extra)
    return validate_plugin(data, path)


def _coerce(container, key, coerce):
    if isinstance(container, dict) and container.get(key) is not None:
        container[key] = coerce(container[key])


def validate_plugin(data, where):
    """Validate plugin data (``where`` names it in messages); returns the normalised, coerced copy."""
    spec = _validate.validate(data, PLUGIN_SCHEMA, "plugin '%s'" % where)
    for var in spec.get("env_vars", []):
        _coerce(var, "required", _validate.coerce_bool)
        _coerce(var, "secret", _validate.coerce_bool)
    for port in spec.get("ports", []):
        _coerce(port, "port", _validate.coerce_int)
    _coerce(spec.get("mcp"), "timeout", _validate.coerce_int)
    return spec


def maturity(spec):
    return spec.get("maturity", "ai-generated")


def env_vars(spec):
    """``env_vars`` with atk's defaults filled in."""
    return [{
        "name": var["name"],
        "required": var.get("required", False),
        "secret": var.get("secret", False),
        "default": var.get("default"),
        "description": var.get("description"),
    } for var in spec.get("env_vars", [])]


def required_names(spec):
    """Names of the variables ``spec`` declares required (none for a missing spec)."""
    return [var["name"] for var in (spec or {}).get("env_vars") or [] if _validate.truthy(var.get("required"))]


def ports(spec):
    """``ports`` with atk's defaults filled in."""
    return [{
        "port": port["port"],
        "name": port.get("name"),
        "protocol": port.get("protocol", "http"),
        "description": port.get("description"),
    } for port in spec.get("ports", [])]


def lifecycle(spec, key):
    """One lifecycle command (``install``, ``start``, ...) or None. There is no ``restart``."""
    if key not in LIFECYCLE_KEYS:
        raise KeyError("unknown lifecycle key %r (atk knows %s)" % (key, ", ".join(LIFECYCLE_KEYS)))
    return (spec.get("lifecycle") or {}).get(key)


def mcp(spec):
    """The ``mcp`` section with atk's defaults filled in, or None."""
    section = spec.get("mcp")
    if section is None:
        return None
    return {
        "transport": section["transport"],
        "command": section.get("command"),
        "args": section.get("args"),
        "endpoint": section.get("endpoint"),
        "env": section.get("env"),
        "timeout": section.get("timeout"),
    }
