# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verified pins: is a commit signed by a key the user allows? PRIVATE to the collection.

What ``verify_commit``, ``gpg_allowlist`` and ``ssh_allowed_signers`` (atk_plugin, atk_home,
atk_converge, the role) mean, in one place (:class:`Policy`), and the one check
(:func:`verify`). Every commit atk.core installs or moves a home to goes through it before any
file of the commit reaches the home: a registry or git-source commit when the source cache
makes it local (``_source_cache.CacheRepo.ensure_commit``), the home repository's commit when
it is cloned (``_home_repo``) and the upstream commit an update takes (``_home_sync.compute``).

Which signatures count (git finds and checks them: ``git log --format=%G?...`` with
``gpg.ssh.allowedSignersFile`` set to ``ssh_allowed_signers``, or ``/dev/null``):

* SSH signatures: only with ``ssh_allowed_signers``, and only when git finds the key's principal
  in that file (``%G?`` = ``G``);
* OpenPGP signatures: a good signature (``G`` or ``U``: the public key must be in the keyring of
  the user running the module, ``GNUPGHOME`` honoured) whose signing key or primary key
  fingerprint is in ``gpg_allowlist``. With neither allow-list, any key of that keyring counts
  (what ansible.builtin.git does); with only ``ssh_allowed_signers``, OpenPGP signatures do not;
* nothing else: an unsigned commit, a bad, expired or revoked signature, an unknown key or an
  X.509 signature is refused (fail closed). The refusal names the commit, where it comes from
  and the signer found.

A commit verified once is remembered (a file per commit under ``memory``, a folder of the source
cache keyed by the policy: the allow-list, the allowed-signers file's content and ``GNUPGHOME``),
so a later run does not ask gpg or ssh-keygen again; refusals are never remembered. Every
check runs on local objects only: no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs

FORMAT = "--format=%G?%x00%GK%x00%GF%x00%GP%x00%GS"
_HEADER = re.compile(r"^gpgsig(?:-sha256)? (-----BEGIN ([A-Z0-9 ]+)-----)")
_KINDS = {"SSH SIGNATURE": "ssh", "PGP SIGNATURE": "openpgp", "SIGNED MESSAGE": "x509"}
_OPENPGP_TROUBLE = {
    "B": "its OpenPGP signature is bad (the commit was changed after signing)",
    "X": "its OpenPGP signature has expired",
    "Y": "the OpenPGP key that signed it has expired",
    "R": "the OpenPGP key that signed it was revoked",
}
HINT = ("Sign the commit with an allowed key, allow the signer (gpg_allowlist, or a line in the ssh_allowed_signers "
        "file; the role's atk_gpg_allowlist, atk_ssh_allowed_signers), or set verify_commit (atk_verify_commit) to false.")


def normalize_fingerprint(text):
    """``0xAB CD ...`` or ``abcd...`` -> ``ABCD...`` (how git prints %GF and %GP)."""
    text = (text or "").strip().upper().replace(" ", "")
    return text[2:] if text.startswith("0X") else text


class Policy(object):
    """What the options ask for. ``verified`` collects the commits this run accepted."""

    def __init__(self, verify=False, gpg_allowlist=None, ssh_allowed_signers=None, environ=None):
        environ = os.environ if environ is None else environ
        self.enabled = bool(verify)
        self.gpg_allowlist = sorted(set(normalize_fingerprint(f) for f in gpg_allowlist or [] if f and f.strip()))
        self.ssh_allowed_signers = None
        if ssh_allowed_signers:
            self.ssh_allowed_signers = os.path.abspath(os.path.expanduser(ssh_allowed_signers))
        self.gnupghome = environ.get("GNUPGHOME") or os.path.join(environ.get("HOME") or "~", ".gnupg")
        self.warnings = []
        if not self.enabled and (self.gpg_allowlist or self.ssh_allowed_signers):
            self.warnings.append("gpg_allowlist and ssh_allowed_signers take effect only with verify_commit=true (the role's "
                                 "atk_verify_commit): no commit signature was verified.")
        self.verified = []
        self._seen = {}
        self._key = None

    @classmethod
    def from_params(cls, params, environ=None):
        """The policy of a module's validated parameters (absent options: verification off)."""
        policy = cls(params.get("verify_commit"), params.get("gpg_allowlist"), params.get("ssh_allowed_signers"), environ)
        policy.check_inputs()
        return policy

    def check_inputs(self):
        """A clear error, before anything happens, when the allowed-signers file cannot be read."""
        if not self.enabled or not self.ssh_allowed_signers:
            return
        path = self.ssh_allowed_signers
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise AtkError("ssh_allowed_signers (the role's atk_ssh_allowed_signers): %s is not a readable file on this "
                           "host." % path,
                           hint="Give the path of a git allowed-signers file (one '<principal> <key type> <key>' line "
                                "per allowed key) on the managed host.")

    @property
    def openpgp_counts(self):
        return bool(self.gpg_allowlist) or not self.ssh_allowed_signers

    def key(self):
        """What a remembered verification depends on, as one short digest."""
        if self._key is None:
            signers = _fs.read_bytes(self.ssh_allowed_signers) if self.ssh_allowed_signers else None
            material = json.dumps([self.gpg_allowlist, hashlib.sha256(signers).hexdigest() if signers is not None else None,
                                   self.gnupghome, self.openpgp_counts])
            self._key = hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]
        return self._key

    def config(self):
        """The git options every check runs with (before the subcommand)."""
        return ["-c", "gpg.ssh.allowedSignersFile=" + (self.ssh_allowed_signers or os.devnull)]

    def summary(self):
        return {"gpg_allowlist": list(self.gpg_allowlist), "ssh_allowed_signers": self.ssh_allowed_signers,
                "openpgp_keyring": self.gnupghome if self.openpgp_counts else None}


