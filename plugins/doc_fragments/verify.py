# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """Verified pins: the options of the modules that fetch commits (atk_plugin, atk_home, atk_converge)."""

    DOCUMENTATION = r"""
options:
  verify_commit:
    description:
      - Refuse every commit that is not signed by an allowed key, as O(ansible.builtin.git#module:verify_commit) does.
        It covers each commit this module installs, restores or upgrades to (registry and git sources) and the home
        repository's commit that a clone checks out or an update takes (the tip of the branch the home follows).
      - The check happens before any file of the commit reaches the home, in check mode too, and fails closed - an
        unsigned commit, an unknown key, a bad, expired or revoked signature. The message names the commit, where it
        comes from and the signer found.
      - SSH signatures count only with O(ssh_allowed_signers). OpenPGP signatures need the signer's public key in the
        keyring of the user running the module (E(GNUPGHOME) honoured); with O(gpg_allowlist) only those keys count,
        with neither allow-list any key of that keyring does, and with only O(ssh_allowed_signers) none does.
      - A commit verified once is remembered in the download cache (per allow-list), so runs that install nothing new
        check nothing and stay offline.
    type: bool
    default: false
  gpg_allowlist:
    description:
      - Fingerprints of the OpenPGP keys (primary key or signing subkey) whose signatures are allowed, with or without
        spaces. Only used with O(verify_commit=true).
    type: list
    elements: str
    default: []
  ssh_allowed_signers:
    description:
      - Path, on the managed host, of a git allowed-signers file (see C(gpg.ssh.allowedSignersFile) in git-config) listing
        the SSH keys whose signatures are allowed. Only used with O(verify_commit=true).
    type: path
"""
