# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``atk doctor``: keep the home's secrets out of git. PRIVATE to the collection.

atk 0.4.0 (docs/atk-compatibility.md §9): (1) normalise ``.gitignore`` so the secrets block is last; (2) every
tracked path whose basename is ``.env``, ends with ``.env`` or starts with ``.env.`` is removed
from the index with ``git rm --cached`` (the files stay on disk); (3) ``git add .gitignore`` when
it changed; (4) with ``auto_commit``, commit ``atk doctor: keep secrets out of git`` (then the
best-effort ``auto_push``).

One difference: atk commits whatever is staged; here the commit is built from a temporary
index holding HEAD plus exactly the doctor's own changes, so anything else the user staged
stays staged and out of the commit. (``git commit -- <path>`` cannot be used: for a path
removed with ``--cached`` it would commit the file on disk again.)
"""

from __future__ import annotations

import os
import stat

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _manifest

GITIGNORE = ".gitignore"
ROTATE_WARNING = ("These were committed before: ROTATE the affected keys, and note they remain in git history "
                  "(rewrite history if you need them gone).")


def is_secret_path(path):
    """atk's ``_is_secret_path``: basename ``.env``, ``*.env`` or ``.env.*``."""
    name = path.rsplit("/", 1)[-1]
    return name == ".env" or name.endswith(".env") or name.startswith(".env.")


def tracked_secrets(git, home):
    """Tracked secret files (repo-relative, sorted), as ``atk doctor`` lists them; [] when git fails."""
    rc, out, dummy = git.run(["ls-files", "-z"], cwd=home, check=False)
    if rc != 0:
        return []
    return sorted(path for path in out.split("\0") if path and is_secret_path(path))


def read_gitignore(home):
    """The home's .gitignore as atk's ``Path.read_text()`` gives it (universal newlines), or None."""
    content = _fs.read_text(os.path.join(home, GITIGNORE))
    if content is None:
        return None
    return content.replace("\r\n", "\n").replace("\r", "\n")


def check(home, git):
    """What doctor would repair: ``{gitignore_before, gitignore_after, gitignore_fixed, secrets}``."""
    before = read_gitignore(home)
    after = _gitignore.normalize(before) if before is not None else None
    return {
        "gitignore_present": before is not None,
        "gitignore_before": before,
        "gitignore_after": after if after is not None else before,
        "gitignore_fixed": before is not None and after != before,
        "secrets": tracked_secrets(git, home),
    }


def _write_gitignore(home, content):
    path = os.path.join(home, GITIGNORE)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o644
    _fs.atomic_write(path, content, mode)


def _commit_only(git, home, gitignore_changed, secrets):
    """Commit exactly the doctor's changes on top of HEAD (see the module docstring). True if committed."""
    if git.head(home) is None:
        return False
    directory = _home.state_dir(home)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    index = os.path.join(directory, "doctor-index")
    env = {"GIT_INDEX_FILE": index}
    try:
        _fs.remove_tree(index)
        git.run(["read-tree", "HEAD"], cwd=home, env_update=env)
        if secrets:
            git.run(["rm", "--cached", "-q", "--ignore-unmatch", "--"] + list(secrets), cwd=home, env_update=env)
        if gitignore_changed:
            git.run(["add", "--", GITIGNORE], cwd=home, env_update=env)
        rc, dummy, dummy2 = git.run(["diff", "--cached", "--quiet"], cwd=home, env_update=env, check=False)
        if rc == 0:
            return False
        commit_env = dict(env)
        commit_env.update(_git.ATK_IDENTITY)
        git.run(["commit", "-q", "-m", _git.MSG_DOCTOR], cwd=home, env_update=commit_env)
        return True
    finally:
        _fs.remove_tree(index)
        _fs.remove_tree(index + ".lock")


def run_doctor(home, git, check_mode=False, lock_timeout=600):
    """Repair (or, in check mode, report) like ``atk doctor``. Returns the module result."""
    if not _home.require(home, check_mode):
        raise AtkError("ATK Home not initialized at %s: it does not exist." % home,
                       hint="Create it first with atk.core.atk_home (or atk init).")
    config = _manifest.load_manifest(home)["config"]
    stale = _git.clear_stale_locks(home, lock_timeout, check_mode)
    found = check(home, git)
    fixed = found["gitignore_fixed"]
    secrets = found["secrets"]
    changed = fixed or bool(secrets)
    warnings = list(stale)
    messages = []
    committed = False
    commit = None
    if not found["gitignore_present"]:
        warnings.append("%s has no .gitignore, so nothing keeps its .env files out of git; atk doctor does not create "
                        "one either (atk.core.atk_home or atk init write it)." % home)
    if fixed:
        messages.append("Re-ordered .gitignore so secret rules stay last")
    elif found["gitignore_present"]:
        messages.append(".gitignore already keeps secrets last")
    if secrets:
        messages.append("Untracked %d secret file(s) (kept on disk): %s" % (len(secrets), ", ".join(secrets)))
        warnings.append("%s %s" % ("Untracked from git (kept on disk): %s." % ", ".join(secrets), ROTATE_WARNING))
    if check_mode:
        committed = changed and config["auto_commit"]
    elif changed:
        if fixed:
            _write_gitignore(home, found["gitignore_after"])
        if secrets:
            git.run(["rm", "--cached", "-q", "--"] + list(secrets), cwd=home)
        if fixed:
            git.run(["add", "--", GITIGNORE], cwd=home)
        if config["auto_commit"]:
            committed = _commit_only(git, home, fixed, secrets)
            if committed:
                commit = git.head(home)
                if config["auto_push"]:
                    warnings.extend(git.auto_push(home))
    if committed:
        messages.append("Committed the repair" if not check_mode else "Would commit the repair")
    elif changed and not config["auto_commit"]:
        messages.append("Changes staged: commit them when ready (auto_commit is off)")
    if not changed:
        messages.append("Nothing to fix: ATK Home is healthy")
    return {
        "changed": changed,
        "home": home,
        "gitignore_fixed": fixed,
        "untracked_secrets": secrets,
        "committed": committed,
        "commit": commit,
        "messages": messages,
        "warnings": warnings,
        "gitignore": {"before": found["gitignore_before"], "after": found["gitignore_after"]},
    }


def doctor_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_doctor's work from its validated parameters."""
    home = _home.resolve_home(params["home"], environ)
    git = _git.Git(run, git_path)
    with _home.lock(home, timeout=params["lock_timeout"], shared=check_mode):
        result = run_doctor(home, git, check_mode=check_mode, lock_timeout=params["lock_timeout"])
    if want_diff:
        result["diff"] = diff(result)
    return result


def diff(result):
    """Diff-mode view: .gitignore before/after and the secret files leaving the index."""
    gitignore = result["gitignore"]
    diffs = [{
        "before_header": GITIGNORE, "after_header": GITIGNORE,
        "before": gitignore["before"] or "", "after": gitignore["after"] or "",
    }]
    if result["untracked_secrets"]:
        diffs.append({
            "before_header": "git index: tracked secret files", "after_header": "git index: tracked secret files",
            "before": "".join(path + "\n" for path in result["untracked_secrets"]), "after": "",
        })
    return diffs
