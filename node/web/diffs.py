"""Word-level differences between two versions of a text, side by side, for the revision history: what was
removed is marked on the earlier side, what was added on the later one."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

TOKENS = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")  # a word with the spaces before it: changes read as phrases


@dataclass
class SideBySide:
    before: Markup
    after: Markup
    changed: bool


def side_by_side(before: str, after: str) -> SideBySide:
    """Both versions as escaped HTML, removed words in <del> on the left, added words in <ins> on the right."""
    old, new = TOKENS.findall(before), TOKENS.findall(after)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old[i1:i2]), "".join(new[j1:j2])
        if op == "equal":
            left.append(escape(removed))
            right.append(escape(added))
            continue
        if removed:
            left.append(Markup("<del>{}</del>").format(removed))
        if added:
            right.append(Markup("<ins>{}</ins>").format(added))
    return SideBySide(Markup("").join(left), Markup("").join(right), before != after)
