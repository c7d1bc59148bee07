# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's ``.env``: parse, edit and write it losslessly for atk. PRIVATE to the collection.

atk 0.4.0 reads ``plugins/<dir>/.env`` with python-dotenv's ``dotenv_values(path)``
(interpolation on, python-dotenv >= 1.2.1) and keeps the keys whose value is not None.
This file re-implements that grammar (python-dotenv 1.2.4, the newest one; see
"Divergences") so that atk.core can

* read the file exactly as atk reads it (:func:`values`);
* change or remove the keys it manages while every other line (comments, blank lines,
  keys it does not manage, lines python-dotenv cannot parse) keeps its bytes and place
  (:func:`parse` / :func:`render` / :func:`set_values` / :func:`remove_keys`);
* write values so that python-dotenv returns them unchanged (:func:`quote`).

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

Divergences from python-dotenv (documented, deliberate):

* A leading UTF-8 BOM is ignored (1.2.3+ behaviour; 1.2.1/1.2.2 read it as part of the
  first key). It is kept when the file is rewritten.
* ``KEY= # comment`` reads as ``''`` (1.2.4 behaviour; older versions read ``# comment``).
  atk.core never writes that form: an empty value followed by a kept inline comment is
  written ``KEY="" # comment``.
* Newlines: the file is read like ``open()`` in text mode does (``\\r\\n`` and ``\\r`` become
  ``\\n``). A file that uses ``\\r\\n`` throughout is written back with ``\\r\\n``; a file with
  mixed line endings is written back with ``\\n`` when (and only when) atk.core changes it.

Note that atk's own writer (``atk setup``) quotes only on spaces and escapes nothing: after
``atk setup`` rewrites the file, values containing ``"`` with a space, ``${...}``, a newline
or a trailing backslash inside quotes no longer read back the same (contract pitfall 9).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

# Env var names atk accepts in plugin.yaml (and the only keys atk.core writes).
NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")

FILE_MODE = 0o600
# Temporary files end in .env so that the home's .gitignore (``*.env``) always covers them.
TEMP_SUFFIX = ".env"

# ---------------------------------------------------------------------------------------------
# python-dotenv 1.2.4's grammar (dotenv/parser.py), same regular expressions.
_MULTILINE_WHITESPACE = re.compile(r"\s*", re.MULTILINE)
_WHITESPACE = re.compile(r"[^\S\r\n]*")
_EXPORT = re.compile(r"(?:export[^\S\r\n]+)?")
_SINGLE_QUOTED_KEY = re.compile(r"'([^']+)'")
_UNQUOTED_KEY = re.compile(r"([^=\#\s]+)")
_EQUAL_SIGN = re.compile(r"(=[^\S\r\n]*)")
_SINGLE_QUOTED_VALUE = re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)
_DOUBLE_QUOTED_VALUE = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
_UNQUOTED_VALUE = re.compile(r"([^\r\n]*)")
_COMMENT = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_END_OF_LINE = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_REST_OF_LINE = re.compile(r"[^\r\n]*(?:\r|\n|\r\n)?")
_DOUBLE_QUOTE_ESCAPES = re.compile(r"\\[\\'\"abfnrtv]")
_SINGLE_QUOTE_ESCAPES = re.compile(r"\\[\\']")
_INLINE_COMMENT = re.compile(r"\s+#.*")
_ESCAPES = {
    "\\\\": "\\", "\\'": "'", '\\"': '"', "\\a": "\a", "\\b": "\b", "\\f": "\f",
    "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\v": "\v",
}
# python-dotenv 1.2.4's dotenv/variables.py
_VARIABLE = re.compile(r"\$\{(?P<name>[^\}:]*)(?::-(?P<default>[^\}]*))?\}")

# ``${=:-$}`` reads as "$", ``${=:-}`` as "" (see the module docstring).
DOLLAR = "${=:-$}"
EMPTY = "${=:-}"

_BOM = "\ufeff"


class _NoMatch(Exception):
    pass


def _match(regex, text, pos):
    found = regex.match(text, pos)
    if found is None:
        raise _NoMatch()
    return found


