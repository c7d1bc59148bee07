# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_plan_diff: content diffs of a plan, what will run first, secrets masked."""

from __future__ import annotations

import difflib
import os

import yaml

from ansible_collections.atk.core.plugins.module_utils import _desired as D
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _plan as P
from ansible_collections.atk.core.plugins.module_utils import _plan_diff as PD
from ansible_collections.atk.core.plugins.module_utils import _plugin_files as PF
from ansible_collections.atk.core.plugins.module_utils import _spec

OLD, NEW = "a" * 40, "b" * 40
SECRET = "s3cr3t-value-9f"
SPEC = {"schema_version": "2026-01-23", "name": "demo", "description": "Demo.", "maturity": "verified",
        "env_vars": [{"name": "DEMO_TOKEN", "secret": True}, {"name": "DEMO_URL", "secret": False}],
        "lifecycle": {"install": "./install.sh", "uninstall": "true"},
        "mcp": {"transport": "stdio", "command": "bash", "args": ["$ATK_PLUGIN_DIR/mcp.sh"]}}


def write(root, rel, data, mode=0o644):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    os.chmod(path, mode)


def render(item):
    """What Ansible's callback prints for a diff item (its unified diff, or the prepared text)."""
    if "prepared" in item:
        return item["prepared"]
    lines = difflib.unified_diff(item["before"].splitlines(True), item["after"].splitlines(True),
                                 "before: " + item["before_header"], "after: " + item["after_header"])
    return "".join(lines)


def test_run_section_reads_like_plugin_yaml():
    spec = dict(SPEC, lifecycle={"install": "./install.sh", "start": "docker compose up -d\necho started\n"})
    assert PD.run_section(spec) == (
        "lifecycle:\n  install: ./install.sh\n  start: |\n    docker compose up -d\n    echo started\n"
        "mcp:\n  command: bash\n  args:\n    - $ATK_PLUGIN_DIR/mcp.sh\n")
    assert PD.run_section(None) == "" and PD.run_section({"name": "x"}) == ""


def test_named_paths_finds_the_scripts_commands_run():
    spec = {"lifecycle": {"install": "sh -c './install.sh && bash scripts/setup.sh --fast'", "stop": "./bin/stop",
                          "status": "curl -fsS localhost:1 >/dev/null"},
            "mcp": {"command": "bash", "args": ["${ATK_PLUGIN_DIR}/mcp.sh"]}}
    paths = {"install.sh", "scripts/setup.sh", "bin/stop", "mcp.sh", "README.md", "localhost"}
    assert PD.named_paths(spec, paths) == {"install.sh", "scripts/setup.sh", "bin/stop", "mcp.sh"}
    assert PD.named_paths(None, paths) == set()


def test_compose_files_and_dockerfiles():
    for path in ("docker-compose.yml", "compose.yaml", "docker-compose.prod.yml", "sub/compose.override.yaml",
                 "Dockerfile", "Dockerfile.gpu", "app.Dockerfile"):
        assert PD.is_compose(path), path
    for path in ("README.md", "compose.md", "plugin.yaml", "dockerfile-notes.txt"):
        assert not PD.is_compose(path), path


def test_read_side_text_binary_large_link(tmp_path):
    write(tmp_path, "a.txt", "hello\n")
    write(tmp_path, "b.bin", b"\x00\x01\x02")
    write(tmp_path, "c.txt", "x" * (PD.MAX_TEXT + 1))
    write(tmp_path, "d.bin", b"\xff\xfe not utf-8")
    os.symlink("a.txt", str(tmp_path / "e"))
    assert PD.read_side(str(tmp_path), "a.txt", 100) == ("hello\n", False, 6)
    assert PD.read_side(str(tmp_path), "b.bin", 100)[0].startswith("binary file: 3 bytes, sha256 ")
    assert PD.read_side(str(tmp_path), "c.txt", 10 ** 9)[0].startswith("large file: %d bytes, sha256 " % (PD.MAX_TEXT + 1))
    assert PD.read_side(str(tmp_path), "d.bin", 100)[0].startswith("binary file: ")
    assert PD.read_side(str(tmp_path), "e", 100) == ("symlink -> a.txt\n", False, 0)
    assert PD.read_side(str(tmp_path), "missing", 100) is None and PD.read_side(None, "a.txt", 100) is None
    assert PD.read_side(str(tmp_path), "a.txt", 3)[0].startswith("not shown (diff output limit): 6 bytes")


def test_read_side_of_an_unreadable_file(tmp_path, monkeypatch):
    write(tmp_path, "a.txt", "hello\n")

    def refuse(path):
        raise PermissionError(13, "Permission denied", path)
    monkeypatch.setattr(PD._fs, "file_entry", refuse)  # pylint: disable=protected-access
    assert PD.read_side(str(tmp_path), "a.txt", 100) == ("not readable: Permission denied\n", False, 0)


def test_file_item_marks_an_executable_bit():
    same = PD.file_item("plugins/x", "run.sh", ("echo\n", False, 5), ("echo\n", True, 5), ("old", "new"), [])
    assert (same["before"], same["after"]) == ("executable: no\n", "executable: yes\n")
    changed = PD.file_item("plugins/x", "run.sh", ("echo\n", False, 5), ("echo 2\n", True, 7), ("old", "new"), [])
    assert changed["after_header"] == "plugins/x/run.sh @ new (now executable)"
    added = PD.file_item("plugins/x", "new.sh", None, ("echo\n", True, 5), ("old", "new"), [])
    assert added["before_header"] == "plugins/x/new.sh (absent)" and added["before"] == ""


