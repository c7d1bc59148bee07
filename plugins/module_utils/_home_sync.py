# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A home that follows a shared repository takes every upstream change. PRIVATE to the collection.

The model (docs/fleet-sync.md): upstream owns the shared manifest; a host adds its own layer on
top (what inventory declares, and what a person did there by hand, e.g. ``atk add``). An update
is a *semantic rebase* of that layer onto upstream, plugin by plugin rather than line by line
(two hosts that each append a plugin to manifest.yaml do not conflict):

* each local commit is replayed on the new upstream tip as the change it made: manifest entries
  added, removed or re-pinned, the config, and the files it touched (``custom/``, local plugins,
  ``.gitignore`` exemptions), keeping its message and author;
* a change upstream made to the same plugin in another way is a conflict. A commit atk.core made
  itself (recorded in state.json ``own_commits``) gives way: its part is dropped and the converge
  that follows recomputes it from the desired state. A person's commit stops the run, which then
  changes nothing and names the plugin and the way out;
* the result moves the branch with ``git reset --keep`` (ignored files, ``.env``, plugin folders,
  are never touched; uncommitted tracked changes are kept or the update refuses).

Everything is computed in a temporary repository that borrows the home's objects (alternates)
and fetches upstream into itself: check mode and the real run compute the same result, and check
mode writes nothing in the home. The real run then fetches the result into the home.
"""

from __future__ import annotations

import os
import re
import tempfile

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _signatures
from ansible_collections.atk.core.plugins.module_utils import _urls

GITIGNORE = ".gitignore"
_EXEMPTION = re.compile(r"^!plugins/([^/]+)/$")


class SyncResult(object):
    """What an update does: ``head`` (now) -> ``commit`` (after), with ``upstream`` its new base."""

    def __init__(self, head, upstream, commit, remote, branch):
        self.head = head
        self.upstream = upstream
        self.commit = commit
        self.remote = remote
        self.branch = branch
        self.replayed = []     # local commits replayed on upstream: [{"from": sha, "to": sha, "subject"}]
        self.dropped = []      # parts of atk.core's own commits upstream overrode: [{"commit", "plugin"}]
        self.manifest_before = None
        self.manifest_after = None
        self.work = None       # the temporary repository holding ``commit``

    @property
    def changed(self):
        return self.commit != self.head

    def action(self):
        return {"action": "update", "from": self.head, "to": self.commit, "upstream": self.upstream,
                "remote": "%s/%s" % (self.remote, self.branch), "replayed": list(self.replayed),
                "dropped": list(self.dropped)}

    def incoming(self):
        """Plugin folders whose tracked files (custom/, a local plugin) the update changes."""
        if not self.changed or self.work is None:
            return set()
        out = self.work.out(["diff-tree", "-r", "-z", "--name-only", "--no-renames", self.head, self.commit])
        return set(d for d in (_plugin_of(path) for path in out.split("\0") if path) if d)

    def removed(self):
        """Directories the update takes out of the manifest."""
        after = set(e["directory"] for e in self.manifest_after["plugins"])
        return [e["directory"] for e in self.manifest_before["plugins"] if e["directory"] not in after]


def upstream_of(git, home):
    """(remote, branch) the current branch tracks, or None."""
    rc, out, dummy = git.run(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], cwd=home, check=False)
    if rc != 0 or "/" not in out.strip():
        return None
    remote, branch = out.strip().split("/", 1)
    return remote, branch


class _Work(object):
    """A temporary bare repository sharing the home's objects, where the update is computed."""

    def __init__(self, git, home, parent):
        self.git = git
        self.dir = tempfile.mkdtemp(prefix="atk-core-sync-", dir=parent)
        self.home = home
        git.run(["init", "-q", "--bare", self.dir])
        with open(os.path.join(self.dir, "objects", "info", "alternates"), "w") as handle:
            handle.write(os.path.join(os.path.abspath(home), ".git", "objects") + "\n")

    def run(self, args, env=None, data=None, check=True):
        return self.git.run(["--git-dir=" + self.dir] + list(args), env_update=env, data=data, check=check)

    def out(self, args, **kwargs):
        return self.run(args, **kwargs)[1].strip()

    def blob(self, commit, path):
        rc, out, dummy = self.run(["cat-file", "-p", "%s:%s" % (commit, path)], check=False)
        return out if rc == 0 else None

    def manifest(self, commit):
        text = self.blob(commit, _manifest.FILENAME)
        if text is None:
            raise AtkError("Commit %s of the home has no manifest.yaml." % commit[:12],
                           hint="The home repository must be an ATK home (made by atk init or atk.core).")
        return _manifest.parse_manifest(text, "%s:%s" % (commit[:12], _manifest.FILENAME))

    def files(self, commit):
        """{path: (mode, sha)} of the commit's tree, manifest.yaml aside."""
        out = self.out(["ls-tree", "-r", "-z", "--full-tree", commit])
        result = {}
        for record in out.split("\0"):
            if record:
                meta, path = record.split("\t", 1)
                mode, dummy, sha = meta.split()
                result[path] = (mode, sha)
        return result

    def remove(self):
        _fs.remove_tree(self.dir)