class EnvLine(object):
    """One statement of a .env file, with its exact text.

    ``kind`` is one of:

    * ``"assign"``  ``KEY=value`` (``raw`` is the value after unquoting, before interpolation);
    * ``"bare"``    ``KEY`` without ``=`` (python-dotenv: None; atk drops it: not set);
    * ``"comment"`` a ``#`` line;
    * ``"blank"``   an empty or whitespace-only line;
    * ``"error"``   text python-dotenv cannot parse (it warns and skips it).

    ``text`` includes the line terminator (``\\n``; a double-quoted value can span lines).
    For ``assign`` lines, ``head`` is the text before the value (indentation, ``export``,
    key, ``=``) and ``tail`` the text after it (inline comment, trailing blanks, newline),
    so a value can be replaced while the rest of the line is kept.
    """

    __slots__ = ("kind", "text", "key", "raw", "head", "tail", "lineno")

    def __init__(self, kind, text, key=None, raw=None, head=None, tail=None, lineno=0):
        self.kind = kind
        self.text = text
        self.key = key
        self.raw = raw
        self.head = head
        self.tail = tail
        self.lineno = lineno

    def __repr__(self):
        # Never show the text: it may hold a secret.
        return "EnvLine(%s, key=%r, line=%d)" % (self.kind, self.key, self.lineno)


class EnvDocument(object):
    """An ordered list of :class:`EnvLine` plus how the file was encoded."""

    def __init__(self, lines=None, bom=False, newline="\n"):
        self.lines = list(lines or [])
        self.bom = bom
        self.newline = newline

    def __iter__(self):
        return iter(self.lines)

    def __len__(self):
        return len(self.lines)

    def keys(self):
        """Names of the keys atk sees as set, in python-dotenv's order."""
        return [k for k, v in _raw_dict(self).items() if v is not None]


# ---------------------------------------------------------------------------------------------
# Parsing


def _decode(regex, value):
    return regex.sub(lambda m: _ESCAPES[m.group(0)], value)


def _parse_value(text, pos):
    """-> (value, value_end, token_end): token_end is where python-dotenv's reader stops."""
    char = text[pos:pos + 1]
    if char == "'":
        found = _match(_SINGLE_QUOTED_VALUE, text, pos)
        return _decode(_SINGLE_QUOTE_ESCAPES, found.group(1)), found.end(), found.end()
    if char == '"':
        found = _match(_DOUBLE_QUOTED_VALUE, text, pos)
        return _decode(_DOUBLE_QUOTE_ESCAPES, found.group(1)), found.end(), found.end()
    if char in ("", "\n", "\r"):
        return "", pos, pos
    found = _match(_UNQUOTED_VALUE, text, pos)
    part = found.group(1)
    value = _INLINE_COMMENT.sub("", part).rstrip()
    # The value is a prefix of ``part``; the rest (blanks, inline comment) is kept as tail.
    return value, pos + len(value), found.end()


def _parse_statement(text, start):
    """Parse one statement at ``start`` exactly like python-dotenv's ``parse_binding``.

    Returns (leading_whitespace_end, EnvLine fields dict or None, end).
    """
    pos = _MULTILINE_WHITESPACE.match(text, start).end()
    if pos >= len(text):
        return pos, None, pos
    body = pos
    try:
        pos = _match(_EXPORT, text, pos).end()
        char = text[pos:pos + 1]
        if char == "#":
            key = None
        elif char == "'":
            found = _match(_SINGLE_QUOTED_KEY, text, pos)
            key, pos = found.group(1), found.end()
        else:
            found = _match(_UNQUOTED_KEY, text, pos)
            key, pos = found.group(1), found.end()
        pos = _match(_WHITESPACE, text, pos).end()
        value = value_start = value_end = None
        if text[pos:pos + 1] == "=":
            found = _match(_EQUAL_SIGN, text, pos)
            pos = value_start = found.end()
            if len(found.group(1)) > 1 and text[pos:pos + 1] == "#":
                value, value_end = "", pos
            else:
                value, value_end, pos = _parse_value(text, pos)
        pos = _match(_COMMENT, text, pos).end()
        pos = _match(_END_OF_LINE, text, pos).end()
    except _NoMatch:
        pos = _REST_OF_LINE.match(text, pos).end()
        return body, {"kind": "error"}, pos
    if key is None:
        return body, {"kind": "comment"}, pos
    if value is None:
        return body, {"kind": "bare", "key": key}, pos
    return body, {"kind": "assign", "key": key, "raw": value,
                  "value_start": value_start, "value_end": value_end}, pos


