# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's ``.env``: edit and write it losslessly for atk. PRIVATE to the collection.

Built on :mod:`_dotenv` (the grammar, and values as atk reads them): change or remove the keys
atk.core manages while every other line keeps its bytes and place (:func:`set_values` /
:func:`remove_keys`), and write values so that python-dotenv returns them unchanged
(:func:`quote`).

What :func:`quote` writes, and why (all verified against the real library):

* ``""`` -> ``KEY=`` (atk's own form; ``''`` counts as *set* for atk's required check).
* A value with no whitespace, quote, ``#`` or control character -> unquoted, as atk writes it.
* Anything else -> double quotes, escaping ``\\`` ``"`` newline, carriage return and tab as
  ``\\\\`` ``\\"`` ``\\n`` ``\\r`` ``\\t`` (the only escapes python-dotenv decodes, besides
  ``\\a \\b \\f \\v \\'`` which we never need).
* ``${``: python-dotenv expands ``${NAME}`` and ``${NAME:-default}`` *after* unquoting, in
  every quoting style (single quotes included), and ``\\$`` is not an escape (``"\\${X}"``
  reads as ``\\`` + the value of X). The one way to get a literal ``${`` is interpolation
  itself: ``${=:-$}`` expands to ``$`` because no environment variable can be named ``=``
  (``os.environ`` and ``putenv`` refuse ``=`` in names) and no unquoted .env key can contain
  ``=``. So ``${HOME}`` is written ``${=:-$}{HOME}`` (every ``${`` in a value is written so).
* A value ending in a backslash that needs double quotes gets an empty expansion
  ``${=:-}`` before the closing quote: python-dotenv 1.2.1 and 1.2.2 (which atk accepts)
  read ``"...\\\\"`` as an escaped quote and may run on to a later line.
* NUL and other control characters (U+0000-U+001F except tab, newline and carriage
  return, U+007F-U+009F) and lone surrogates are refused with an :class:`AtkError` naming
  the key. Error messages never contain a value.
"""

from __future__ import annotations

import os
import unicodedata

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils._dotenv import NAME_PATTERN, DOLLAR, EMPTY

FILE_MODE = 0o600
# A temporary file left in a plugin folder by a killed write stays git-ignored (``*.env``).
TEMP_SUFFIX = ".env"


# ---------------------------------------------------------------------------------------------
# Writing values


def validate_name(key):
    """Raise AtkError unless ``key`` matches atk's env var name pattern ``^[A-Z_][A-Z0-9_]*$``."""
    if not isinstance(key, str) or not NAME_PATTERN.match(key):
        raise AtkError(
            "Invalid environment variable name %r." % (key,),
            hint="Names must match ^[A-Z_][A-Z0-9_]*$ (atk's rule), e.g. API_KEY.",
            key=key if isinstance(key, str) else None)


def normalize_values(values):
    """Validate names and turn the ``values`` option into {NAME: str}.

    Integers and floats become their text (``8080`` -> ``"8080"``). Booleans and None are
    refused: YAML turns ``yes``/``true``/``~`` into them and the text meant is ambiguous.
    """
    result = {}
    for key, value in (values or {}).items():
        validate_name(key)
        if isinstance(value, bool):
            raise AtkError("The value of %s is a boolean, not text." % key,
                           hint='Quote it in YAML (for example "true" or "1") to say exactly what to write.', key=key)
        if value is None:
            raise AtkError("The value of %s is null." % key,
                           hint="Use an empty string to set it empty, or state=absent to remove it.", key=key)
        if isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str):
            raise AtkError("The value of %s must be text, not %s." % (key, type(value).__name__), key=key)
        result[key] = value
    return result


def _check_value(value, key):
    if not isinstance(value, str):
        raise AtkError("The value of %s must be a string, not %s." % (key, type(value).__name__),
                       hint="Quote it in YAML.", key=key)
    for char in value:
        if char in "\t\n\r":
            continue
        category = unicodedata.category(char)
        if char == "\x00":
            raise AtkError("The value of %s contains a NUL character, which a .env file cannot hold." % key,
                           hint="Remove it from the value.", key=key)
        if category == "Cc":
            raise AtkError(
                "The value of %s contains a control character, which atk.core does not write to .env." % key,
                hint="Only tab, newline and carriage return are accepted among U+0000-U+001F and U+007F-U+009F.",
                key=key)
        if category == "Cs":
            raise AtkError("The value of %s is not valid Unicode (it contains a lone surrogate)." % key,
                           hint="Pass the value as proper UTF-8 text.", key=key)


def _needs_quotes(value):
    for char in value:
        if char.isspace() or char in "'\"#" or unicodedata.category(char) == "Cc":
            return True
    return False


def _escape(value):
    return (value.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))


def quote(value, key="value"):
    """The text to put after ``KEY=`` so that python-dotenv reads back exactly ``value``.

    Raises AtkError (naming ``key``, never the value) for values a .env cannot hold.
    """
    _check_value(value, key)
    if value == "":
        return ""
    # Every "${" is protected (not only complete references): the raw text then holds "${"
    # only where DOLLAR/EMPTY start, and each of those matches exactly itself.
    protected = value.replace("${", DOLLAR + "{")
    if not _needs_quotes(value):
        return protected
    body = _escape(protected)
    if body.endswith("\\"):
        body += EMPTY
    return '"' + body + '"'


def _one_line(text):
    """atk writes ``# <description>`` verbatim; keep that unless it would break the line."""
    if any(unicodedata.category(c) == "Cc" for c in text):
        return " ".join("".join(c if unicodedata.category(c) != "Cc" else " " for c in text).split())
    return text


def _assignment(key, value, head=None, tail=None):
    """A new ``assign`` line for ``key``; ``head``/``tail`` of a line it replaces are kept."""
    quoted = quote(value, key)
    if head is None:
        head = key + "="
    if tail is None or tail == "":
        tail = "\n" if tail is None else ""
    else:
        content = tail.rstrip("\n")
        if "#" in content:
            if not content[:1].isspace():
                tail = " " + tail
            if quoted == "":
                # ``KEY= # c`` is '' only for python-dotenv >= 1.2.4.
                quoted = '""'
    line = _dotenv.EnvLine("assign", head + quoted + tail, key=key, raw=None, head=head, tail=tail)
    return line


def _description_line(description):
    text = _one_line(description or "")
    return _dotenv.EnvLine("comment", "# " + text + "\n") if text.strip() else None


def update(text, set_values=None, remove=(), descriptions=None, where=".env"):
    """Set and remove keys in .env text. -> (new_text, added, changed, removed)

    ``set_values``: {KEY: value}. A key whose current value (as atk reads it, independent of
    the environment) already equals the value is left alone, whatever its quoting. A changed
    key is rewritten in place at its first line (other lines for the same key are dropped;
    its inline comment is kept); a new key is appended, preceded by ``# <description>`` when
    ``descriptions`` has one (what ``atk setup`` writes).

    ``remove``: keys to delete (all their lines). With ``descriptions``, a comment line right
    above a removed key that reads exactly ``# <description>`` (atk's own) goes too.

    Every other line keeps its bytes. The result is verified by re-parsing: if an existing
    line python-dotenv cannot parse would swallow or change what we wrote, AtkError.
    ``added``/``changed``/``removed`` are key names in the order given.
    """
    set_values = dict(set_values or {})
    remove = list(remove or ())
    descriptions = descriptions or {}
    for key in set_values:
        validate_name(key)
    overlap = sorted(set(set_values) & set(remove))
    if overlap:
        raise AtkError("Cannot both set and remove %s." % ", ".join(overlap))
    for key, value in set_values.items():
        quote(value, key)  # refuse unwritable values before touching anything

    document = _dotenv.parse(text)
    before_raw = _dotenv.raw_dict(document)
    before_static = _dotenv.static_values(document)
    lines = list(document.lines)

    added, changed, removed = [], [], []

    # Removals.
    remove_set = set()
    for key in remove:
        if key in before_raw and key not in remove_set:
            remove_set.add(key)
            removed.append(key)
    if remove_set:
        kept = []
        for line in lines:
            if line.kind in ("assign", "bare") and line.key in remove_set:
                description = descriptions.get(line.key)
                previous = _description_line(description) if description else None
                if (previous is not None and kept and kept[-1].kind == "comment"
                        and kept[-1].text.rstrip("\n") == previous.text.rstrip("\n")):
                    kept.pop()
                continue
            kept.append(line)
        lines = kept

    # Changes and additions.
    appended = []
    for key, value in set_values.items():
        if key in before_static and before_static[key] == value:
            continue
        positions = [i for i, line in enumerate(lines) if line.kind in ("assign", "bare") and line.key == key]
        if positions:
            first = lines[positions[0]]
            if first.kind == "assign":
                replacement = _assignment(key, value, first.head, first.tail)
            else:
                replacement = _assignment(key, value)
            replacement.lineno = first.lineno
            lines[positions[0]] = replacement
            for index in reversed(positions[1:]):
                del lines[index]
        else:
            description = _description_line(descriptions.get(key))
            if description is not None:
                appended.append(description)
            appended.append(_assignment(key, value))
        if before_raw.get(key) is None:
            added.append(key)
        else:
            changed.append(key)
    if appended:
        if lines and not lines[-1].text.endswith("\n"):
            last = lines[-1]
            lines[-1] = _dotenv.EnvLine(last.kind, last.text + "\n", key=last.key, raw=last.raw, head=last.head,
                                        tail=(last.tail + "\n") if last.tail is not None else None, lineno=last.lineno)
        lines.extend(appended)

    if not (added or changed or removed):
        return text, [], [], []

    new_text = _dotenv.render(_dotenv.EnvDocument(lines, bom=document.bom, newline=document.newline))
    _verify(document, _dotenv.parse(new_text), set_values, remove_set, where)
    return new_text, added, changed, removed


def _verify(old, new, set_values, removed, where):
    """Re-read what we are about to write; refuse when it would not read as intended."""
    old_raw, new_raw = _dotenv.raw_dict(old), _dotenv.raw_dict(new)
    new_static = _dotenv.static_values(new)
    managed = set(set_values) | set(removed)
    bad = sorted(key for key, value in set_values.items() if new_static.get(key) != value)
    bad += sorted(key for key in removed if key in new_raw)
    others_old = dict((k, v) for k, v in old_raw.items() if k not in managed)
    others_new = dict((k, v) for k, v in new_raw.items() if k not in managed)
    if bad or others_old != others_new:
        errors = [line.lineno for line in old.lines if line.kind == "error"]
        where_errors = (" python-dotenv cannot parse the statement at line %s of the current file."
                        % ", ".join(str(n) for n in errors)) if errors else ""
        raise AtkError(
            "Cannot update %s safely: the result would not read back as intended%s.%s"
            % (where, (" for " + ", ".join(bad)) if bad else "", where_errors),
            hint="Fix or remove the unparsable line(s) (an unterminated quote, usually), then retry.",
            keys=bad, error_lines=errors)


def set_values(text, mapping, descriptions=None, where=".env"):
    """Set ``mapping`` in .env text. -> (new_text, added, changed, removed=[])."""
    return update(text, set_values=mapping, descriptions=descriptions, where=where)


def remove_keys(text, keys, descriptions=None, where=".env"):
    """Remove ``keys`` from .env text. -> (new_text, added=[], changed=[], removed)."""
    return update(text, remove=keys, descriptions=descriptions, where=where)


# ---------------------------------------------------------------------------------------------
# Files


def read_file(path):
    """The text of the .env at ``path``, or None when there is none. AtkError if not UTF-8."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        if not os.path.exists(path) and not os.path.islink(path):
            return None
        raise AtkError("Cannot read %s: %s." % (path, exc.strerror or exc), path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AtkError("%s is not valid UTF-8 (byte %d); atk could not read it either." % (path, exc.start),
                       hint="Fix the file's encoding.", path=path)


def write_file(path, text, temp_dir=None):
    """Write ``text`` to ``path`` atomically with mode 0600 (temp file, fsync, rename).

    ``temp_dir``: where the temporary file goes; callers that know the home pass
    ``<home>/.git/atk-core``, so a run killed before the rename leaves nothing in the plugin
    folder. Elsewhere the temporary name ends in ``.env``: a local plugin's folder is
    un-ignored in the home's .gitignore, and only the secrets block (``*.env``, ``.env.*``)
    keeps atk's ``git add -A`` from committing a leftover.

    Writes through a symlink to its target. When running as root, the file keeps the owner
    it had (or, for a new file, gets its directory's owner), so the user running atk can
    still read it. Callers skip this entirely when nothing changed (file untouched).
    """
    _fs.atomic_write(path, text, FILE_MODE, temp_dir=temp_dir, suffix=TEMP_SUFFIX, keep_owner=True,
                     follow_symlinks=True)
