# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """How a run converges plugins: the options atk_plugin and atk_converge share (_specs.PLUGIN_RUN), and the
    diff both show (one code path makes it)."""

    DOCUMENTATION = r"""
options:
  registry_url:
    description:
      - The registry's git URL. atk's registry is hard-coded to the public one; a mirror or private registry
        works here (and for atk through C(git config url.<mirror>.insteadOf)).
    type: str
    default: https://github.com/Svtoo/atk-registry
  force:
    description:
      - With O(state=absent), remove even when uninstall fails or plugin.yaml is invalid.
      - When adding, replace an unmanaged folder already sitting at the plugin's directory.
    type: bool
    default: false
  drift:
    description:
      - What to do when source files of an installed plugin were edited or deleted in place (found without network,
        from what atk.core recorded when it put them there; files an install script created are never drift).
      - V(repair) resyncs the plugin to its pin (C(custom/) and C(.env) kept, install runs again, as on upgrade).
        V(report) only lists the files (the result's C(drift)) and a warning, for people who edit in place on purpose.
      - A local plugin's folder is its own source, so its drift is always only reported.
    type: str
    choices: [repair, report]
    default: repair
  lifecycle:
    description: Run the plugins' install, stop and uninstall commands. V(false) only manages files.
    type: bool
    default: true
  details:
    description:
      - How much of RV(plugins) to return. V(all) lists every plugin considered; V(changed) only those that changed
        (or would), drifted, warned or failed; V(auto) is V(all) up to 100 plugins and V(changed) beyond.
        RV(counts) and RV(unchanged_plugins) always cover them all.
    type: str
    choices: [auto, all, changed]
    default: auto
  cache_dir:
    description: Where fetched registries and git sources are cached. Defaults to E(XDG_CACHE_HOME)C(/atk-core), else C(~/.cache/atk-core).
    type: path
attributes:
  diff_mode:
    support: full
    details:
      - Shows manifest.yaml before and after (M(atk.core.atk_converge) also the home's summary), and per plugin the files
        that change.
      - Per plugin whose files move, what will run first (a summary, the C(lifecycle) and C(mcp) commands of
        plugin.yaml before and after, the changed scripts those commands name, compose files), then a unified diff
        of every other changed text file between the installed files and the new ones. Binary and large files are
        one line (size, sha256). C(.env) values never appear (C(KEY=<hidden>)); secret values found in plugin files
        are masked.
"""