def _normalise_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text):
    """Parse .env text into an :class:`EnvDocument` whose :func:`render` gives ``text`` back.

    Line endings are read as ``open()`` in text mode reads them (which is what
    ``dotenv_values(path)`` sees); a file using ``\\r\\n`` throughout renders back with
    ``\\r\\n``. A leading BOM is kept aside and rendered back.
    """
    if not isinstance(text, str):
        raise TypeError("parse() takes str")
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf == text.count("\n") and crlf == text.count("\r") else "\n"
    text = _normalise_newlines(text)
    lines = []
    pos = 0
    lineno = 1
    while pos < len(text):
        body, fields, end = _parse_statement(text, pos)
        # Whitespace python-dotenv skips before a statement: one "blank" line per newline,
        # indentation stays with the statement.
        if fields is None:
            cut = body
        else:
            last_newline = text.rfind("\n", pos, body)
            cut = last_newline + 1 if last_newline >= 0 else pos
        segment_start = pos
        while True:
            nl = text.find("\n", segment_start, cut)
            if nl < 0:
                break
            lines.append(EnvLine("blank", text[segment_start:nl + 1], lineno=lineno))
            lineno += 1
            segment_start = nl + 1
        if fields is None:
            if segment_start < end:
                lines.append(EnvLine("blank", text[segment_start:end], lineno=lineno))
            break
        chunk = text[segment_start:end]
        line = EnvLine(fields["kind"], chunk, key=fields.get("key"), raw=fields.get("raw"), lineno=lineno)
        if line.kind == "assign":
            line.head = text[segment_start:fields["value_start"]]
            line.tail = text[fields["value_end"]:end]
        lines.append(line)
        lineno += chunk.count("\n")
        pos = end
    return EnvDocument(lines, bom=bom, newline=newline)


def render(document):
    """The file text of an :class:`EnvDocument` (or a plain list of :class:`EnvLine`)."""
    if isinstance(document, EnvDocument):
        lines, bom, newline = document.lines, document.bom, document.newline
    else:
        lines, bom, newline = document, False, "\n"
    text = "".join(line.text for line in lines)
    if newline != "\n":
        text = text.replace("\n", newline)
    return (_BOM if bom else "") + text


def _as_document(text_or_document):
    if isinstance(text_or_document, EnvDocument):
        return text_or_document
    return parse(text_or_document)


# ---------------------------------------------------------------------------------------------
# Reading values


def _raw_dict(document):
    """key -> raw value (None for a bare key), python-dotenv's order: first seen, last wins."""
    result = {}
    for line in document.lines:
        if line.kind in ("assign", "bare"):
            result[line.key] = line.raw
    return result


def _interpolate(raw, known):
    """python-dotenv's ``resolve_variables`` for one value. -> (value, static)

    ``static`` is True when the value cannot depend on the process environment: every
    ``${...}`` in it names a variable containing ``=`` (impossible in an environment).
    """
    parts = []
    cursor = 0
    static = True
    for found in _VARIABLE.finditer(raw):
        parts.append(raw[cursor:found.start()])
        name, default = found.group("name"), found.group("default")
        if "=" not in name:
            static = False
        result = known.get(name, default if default is not None else "")
        parts.append(result if result is not None else "")
        cursor = found.end()
    parts.append(raw[cursor:])
    return "".join(parts), static


def _resolve(document, environ):
    """key -> (value or None, static), exactly as ``dotenv_values`` (override=True) computes it."""
    resolved = {}
    plain = {}
    for line in document.lines:
        if line.kind == "bare":
            resolved[line.key] = (None, True)
            plain[line.key] = None
        elif line.kind == "assign":
            known = dict(environ)
            known.update(plain)
            value, static = _interpolate(line.raw, known)
            resolved[line.key] = (value, static)
            plain[line.key] = value
    return resolved


def values(text_or_document, environ=None, include_unset=False):
    """The .env as atk reads it: ``{k: v for k, v in dotenv_values(path).items() if v is not None}``.

    ``environ`` is the environment ``${VAR}`` references resolve against (default
    ``os.environ``, as python-dotenv does). ``include_unset=True`` keeps bare keys as None,
    like ``dotenv_values`` itself.
    """
    document = _as_document(text_or_document)
    env = os.environ if environ is None else environ
    result = {}
    for key, (value, _static) in _resolve(document, env).items():
        if value is not None or include_unset:
            result[key] = value
    return result


