# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin in any git repository with an ``.atk/`` folder, through the source cache. PRIVATE.

See :mod:`_source_cache` for the cache, its network accounting and round trips per operation.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._proc import subprocess_runner
from ansible_collections.atk.core.plugins.module_utils._source_cache import CacheRepo, GIT_SOURCE_FILTER

ATK_DIR = ".atk"


class GitSource(CacheRepo):
    """A plugin repository with an ``.atk/`` folder (docs/atk-compatibility.md §4.4). ``url`` is the raw manifest URL."""

    kind = "git"

    def __init__(self, url, cache_root=None, run=subprocess_runner, blob_filter=GIT_SOURCE_FILTER,
                 git="git", lock_timeout=600):
        _urls.check_url(url)
        self.raw_url = url
        super(GitSource, self).__init__(_urls.normalize_git_url(url), cache_root, run, blob_filter, git, lock_timeout)

    def stage(self, sha, dest):
        """Copy the CONTENTS of ``.atk/`` at ``sha`` into the new directory ``dest``; returns ``dest``.

        atk's checks and texts: the commit must have an ``.atk/`` directory with a
        ``plugin.yaml`` (not ``.yml``). At most one blob fetch.
        """
        sha = self._check_sha(sha)
        dest = os.path.abspath(dest)
        if os.path.lexists(dest):
            raise AtkError("Staging directory %s already exists." % dest)
        parent = os.path.dirname(dest)
        with self._locked():
            self.ensure_commit(sha)
            if not os.path.isdir(parent):
                os.makedirs(parent, 0o700)
            top = self._ls_tree(sha, [ATK_DIR])
            if top.get(ATK_DIR, ("", ""))[1] != "tree":
                raise AtkError("Repository does not contain an '%s/' directory" % ATK_DIR,
                               url=self.display_url, ref=sha)
            inner = self._ls_tree(sha, [ATK_DIR + "/plugin.yaml"])
            if ATK_DIR + "/plugin.yaml" not in inner:
                raise AtkError("'%s/' directory does not contain plugin.yaml" % ATK_DIR,
                               url=self.display_url, ref=sha)
            self._prefetch(sha, [ATK_DIR] + self._attribute_files(sha, [ATK_DIR]))
            tmp, work = self._checkout(sha, [ATK_DIR], parent)
            try:
                source = os.path.join(work, ATK_DIR)
                _fs.check_tree(source, "'%s/' of %s" % (ATK_DIR, self.display_url))
                _fs.copy_tree(source, dest)
            finally:
                _fs.remove_tree(tmp)
        return dest

    def changed_files(self, old_sha, new_sha, path=ATK_DIR):
        return super(GitSource, self).changed_files(old_sha, new_sha, path)