def _entries(manifest):
    return dict((e["directory"], e) for e in manifest["plugins"])


def _plugin_of(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "plugins" else None


def _exemptions(text):
    return set(m.group(1) for m in (_EXEMPTION.match(line) for line in (text or "").splitlines()) if m)


def _without_exemptions(text):
    """The other rules of a .gitignore (blank lines aside: atk's exemption edits move them)."""
    return [line for line in (text or "").splitlines()
            if line.strip() and not (_EXEMPTION.match(line) or re.match(r"^!plugins/[^/]+/\*\*$", line))]


class _Replay(object):
    """Replays local commits, one by one, on a tip: the semantic rebase."""

    def __init__(self, work, tip, own, result):
        self.work = work
        self.tip = tip
        self.own = own
        self.result = result
        self.manifest = work.manifest(tip)
        self.files = work.files(tip)
        self.gitignore = work.blob(tip, GITIGNORE)

    def conflict(self, commit, subject, plugin, what):
        """``plugin``: the plugin directory, or None for the manifest's own fields and .gitignore."""
        if commit in self.own:
            self.result.dropped.append({"commit": commit, "plugin": plugin or what})
            return
        label = "plugin '%s'" % plugin if plugin else what
        detail = ", %s" % what if plugin else ""
        raise AtkError(
            "Cannot take the upstream changes of %s/%s: %s was changed both here (commit %s \"%s\"%s) "
            "and upstream in another way. atk.core changed nothing." % (
                self.result.remote, self.result.branch, label, commit[:12], subject, detail),
            hint="Keep upstream's version with `git reset --keep %s/%s` (your commit %s is dropped), or rebase by hand "
                 "(`git rebase %s/%s`), in the home; then run again." % (
                     self.result.remote, self.result.branch, commit[:12], self.result.remote, self.result.branch),
            plugin=plugin, commit=commit)

    def replay(self, commit):
        work = self.work
        parent = work.out(["rev-parse", "--verify", commit + "^1"])
        subject = work.out(["log", "-1", "--format=%s", commit])
        before, after = work.manifest(parent), work.manifest(commit)
        manifest = self._entries(commit, subject, before, after)
        manifest = self._field("config", "the manifest's config section", commit, subject, before, after, manifest)
        manifest = self._field("schema_version", "the manifest's schema_version", commit, subject, before, after,
                               manifest)
        files = self._files(commit, subject, work.files(parent), work.files(commit))
        gitignore = self._gitignore(commit, subject, work.blob(parent, GITIGNORE), work.blob(commit, GITIGNORE))
        new = self._commit(commit, manifest, files, gitignore)
        if new != self.tip:
            self.result.replayed.append({"from": commit, "to": new, "subject": subject})
        self.tip, self.manifest, self.files, self.gitignore = new, manifest, files, gitignore

    def _entries(self, commit, subject, before, after):
        old, new, here = _entries(before), _entries(after), _entries(self.manifest)
        plugins = [dict(e) for e in self.manifest["plugins"]]
        for directory in list(old) + [d for d in new if d not in old]:
            if old.get(directory) == new.get(directory):
                continue
            current = here.get(directory)
            if current == old.get(directory):
                if directory not in new:
                    plugins = [e for e in plugins if e["directory"] != directory]
                elif current is None:
                    plugins.append(new[directory])
                else:
                    plugins = [new[directory] if e["directory"] == directory else e for e in plugins]
            elif current != new.get(directory):
                self.conflict(commit, subject, directory, "its manifest entry")
        result = dict(self.manifest)
        result["plugins"] = plugins
        return result

    def _field(self, key, what, commit, subject, before, after, manifest):
        if before[key] == after[key] or manifest[key] == after[key]:
            return manifest
        if manifest[key] != before[key]:
            self.conflict(commit, subject, None, what)
            return manifest
        result = dict(manifest)
        result[key] = after[key]
        return result

    def _files(self, commit, subject, before, after):
        files = dict(self.files)
        for path in sorted(set(before) | set(after)):
            if path in (_manifest.FILENAME, GITIGNORE) or before.get(path) == after.get(path):
                continue
            if files.get(path) == before.get(path):
                if path in after:
                    files[path] = after[path]
                else:
                    files.pop(path, None)
            elif files.get(path) != after.get(path):
                self.conflict(commit, subject, _plugin_of(path), "the file %s" % path)
        return files

    def _gitignore(self, commit, subject, before, after):
        current = self.gitignore
        if before == after or current == after:
            return current
        if current == before:
            return after
        if _without_exemptions(before) != _without_exemptions(after):
            self.conflict(commit, subject, None, "the rules of .gitignore")
            return current
        text = current or ""
        for directory in sorted(_exemptions(after) - _exemptions(before)):
            text = _gitignore.add_exemption(text, directory)
        for directory in sorted(_exemptions(before) - _exemptions(after)):
            text = _gitignore.remove_exemption(text, directory)
        return text

    def _commit(self, commit, manifest, files, gitignore):
        work = self.work
        index = os.path.join(work.dir, "replay-index")
        env = {"GIT_INDEX_FILE": index}
        if os.path.exists(index):
            os.unlink(index)
        work.run(["read-tree", "--empty"], env=env)
        entries = dict(files)
        entries[_manifest.FILENAME] = ("100644", self._hash(_manifest.dump_manifest(manifest)))
        if gitignore is not None:
            mode = self.files.get(GITIGNORE, ("100644", None))[0]
            entries[GITIGNORE] = (mode, self._hash(gitignore))
        data = "".join("%s %s\t%s\0" % (mode, sha, path) for path, (mode, sha) in sorted(entries.items()))
        work.run(["update-index", "-z", "--index-info"], env=env, data=data)
        tree = work.out(["write-tree"], env=env)
        if tree == work.out(["rev-parse", self.tip + "^{tree}"]):
            return self.tip
        fields = work.out(["log", "-1", "--format=%an%x00%ae%x00%aD%x00%cD%x00%B", commit]).split("\0", 4)
        # The original dates too: the same update computed twice (check mode, then the real run) is the same commit.
        identity = dict(_git.ATK_IDENTITY, GIT_AUTHOR_NAME=fields[0], GIT_AUTHOR_EMAIL=fields[1], GIT_AUTHOR_DATE=fields[2],
                        GIT_COMMITTER_DATE=fields[3])
        message = fields[4] if len(fields) > 4 else ""
        return work.out(["commit-tree", tree, "-p", self.tip], env=identity, data=message.rstrip("\n") + "\n")

    def _hash(self, text):
        return self.work.out(["hash-object", "-w", "--stdin"], data=text)


def compute(git, home, parent, own_commits=(), policy=None):
    """Fetch upstream into a temporary repository and compute the update. None when the branch
    tracks nothing. The caller removes ``result.work`` (see :func:`finish`). With a verifying
    ``policy`` (:mod:`_signatures`), the upstream commit the update takes must be signed by an
    allowed key (checked in the temporary repository, before anything reaches the home)."""
    tracked = upstream_of(git, home)
    if tracked is None:
        return None
    remote, branch = tracked
    url = git.remote_url(home, remote) or remote
    head = git.head(home)
    work = _Work(git, home, parent)
    try:
        work.run(["update-ref", "refs/heads/local", head])
        rc, dummy, err = work.run(["fetch", "-q", "--no-tags", "--", url, "+refs/heads/%s:refs/heads/upstream" % branch],
                                  check=False)
        if rc != 0:
            raise AtkError("Cannot fetch %s/%s (%s): %s" % (remote, branch, _urls.redact_url(url), _urls.redact_text(
                _git.first_line(err))), hint="Check the home's remote, your credentials and the network.")
        upstream = work.out(["rev-parse", "--verify", "refs/heads/upstream"])
        result = SyncResult(head, upstream, head, remote, branch)
        result.work = work
        result.manifest_before = work.manifest(head)
        if work.run(["merge-base", "--is-ancestor", upstream, head], check=False)[0] == 0:
            result.manifest_after = result.manifest_before   # nothing upstream that we lack
            work.run(["update-ref", "refs/heads/result", head])
            return result
        if policy is not None and policy.enabled:
            _signatures.verify(policy, lambda args: work.run(args, check=False), upstream,
                               "the home repository %s (%s/%s)" % (_urls.redact_url(url), remote, branch))
        if work.run(["merge-base", "--is-ancestor", head, upstream], check=False)[0] == 0:
            result.commit = upstream                         # a fast-forward
        else:
            local = work.out(["rev-list", "--reverse", "--topo-order", "%s..%s" % (upstream, head)]).split()
            merges = work.out(["rev-list", "--merges", "%s..%s" % (upstream, head)]).split()
            if merges:
                raise AtkError("Cannot take the upstream changes of %s/%s: the home has merge commits of its own (%s)."
                               % (remote, branch, merges[0][:12]),
                               hint="Reconcile the home with its upstream by hand (git rebase or reset), then run again.")
            replay = _Replay(work, upstream, set(own_commits), result)
            for commit in local:
                replay.replay(commit)
            result.commit = replay.tip
        result.manifest_after = work.manifest(result.commit)
        work.run(["update-ref", "refs/heads/result", result.commit])
        return result
    except BaseException:
        work.remove()
        raise


def apply(git, home, result):
    """Move the home to ``result.commit`` (the real run): objects from the work repository, the
    remote-tracking branch to upstream, then ``git reset --keep``. Returns the new own commits map
    {old: new} for the commits atk.core had made itself."""
    work = result.work
    git.run(["fetch", "-q", "--no-tags", work.dir, "+refs/heads/upstream:refs/remotes/%s/%s" % (result.remote, result.branch),
             "refs/heads/result"], cwd=home)
    if not result.changed:
        return
    rc, dummy, err = git.run(["reset", "-q", "--keep", result.commit], cwd=home, check=False)
    if rc != 0:
        raise AtkError("Cannot move %s to the updated %s/%s: %s" % (home, result.remote, result.branch, _git.first_line(err)),
                       hint="The home has uncommitted changes to files the update changes: commit or discard them, "
                            "then run again.")


def finish(result):
    if result is not None and result.work is not None:
        result.work.remove()
        result.work = None
