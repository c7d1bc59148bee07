# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _skills: SKILL.md wiring byte-identical to atk 0.4.0.

The managed-section functions are compared with atk's own ``managed_section.add_line`` /
``remove_line`` (run by the atk peer's Python, ``<repo>/.venv-atk``, on real files) over
generated contents: markers missing, doubled, swapped, CRLF and blank lines, the line already
there, indented or twice. The line texts and symlink names/targets are compared with atk's
``claude_skill``/``codex_skill``/``gemini_skill``/``auggie_skill`` helpers. Skipped when the
peer is not installed (e.g. under ``ansible-test units``).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atk.core.plugins.module_utils import _skills as S
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer


def _atk_python():
    candidate = os.environ.get("ATK_PEER_PYTHON")
    if candidate:
        return candidate if os.path.exists(candidate) else None
    return atk_peer.ATK_PYTHON


ATK_PYTHON = _atk_python()
needs_atk = pytest.mark.skipif(ATK_PYTHON is None, reason=atk_peer.NO_ATK_REASON)

_SECTION_SCRIPT = r'''
import json, sys
from pathlib import Path
from atk.agents.managed_section import add_line, remove_line
cases = json.load(sys.stdin)
out = []
for i, case in enumerate(cases):
    path = Path(sys.argv[1]) / ("f%d" % i) / "sub" / "FILE.md"
    if case["content"] is not None:
        path.parent.mkdir(parents=True)
        path.write_bytes(case["content"].encode("utf-8"))
    changed = (add_line if case["op"] == "add" else remove_line)(case["line"], path)
    out.append({"changed": changed, "content": path.read_bytes().decode("utf-8") if path.exists() else None})
print(json.dumps(out))
'''

LINE = "@/home/u/.atk/plugins/demo/SKILL.md"
PIECES = st.sampled_from([S.BEGIN, S.END, LINE, "  " + LINE + "  ", "@/other/SKILL.md", "# Title", "", "text", " ", "\t"])


@st.composite
def contents(draw):
    if draw(st.integers(0, 9)) == 0:
        return None
    lines = draw(st.lists(PIECES, max_size=8))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = newline.join(lines)
    if draw(st.booleans()):
        text += newline
    return text


def ours(case):
    content = None if case["content"] is None else S.read_universal(case["content"].encode("utf-8"))
    if case["op"] == "add":
        new, changed = S.add_line(content, case["line"])
    else:
        new, changed = S.remove_line(content, case["line"])
    return {"changed": changed, "content": new}


@needs_atk
@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({"content": contents(), "op": st.sampled_from(["add", "remove"]),
                                       "line": st.sampled_from([LINE, "@/other/SKILL.md"])}), min_size=300, max_size=300))
def test_managed_section_matches_atk(tmp_path_factory, batch):
    root = tmp_path_factory.mktemp("sections")
    proc = subprocess.run([ATK_PYTHON, "-c", _SECTION_SCRIPT, str(root)], input=json.dumps(batch), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    for case, want in zip(batch, json.loads(proc.stdout)):
        got = ours(case)
        if case["content"] is None and case["op"] == "remove":
            want = {"changed": False, "content": None}
        assert got == want, case


def test_new_file_starts_with_an_empty_line():
    assert S.add_line(None, LINE) == ("\n%s\n%s\n%s\n" % (S.BEGIN, LINE, S.END), True)
    assert S.add_line("# Mine\n\n\n", LINE) == ("# Mine\n%s\n%s\n%s\n" % (S.BEGIN, LINE, S.END), True)


def test_add_is_idempotent_and_remove_leaves_the_section():
    text, dummy = S.add_line("# Mine\n", LINE)
    assert S.add_line(text, LINE) == (text, False)
    text2, changed = S.add_line(text, "@/x/SKILL.md")
    assert changed and S.section_lines(text2) == [LINE, "@/x/SKILL.md"]
    text3, changed = S.remove_line(text2, LINE)
    assert changed and S.section_lines(text3) == ["@/x/SKILL.md"]
    text4, changed = S.remove_line(text3, "@/x/SKILL.md")
    assert text4 == "# Mine\n%s\n%s\n" % (S.BEGIN, S.END)


_NAMES_SCRIPT = r'''
import json, sys
from pathlib import Path
from atk.agents.claude_skill import inject_skill_reference
from atk.agents.codex_skill import _build_directive
from atk.agents.gemini_skill import skill_symlink_info as gemini_info
from atk.agents.auggie_skill import skill_symlink_info as auggie_info
args = json.load(sys.stdin)
skill = Path(args["skill"])
out = {
    "codex": _build_directive(args["name"], skill),
    "claude": "@%s" % skill.resolve(),
    "gemini": [str(p) for p in gemini_info(args["dir"], skill, Path(args["gemini"]))],
    "auggie": [str(p) for p in auggie_info(args["dir"], skill, Path(args["auggie"]))],
}
print(json.dumps(out))
'''


@needs_atk
def test_lines_and_links_match_atk(tmp_path):
    real = tmp_path / "real-home" / "plugins" / "demo-plugin"
    real.mkdir(parents=True)
    (real / "SKILL.md").write_text("# skill\n")
    os.symlink(str(tmp_path / "real-home"), str(tmp_path / "home-link"))
    skill = str(tmp_path / "home-link" / "plugins" / "demo-plugin" / "SKILL.md")
    args = {"skill": skill, "name": "Demo Plugin", "dir": "demo-plugin", "gemini": "/h/.gemini/skills", "auggie": "/h/.augment/rules"}
    proc = subprocess.run([ATK_PYTHON, "-c", _NAMES_SCRIPT], input=json.dumps(args), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    want = json.loads(proc.stdout)
    assert S.codex_line("Demo Plugin", skill) == want["codex"]
    assert S.claude_line(skill) == want["claude"]
    assert list(S.gemini_link("/h/.gemini/skills", "demo-plugin", skill)) == want["gemini"]
    assert list(S.auggie_link("/h/.augment/rules", "demo-plugin", skill)) == want["auggie"]
    assert str(real) in want["claude"]


def test_link_state(tmp_path):
    target = str(tmp_path / "t")
    os.mkdir(target)
    link = str(tmp_path / "l")
    assert S.link_state(link, target) == "absent"
    os.symlink(target, link)
    assert S.link_state(link, target) == "correct"
    assert S.link_state(link, str(tmp_path / "other")) == "other"
    os.unlink(link)
    os.mkdir(link)
    assert S.link_state(link, target) == "blocked"