def names(text_or_document):
    """Every key the file mentions (bare ``KEY`` lines included), in python-dotenv's order."""
    return list(_raw_dict(_as_document(text_or_document)))


def static_values(text_or_document):
    """key -> value for the keys whose value does not depend on the process environment.

    These are the values atk.core compares against: a value such as ``${HOME}/x`` could read
    differently for atk, so it never counts as "already equal" and gets rewritten literally.
    """
    document = _as_document(text_or_document)
    return dict((key, value) for key, (value, static) in _resolve(document, {}).items()
                if value is not None and static)


# ---------------------------------------------------------------------------------------------
# Writing values


def validate_name(key):
    """Raise AtkError unless ``key`` matches atk's env var name pattern ``^[A-Z_][A-Z0-9_]*$``."""
    if not isinstance(key, str) or not NAME_PATTERN.match(key):
        raise AtkError(
            "Invalid environment variable name %r." % (key,),
            hint="Names must match ^[A-Z_][A-Z0-9_]*$ (atk's rule), e.g. API_KEY.",
            key=key if isinstance(key, str) else None)


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
    line = EnvLine("assign", head + quoted + tail, key=key, raw=None, head=head, tail=tail)
    return line


def _description_line(description):
    text = _one_line(description or "")
    return EnvLine("comment", "# " + text + "\n") if text.strip() else None


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

    document = parse(text)
    before_raw = _raw_dict(document)
    before_static = static_values(document)
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
            lines[-1] = EnvLine(last.kind, last.text + "\n", key=last.key, raw=last.raw, head=last.head,
                                tail=(last.tail + "\n") if last.tail is not None else None, lineno=last.lineno)
        lines.extend(appended)

    if not (added or changed or removed):
        return text, [], [], []

    new_text = render(EnvDocument(lines, bom=document.bom, newline=document.newline))
    _verify(document, parse(new_text), set_values, remove_set, where)
    return new_text, added, changed, removed


def _verify(old, new, set_values, removed, where):
    """Re-read what we are about to write; refuse when it would not read as intended."""
    old_raw, new_raw = _raw_dict(old), _raw_dict(new)
    new_static = static_values(new)
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


def _atomic_write(target, data, temp_dir=None):
    """Like ``_fs.atomic_write`` but the temporary file is named ``.atk-core-tmp-*.env``.

    With ``temp_dir`` (``<home>/.git/atk-core``, same filesystem) the temporary file never
    enters the plugin folder, so a run killed before the rename leaves nothing in the home's
    working tree. Without it (or on another filesystem) a killed run leaves that file in the
    plugin folder; a local plugin's folder is un-ignored in the home's .gitignore, and only the
    secrets block (``*.env``, ``.env.*``) would keep atk's ``git add -A`` from committing it.
    The ``.env`` suffix makes sure it does. Leftovers of earlier killed runs are removed here.
    """
    import tempfile
    from ansible_collections.atk.core.plugins.module_utils._fs import TEMP_PREFIX, temp_dir_for

    directory = os.path.dirname(target)
    where = temp_dir_for(target, temp_dir)
    for folder in sorted(set([directory, where])):
        try:
            for name in os.listdir(folder):
                if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                    try:
                        os.unlink(os.path.join(folder, name))
                    except OSError:
                        pass
        except OSError:
            pass
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=where)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_file(path, text, temp_dir=None):
    """Write ``text`` to ``path`` atomically with mode 0600 (temp file, fsync, rename).

    ``temp_dir``: where the temporary file goes (see :func:`_atomic_write`); callers that
    know the home pass ``<home>/.git/atk-core``.

    Writes through a symlink to its target. When running as root, the file keeps the owner
    it had (or, for a new file, gets its directory's owner), so the user running atk can
    still read it. Callers skip this entirely when nothing changed (file untouched).
    """
    target = os.path.realpath(path)
    owner = None
    try:
        info = os.stat(target)
        owner = (info.st_uid, info.st_gid)
    except OSError:
        try:
            info = os.stat(os.path.dirname(target))
            owner = (info.st_uid, info.st_gid)
        except OSError:
            owner = None
    _atomic_write(target, text.encode("utf-8"), temp_dir)
    if owner is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
        current = os.stat(target)
        if (current.st_uid, current.st_gid) != owner:
            os.chown(target, owner[0], owner[1])
    if stat.S_IMODE(os.stat(target).st_mode) != FILE_MODE:
        os.chmod(target, FILE_MODE)