def signature_kind(raw_commit):
    """``ssh``, ``openpgp``, ``x509`` or None (unsigned) from a raw commit object's header."""
    for line in raw_commit.split("\n"):
        if not line:
            break
        match = _HEADER.match(line)
        if match:
            return _KINDS.get(match.group(2), "unknown")
    return None


def _read(git, policy, sha):
    rc, raw, err = git(policy.config() + ["cat-file", "commit", sha])
    if rc != 0:
        raise AtkError("Cannot read commit %s to verify its signature: %s" % (sha, (err or "").strip()[:200]))
    rc, out, err = git(policy.config() + ["log", "-1", "--no-show-signature", FORMAT, sha, "--"])
    fields = (out.rstrip("\n").split("\0") + [""] * 5)[:5] if rc == 0 else ["N", "", "", "", ""]
    return signature_kind(raw), fields


def judge(policy, kind, fields):
    """(record, None) when the signature is accepted, else (signer description, reason)."""
    status, key_id, fingerprint, primary, signer = fields
    fingerprint = fingerprint or key_id
    if kind is None:
        return None, "it is not signed"
    if kind == "ssh":
        found = "SSH key %s" % (fingerprint or "(unknown)")
        if status == "G":
            return {"format": "ssh", "key": fingerprint, "signer": signer}, None
        if not policy.ssh_allowed_signers:
            return found, "it is signed by %s, and no ssh_allowed_signers file is given to check SSH signatures" % found
        if status == "U":
            return found, "it is signed by %s, which %s does not list" % (found, policy.ssh_allowed_signers)
        return found, "its SSH signature by %s does not verify" % (fingerprint or "an unknown key")
    if kind == "openpgp":
        found = "OpenPGP key %s%s" % (normalize_fingerprint(fingerprint) or "(unknown)", " (%s)" % signer if signer else "")
        if status in ("G", "U"):
            keys = set([normalize_fingerprint(fingerprint), normalize_fingerprint(primary)]) - set([""])
            if not policy.openpgp_counts:
                return found, ("it is signed by %s, but only SSH signatures are allowed (ssh_allowed_signers is given, "
                               "gpg_allowlist is empty)" % found)
            if policy.gpg_allowlist and not keys & set(policy.gpg_allowlist):
                return found, "it is signed by %s, which gpg_allowlist does not list" % found
            return {"format": "openpgp", "key": normalize_fingerprint(primary or fingerprint), "signer": signer}, None
        if status == "E":
            return found, ("it is signed by %s, which is not in the OpenPGP keyring %s (or gpg cannot check it)"
                           % (found, policy.gnupghome))
        return found, _OPENPGP_TROUBLE.get(status, "its OpenPGP signature by %s does not verify" % found)
    return "an %s signature" % kind, "it carries an %s signature, which atk.core does not verify" % (
        "X.509" if kind == "x509" else "unknown kind of")


def verify(policy, git, sha, where, memory=None):
    """Raise AtkError unless commit ``sha`` is signed by an allowed key; returns its record.

    ``git(args) -> (rc, out, err)`` runs git on the repository holding the commit (local objects
    only); ``where`` names that repository in messages (credentials removed); ``memory``, a folder
    where accepted commits are remembered, or None.
    """
    seen = policy._seen.get((where, sha))
    if seen is not None:
        return seen
    record = _recall(memory, policy, sha)
    if record is None:
        kind, fields = _read(git, policy, sha)
        accepted, reason = judge(policy, kind, fields)
        if reason is not None:
            raise AtkError("Refusing commit %s of %s: %s (verify_commit). Nothing of it was installed." % (
                sha, where, reason), hint=HINT, commit=sha, signer=accepted)
        record = dict(accepted, commit=sha, source=where, remembered=False)
        _remember(memory, policy, record)
    policy._seen[(where, sha)] = record
    policy.verified.append(record)
    return record


def _memory_file(memory, policy, sha):
    return os.path.join(memory, policy.key(), sha)


def _recall(memory, policy, sha):
    if not memory:
        return None
    text = _fs.read_text(_memory_file(memory, policy, sha))
    if not text:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("commit") != sha:
        return None
    record["remembered"] = True
    return record


def _remember(memory, policy, record):
    if not memory:
        return
    path = _memory_file(memory, policy, record["commit"])
    _fs.makedirs(os.path.dirname(path))
    _fs.atomic_write(path, json.dumps(dict(record, remembered=None), sort_keys=True) + "\n", mode=0o600)