def installed_plan(tmp_path, new_spec=None, new_files=None, env_text="DEMO_TOKEN=%s\nDEMO_URL=http://localhost:1\n" % SECRET):
    home = tmp_path / "home"
    current = home / "plugins" / "demo"
    files = {"plugin.yaml": yaml.safe_dump(SPEC), "install.sh": "#!/bin/sh\necho v1\n", "mcp.sh": "exec cat\n",
             "README.md": "# demo\n", "logo.png": b"\x89PNG\x00old"}
    for rel, data in files.items():
        write(current, rel, data, 0o755 if rel.endswith(".sh") else 0o644)
    write(current, ".env", env_text, 0o600)
    write(current, "custom/notes.md", "mine\n")
    staged = tmp_path / "staged"
    changed = dict(files, **(new_files or {}))
    changed["plugin.yaml"] = yaml.safe_dump(new_spec or SPEC)
    for rel, data in changed.items():
        if data is not None:
            write(staged, rel, data, 0o755 if rel.endswith(".sh") else 0o644)
    PF.carry_custom(str(current), str(staged))
    plan = P.PluginPlan(D.normalize_item({"name": "demo"}), M.make_entry("demo", "demo", "registry", OLD))
    plan.action, plan.target_ref, plan.disk_ref, plan.staged = "upgrade", NEW, OLD, str(staged)
    plan.spec = _spec.load_plugin(str(staged))
    plan.files = PF.file_changes(str(staged), str(current))
    return str(home), plan


def test_plugin_diffs_put_what_runs_first(tmp_path):
    spec = dict(SPEC, lifecycle={"install": "./install.sh --fast", "uninstall": "true"},
                env_vars=SPEC["env_vars"] + [{"name": "DEMO_NEW", "required": True}])
    home, plan = installed_plan(tmp_path, spec, {"install.sh": "#!/bin/sh\necho v2\n", "README.md": "# demo v2\n",
                                                 "docker-compose.yml": "services: {}\n", "logo.png": b"\x89PNG\x00new"})
    plan.new_required_env = ["DEMO_NEW"]
    first, rest = PD.plugin_diffs(home, plan)
    shown = [render(item) for item in first]
    assert all(item.get("after_header") for item in first + rest)   # every item names what it is about
    assert shown[0].startswith("plugins/demo: upgrade aaaaaaaaaaaa (installed) -> bbbbbbbbbbbb\n")
    assert "  what will run changes: plugin.yaml commands, docker-compose.yml, install.sh\n" in shown[0]
    assert "  newly required variables: DEMO_NEW\n" in shown[0]
    assert "  custom/: kept" in shown[0] and "  .env: kept (values are never shown)" in shown[0]
    assert "-  install: ./install.sh\n+  install: ./install.sh --fast\n" in shown[1]
    assert [item.get("after_header") for item in first[2:]] == [
        "plugins/demo/docker-compose.yml @ bbbbbbbbbbbb", "plugins/demo/install.sh @ bbbbbbbbbbbb"]
    assert "-echo v1\n+echo v2\n" in shown[3]
    assert [item["after_header"] for item in rest] == [
        "plugins/demo/README.md @ bbbbbbbbbbbb", "plugins/demo/logo.png @ bbbbbbbbbbbb", "plugins/demo/plugin.yaml @ bbbbbbbbbbbb"]
    assert rest[1]["before"].startswith("binary file: 8 bytes, sha256 ")
    assert not any("custom/" in (item.get("after_header") or "") for item in first + rest)


def test_plugin_diffs_mask_secret_values_of_the_env(tmp_path):
    home, plan = installed_plan(tmp_path, new_files={
        "README.md": "token %s at http://localhost:1\n" % SECRET, "install.sh": "#!/bin/sh\nexport T=%s\n" % SECRET})
    first, rest = PD.plugin_diffs(home, plan)
    text = "".join(render(item) for item in first + rest)
    assert SECRET not in text
    assert "+export T=********\n" in text
    assert "+token ******** at http://localhost:1\n" in text   # a declared non-secret value stays readable
    # A value the run is about to set is masked too.
    plan.item["env"] = {"DEMO_TOKEN": "brand-new-value"}
    write(plan.staged, "README.md", "brand-new-value\n")
    plan.files = PF.file_changes(plan.staged, os.path.join(home, "plugins", "demo"))
    assert "brand-new-value" not in "".join(render(item) for item in sum(PD.plugin_diffs(home, plan), []))


def test_a_plugin_not_installed_shows_what_will_run_only(tmp_path):
    staged = tmp_path / "staged"
    write(staged, "plugin.yaml", yaml.safe_dump(SPEC))
    write(staged, "install.sh", "#!/bin/sh\necho hello\n", 0o755)
    write(staged, "README.md", "# demo\n")
    plan = P.PluginPlan(D.normalize_item({"name": "demo"}), None)
    plan.directory, plan.name, plan.action, plan.target_ref, plan.staged = "demo", "demo", "add", NEW, str(staged)
    plan.spec = _spec.load_plugin(str(staged))
    plan.files = PF.file_changes(str(staged), None)
    first, rest = PD.plugin_diffs(str(tmp_path / "home"), plan)
    assert rest == []
    assert "what will run (new here): plugin.yaml commands, install.sh" in first[0]["prepared"]
    assert first[1]["before"] == "" and "install: ./install.sh" in first[1]["after"]
    assert first[2]["after"] == "#!/bin/sh\necho hello\n" and first[2]["before_header"] == "plugins/demo/install.sh (absent)"


def test_nothing_for_plans_that_put_no_files(tmp_path):
    plan = P.PluginPlan(D.normalize_item({"name": "demo"}), M.make_entry("demo", "demo", "registry", OLD))
    plan.action = "remove"
    assert PD.plugin_diffs(str(tmp_path), plan) == ([], [])
