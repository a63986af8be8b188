"""The baseline for the question page: aiohttp + jinja2 rendering a page like the node's from data in memory.

None of the node's code: the page data is read once from a JSON file the benchmark wrote (the question, its
answers and comments, tags and author cards), and rendered on every request by the template below, written
for the benchmark with the same structure as the node's question page (layout, navigation, vote boxes,
answers with their comments and author cards). No database, session, CSRF or language layer: what is left
is the floor a page can cost.

Usage: python bench/bare_page_server.py PAGE.json PORT
"""

import json
import sys

import jinja2
from aiohttp import web

TEMPLATE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ q.title }} · {{ site }}</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <nav aria-label="Main">
    <a class="brand" href="/">{{ site }}</a>
    <a href="/questions">Questions</a>
    <a href="/tags">Skills</a>
    <a href="/experts">Find an expert</a>
    <a href="/members">Members</a>
    <form method="get" action="/search" class="inline search-box" role="search">
      <label class="sr" for="nav-q">Search</label>
      <input id="nav-q" name="q" type="search" placeholder="Search">
    </form>
    <span class="grow"></span>
    <a href="/login">Log in</a>
    <a class="button" href="/request-invitation">Request an invitation</a>
    <form method="post" action="/language" class="inline lang">
      <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
      <input type="hidden" name="next" value="{{ path }}">
      <button type="submit" name="language" value="fr" class="link" lang="fr">Français</button>
    </form>
  </nav>
</header>
{% macro vote_box(score) %}
<div class="vote" aria-label="Votes">
  <strong class="score" data-score="{{ score }}">{{ score }}</strong>
</div>
{% endmacro %}
{% macro avatar(person) %}
{% if person.avatar %}<img class="avatar" src="/media/{{ person.avatar }}" alt="" width="32" height="32">
{% else %}<span class="avatar placeholder size-32" aria-hidden="true">{{ person.name[:1]|upper }}</span>{% endif %}
{% endmacro %}
{% macro profile(person) %}/users/{{ person.handle }}{% endmacro %}
{% macro medal(m) %}{% if m %} <span class="medal medal-{{ m.badge }}"
  title="{{ m.badge|capitalize }} badge in {{ m.skill }}"><span class="sr">{{ m.badge|capitalize }}: </span>{{ m.skill
  }}</span>{% endif %}{% endmacro %}
{% macro comment_list(comments) %}
<ul class="comments">
{% for c in comments %}
  <li id="comment-{{ c.id }}">{{ c.body_html|safe }} —
    <a href="{{ profile(c.author) }}">{{ c.author.name }}</a> <span class="muted">{{ c.created_at }}</span>
  </li>
{% endfor %}
</ul>
{% endmacro %}
<main id="main">
<article class="post question" id="question">
  <header>
    <h1>{{ q.title }}</h1>
    <p class="muted">Asked {{ q.created_at }} · {{ q.view_count }} views</p>
  </header>
  <div class="post-row">
    {{ vote_box(q.score) }}
    <div class="post-body">
      <div class="content">{{ q.body_html|safe }}</div>
      <p>{% for t in tags %}<a class="tag" href="/tags/{{ t.name|urlencode }}">{{ t.label }}</a> {% endfor %}</p>
      <div class="post-foot">
        <span><a href="/questions/{{ q.id }}/revisions">History</a></span>
        <span class="author">{{ avatar(q.author) }} <a href="{{ profile(q.author) }}">{{ q.author.name }}</a>
          {{- medal(q.medal) }}
          <span class="muted">{{ q.author.reputation }}</span></span>
      </div>
      {{ comment_list(q.comments) }}
    </div>
  </div>
</article>
<section id="answers">
  <h2>{{ answers|length }} answers</h2>
  {% for a in answers %}
  <article class="post answer{% if a.accepted %} accepted{% endif %}" id="answer-{{ a.id }}">
    <div class="post-row">
      <div>
        {{ vote_box(a.score) }}
        {% if a.accepted %}<p class="accepted-mark" title="Accepted answer">✔ <span>Accepted</span></p>{% endif %}
      </div>
      <div class="post-body">
        <div class="content">{{ a.body_html|safe }}</div>
        <div class="post-foot">
          <span></span>
          <span class="author">{{ avatar(a.author) }} <a href="{{ profile(a.author) }}">{{ a.author.name }}</a>
            {{- medal(a.medal) }}
            <span class="muted">{{ a.created_at }}{% if a.edited_at %} · edited{% endif %}</span></span>
        </div>
        {{ comment_list(a.comments) }}
      </div>
    </div>
  </article>
  {% endfor %}
</section>
<p><a href="/login?next=/questions/{{ q.id }}">Log in to answer</a></p>
</main>
<footer class="site">
  <p>{{ site }} · A place to share professional skills · <a href="/about">About</a></p>
</footer>
</body>
</html>
"""


def main() -> None:
    page_file, port = sys.argv[1], int(sys.argv[2])
    with open(page_file, encoding="utf-8") as f:
        page = json.load(f)
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    path = f"/questions/{page['q']['id']}"

    async def handler(_request: web.Request) -> web.Response:
        html = template.render(site="Skiller", csrf_token="", path=path, **page)
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
