# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Git URLs: the default registry, credentials out of output, identity, safety. PRIVATE.

* :data:`DEFAULT_REGISTRY_URL` is the one place the public registry's URL is written; the
  modules, the role and the docs are checked against it by a unit test.
* :func:`redact_url` / :func:`redact_text` remove ``user:password@`` before a URL reaches any
  output.
* :func:`normalize_git_url` is atk's own rule (what atk clones for a manifest ``url``).
* :func:`identity` says when two URLs name the same repository: the scheme, credentials, a
  trailing ``/`` and ``.git`` do not matter, and scp-like ``git@host:path`` equals
  ``ssh://git@host/path`` and ``https://host/path``.
* :func:`check_url` refuses what git must never be given (options, remote helpers, control
  characters).
"""

from __future__ import annotations

import os
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

DEFAULT_REGISTRY_URL = "https://github.com/Svtoo/atk-registry"

_HELPER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*::")
_SCHEME_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", re.S)
_TEXT_USERINFO_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^\s/@'\"]+)@")
_SCP_RE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.*)$")


def _strip_userinfo(scheme, userinfo):
    """The userinfo to keep: nothing, except a password-less user name for ssh-like URLs."""
    if not userinfo or ":" in userinfo:
        return ""
    if "ssh" in scheme.lower():
        return userinfo + "@"
    return ""


def redact_url(url):
    """``url`` without credentials: ``https://user:tok@host/x`` -> ``https://host/x``.

    Any ``user:password@`` is removed; a bare ``user@`` is removed too except for ssh
    URLs (``ssh://git@host/...``, where it is a login name, not a secret). scp-like
    ``git@host:path`` and local paths are returned unchanged.
    """
    if url is None:
        return None
    text = str(url)
    match = _SCHEME_URL_RE.match(text)
    if not match:
        return text
    scheme, authority, rest = match.group(1), match.group(2), match.group(3)
    if "@" not in authority:
        return text
    userinfo, host = authority.rsplit("@", 1)
    return scheme + _strip_userinfo(scheme, userinfo) + host + rest


def redact_text(text):
    """``text`` with the credentials of every ``scheme://user:pass@`` in it removed."""
    if not text:
        return text

    def _sub(match):
        return match.group(1) + _strip_userinfo(match.group(1), match.group(2))
    return _TEXT_USERINFO_RE.sub(_sub, text)


def normalize_git_url(url):
    """atk's ``normalize_git_url``: unchanged for git@, https://, http://, file://; else https:// + url."""
    if url.startswith("git@"):
        return url
    if url.startswith(("https://", "http://", "file://")):
        return url
    return "https://" + url


def identity(url):
    """A key equal for every spelling of one repository's URL (see the module docstring)."""
    text = normalize_git_url(url.strip())
    match = _SCHEME_URL_RE.match(text)
    if match:
        scheme = match.group(1).lower()
        host = match.group(2).rsplit("@", 1)[-1].lower()
        rest = match.group(3)
        if scheme == "file://":
            key = "file:" + os.path.normpath(rest or "/")
        else:
            key = host + "/" + rest.lstrip("/")
    else:
        scp = _SCP_RE.match(text)
        key = (scp.group(1).lower() + "/" + scp.group(2).lstrip("/")) if scp else text
    key = key.rstrip("/")
    return key[:-4] if key.endswith(".git") else key


def check_url(url, what="URL"):
    """Return ``url`` if git may be given it; raise AtkError for hostile or broken input.

    Refused: empty, leading ``-`` (would be an option), control characters (config injection
    through a newline), and remote-helper syntax ``<transport>::<address>`` (``ext::`` runs
    arbitrary commands, ``fd::`` talks to file descriptors).
    """
    if not isinstance(url, str) or not url.strip():
        raise AtkError("The %s is empty." % what, hint="Give a git URL such as https://host/org/repo.")
    shown = redact_url(url)
    if url.startswith("-"):
        raise AtkError("Refusing %s '%s': it starts with '-' and git would read it as an option." % (what, shown),
                       hint="Give a URL such as https://host/org/repo.")
    if _HELPER_RE.match(url):
        transport = url.split("::", 1)[0]
        raise AtkError("Refusing %s '%s': the '%s::' remote-helper transport is not allowed." % (what, shown, transport),
                       hint="Use an https://, ssh://, git:// or file:// URL.")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in url):
        raise AtkError("Refusing %s %r: it contains control characters (a newline, a tab, ...)." % (what, shown),
                       hint="Remove them from the URL.")
    return url


def absolute_if_local(url):
    """A local path (git's rule: no ``://`` and no ``:`` before the first ``/``) made absolute."""
    if "://" in url:
        return url
    head = url.split("/", 1)[0]
    if ":" in head:
        return url  # scp-like ssh: [user@]host:path
    return os.path.abspath(os.path.expanduser(url))
