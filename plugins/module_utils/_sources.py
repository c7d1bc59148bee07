# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every plugin source of one run, each contacted at most once per question. PRIVATE.

A registry (:mod:`_registry_source`) or git repository (:mod:`_git_source`) is opened once per
run and URL (git URLs by :func:`_urls.identity`), and each version is resolved once, so 20
registry plugins at one registry commit cost one resolution and one fetch, not twenty. The
counts of network contacts of all of them make a result's ``network``.
"""

from __future__ import annotations

from ansible_collections.atk.core.plugins.module_utils import _source_cache
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._git_source import GitSource
from ansible_collections.atk.core.plugins.module_utils._registry_source import RegistryCache


class Sources(object):
    """The sources of one run. ``cache_root`` None: :func:`_source_cache.default_cache_root`."""

    def __init__(self, run, cache_root=None, registry_url=None, environ=None, policy=None):
        self.run = run
        self.policy = policy   # _signatures.Policy: every commit a source makes local is verified
        self.cache_root = cache_root or _source_cache.default_cache_root(environ)
        self.registry_url = registry_url or _urls.DEFAULT_REGISTRY_URL
        self._registries = {}
        self._gits = {}
        self._resolved = {}
        self._ancestry = {}

    def registry(self, url=None):
        url = url or self.registry_url
        if url not in self._registries:
            self._registries[url] = RegistryCache(url, self.cache_root, self.run)
            self._registries[url].policy = self.policy
        return self._registries[url]

    def git(self, url):
        key = _urls.identity(url)
        if key not in self._gits:
            self._gits[key] = GitSource(url, self.cache_root, self.run)
            self._gits[key].policy = self.policy
        return self._gits[key]

    def source_for(self, kind, url=None):
        return self.registry() if kind == "registry" else self.git(url)

    def resolve(self, kind, url, version):
        """A commit for ``version`` (None = the source's HEAD), asked once per run."""
        source = self.source_for(kind, url)
        key = (id(source), version)
        if key not in self._resolved:
            self._resolved[key] = source.resolve(version)
        return self._resolved[key]

    def is_ancestor(self, kind, url, older, newer):
        """Whether ``older`` is an ancestor of ``newer`` in that source (both local; no network).

        Asked once per source and pair of commits while the source's cache stays as it is (only a
        clone or fetch, which count as network calls, adds commits): 20 registry plugins moving
        from one registry commit to the next are one question, not 20 git calls.
        """
        source = self.source_for(kind, url)
        key = (id(source), source.network_calls, older, newer)
        if key not in self._ancestry:
            self._ancestry[key] = source.is_ancestor(older, newer)
        return self._ancestry[key]

    def source_paths(self, kind, url, sha, slug):
        """The file paths of a plugin's source at ``sha`` when the cache holds that commit (no network),
        else None. Registry plugins are looked for at ``plugins/<slug>`` (where every index puts them)."""
        if not sha or kind not in ("registry", "git"):
            return None
        if kind == "registry":
            return self.registry().tree_paths(sha, "plugins/" + slug)
        return self.git(url).tree_paths(sha, ".atk")

    def network_calls(self):
        return sum(s.network_calls for s in list(self._registries.values()) + list(self._gits.values()))

    def warnings(self):
        """What the sources had to say (a registry index entry skipped as invalid, ...)."""
        return [w for s in self._registries.values() for w in getattr(s, "warnings", [])]

    def contacted(self):
        urls = []
        for source in list(self._registries.values()) + list(self._gits.values()):
            urls.extend(source.contacted)
        return urls
