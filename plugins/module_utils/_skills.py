# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SKILL.md wiring exactly as atk 0.4.0 does it (``atk/agents/*.py``). PRIVATE to the collection.

* Managed sections: ``<!-- ATK:BEGIN -->`` / ``<!-- ATK:END -->`` in ``~/.claude/CLAUDE.md``
  (line ``@<SKILL.md>``) and ``~/.codex/AGENTS.md`` (line ``Read <SKILL.md> for instructions
  on using the <name> MCP tools.``). :func:`add_line` and :func:`remove_line` are text-for-text
  ports of atk's ``managed_section.add_line/remove_line``: the first occurrence of each marker
  counts; a file without both markers gets ``"\\n<!-- ATK:BEGIN -->\\n<line>\\n<!-- ATK:END -->\\n"``
  appended to its text stripped of trailing newlines (so a new file starts with an empty line);
  a line already in the section (compared stripped) is not added again; removing deletes
  every matching line and leaves an empty section in place. atk reads with universal newlines
  and writes ``\\n``, so a CRLF file comes back with LF line ends, here as with atk.
* Symlinks (named after the plugin *directory*): ``~/.gemini/skills/atk-<dir>`` -> the plugin
  folder, ``~/.augment/rules/atk-<dir>.md`` -> its SKILL.md, both resolved real paths. A correct
  link is left alone, a link elsewhere is replaced, anything that is not a symlink is an error.

So ``atk unplug`` undoes what atk.core wrote here, and atk.core recognises what ``atk plug`` wrote.
"""

from __future__ import annotations

import os

BEGIN = "<!-- ATK:BEGIN -->"
END = "<!-- ATK:END -->"


def read_universal(data):
    """bytes -> text as ``Path.read_text()`` gives it (UTF-8, universal newlines)."""
    text = data.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def add_line(content, line):
    """atk's ``add_line`` on text: -> (new content, changed). ``content`` None means no file."""
    content = content or ""
    begin = content.find(BEGIN)
    end = content.find(END)
    if begin == -1 or end == -1:
        return content.rstrip("\n") + "\n%s\n%s\n%s\n" % (BEGIN, line, END), True
    inner = content[begin + len(BEGIN):end]
    existing = set(entry.strip() for entry in inner.splitlines() if entry.strip())
    if line in existing:
        return content, False
    new_inner = inner.rstrip("\n") + "\n%s\n" % line
    return content[:begin + len(BEGIN)] + new_inner + content[end:], True


def remove_line(content, line):
    """atk's ``remove_line`` on text: -> (new content, changed). ``content`` None means no file."""
    if content is None:
        return None, False
    begin = content.find(BEGIN)
    end = content.find(END)
    if begin == -1 or end == -1:
        return content, False
    inner = content[begin + len(BEGIN):end]
    old_lines = inner.splitlines(True)
    lines = [entry for entry in old_lines if entry.strip() != line]
    if len(lines) == len(old_lines):
        return content, False
    return content[:begin + len(BEGIN)] + "".join(lines) + content[end:], True


def section_lines(content):
    """The stripped non-empty lines of the managed section (empty when there is none)."""
    if not content:
        return []
    begin = content.find(BEGIN)
    end = content.find(END)
    if begin == -1 or end == -1:
        return []
    return [entry.strip() for entry in content[begin + len(BEGIN):end].splitlines() if entry.strip()]


def claude_line(skill_path):
    return "@%s" % os.path.realpath(skill_path)


def codex_line(display_name, skill_path):
    return "Read %s for instructions on using the %s MCP tools." % (os.path.realpath(skill_path), display_name)


def gemini_link(skills_dir, directory, skill_path):
    """(link path, target) of the Gemini CLI skill symlink: the folder holding SKILL.md."""
    return os.path.join(skills_dir, "atk-%s" % directory), os.path.realpath(os.path.dirname(os.path.abspath(skill_path)))


def auggie_link(rules_dir, directory, skill_path):
    """(link path, target) of the Auggie rule symlink: SKILL.md itself."""
    return os.path.join(rules_dir, "atk-%s.md" % directory), os.path.realpath(skill_path)


def link_state(link, target):
    """'absent', 'correct', 'other' (a symlink that resolves elsewhere, or broken) or 'blocked' (not a symlink)."""
    if os.path.islink(link):
        return "correct" if os.path.realpath(link) == target else "other"
    if os.path.lexists(link):
        return "blocked"
    return "absent"
