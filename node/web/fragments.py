"""Answers as a visitor sees them, rendered once for what they show.

A visitor's view of an answer (no vote of theirs, no forms) depends only on what the page read for it: the answer,
its author, whether it is accepted, the author's badge, its comments and their authors, and the language. Those,
all of them, are the key: an edit, a vote, a new comment or a renamed author makes another key, so a kept rendering
is never stale and nothing needs to be told. Rendering thirty answers was most of a long thread's cost; a visitor's
page now renders those it has not seen before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

import jinja2
from markupsafe import Markup

from .. import i18n
from ..services.questions import AnswerView

KEPT = 4096  # renderings kept per process (a few KB each), the least recently shown dropped first


class VisitorAnswers:
    def __init__(self, env: jinja2.Environment, kept: int = KEPT) -> None:
        self.template = env.get_template("answer_fragment.html")
        self.kept = kept
        self.renderings: OrderedDict[Hashable, Markup] = OrderedDict()

    def html(self, answer: AnswerView, question) -> Markup:
        key = (
            i18n.current_language(),
            answer.answer,
            answer.author,
            answer.accepted,
            answer.medal,
            tuple((c.comment, c.author) for c in answer.comments),
        )
        if (found := self.renderings.get(key)) is not None:
            self.renderings.move_to_end(key)
            return found
        html = Markup(self.template.render(a=answer, q=question, me=None))
        self.renderings[key] = html
        if len(self.renderings) > self.kept:
            self.renderings.popitem(last=False)
        return html
