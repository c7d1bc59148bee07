# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The home's .gitignore, byte for byte as atk 0.4.0 writes it. PRIVATE to the collection.

Pure text functions: callers read the file, transform, and write it atomically.
Secret rules stay LAST because gitignore is last-match-wins: a ``!plugins/<dir>/**``
exemption after ``*.env`` would re-include a local plugin's .env.
"""

from __future__ import annotations

SECRETS_HEADER = u"# Always ignore secrets \u2014 keep LAST (gitignore is last-match-wins)"
SECRET_PATTERNS = ("*.env", ".env.*")
_SECRET_HEADERS = (SECRETS_HEADER, "# Always ignore secrets")

_BASE = u"""\
# Ignore all plugin contents
plugins/*/*

# But keep custom directories
!plugins/*/custom/
!plugins/*/custom/**

# Update check cache
.update-cache.yaml

# Local development
.DS_Store
"""

INITIAL_CONTENT = _BASE + u"\n" + u"\n".join((SECRETS_HEADER,) + SECRET_PATTERNS) + u"\n"


def _universal(content):
    """atk reads the file with universal newlines: CRLF and CR become LF."""
    return content.replace(u"\r\n", u"\n").replace(u"\r", u"\n")


def exemption_lines(directory):
    """The two lines atk adds for a local plugin."""
    return (u"!plugins/%s/" % directory, u"!plugins/%s/**" % directory)


def normalize(content):
    """atk's ``normalize_gitignore``: drop secret lines anywhere, re-append the block last."""
    kept = [line for line in _universal(content).split(u"\n")
            if line.strip() not in SECRET_PATTERNS and line.strip() not in _SECRET_HEADERS]
    while kept and kept[-1].strip() == u"":
        kept.pop()
    return u"\n".join(kept + [u"", SECRETS_HEADER] + list(SECRET_PATTERNS)) + u"\n"


def has_exemption(content, directory):
    lines = _universal(content).split(u"\n") if content else []
    first, second = exemption_lines(directory)
    return first in lines and second in lines


def add_exemption(content, directory):
    """atk's ``add_gitignore_exemption`` followed by its unconditional normalisation."""
    content = _universal(content)
    if not has_exemption(content, directory):
        first, second = exemption_lines(directory)
        if content and not content.endswith(u"\n"):
            content += u"\n"
        content += u"%s\n%s\n" % (first, second)
    return normalize(content)


def remove_exemption(content, directory):
    """atk's ``remove_gitignore_exemption``: untouched when absent, else drop and normalise."""
    lines = _universal(content).split(u"\n")
    exemptions = exemption_lines(directory)
    filtered = [line for line in lines if line not in exemptions]
    if filtered == lines:
        return content
    return normalize(u"\n".join(filtered))


def secrets_last(content):
    """True when ``content`` already keeps the secret block last (what ``atk doctor`` checks)."""
    return normalize(content) == content
