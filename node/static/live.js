// Keeps a page up to date without reloading: the unread notifications count, and on a question the answers posted
// since it was opened (server-sent events from /live; each answer comes in its event, rendered by the server). Adds the
// next page of answers in place for "Show more answers", and brings a link to an answer that is on another page
// of its question's answers to that page. Every page works the same without it.
"use strict";

(function () {
  const answers = document.getElementById("answers");
  const news = document.getElementById("live-news");

  function announce(text) {
    if (!news || !text) return;
    news.textContent = "";
    // A change after a pause is read out, even when the same words come twice.
    setTimeout(function () {
      news.textContent = text;
    }, 50);
  }

  async function fetchHTML(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return null;
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    return template.content;
  }

  function showUnread(data) {
    const link = document.querySelector("a.notif");
    if (!link) return;
    let badge = link.querySelector(".badge");
    if (!data.unread) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.append(" ", badge);
    }
    badge.textContent = String(data.unread);
    badge.setAttribute("aria-label", data.label);
  }

  // Answers are added once, whichever way they come (the stream, "Show more answers").
  function addAnswers(fragment, before) {
    const list = document.getElementById("answer-list");
    const added = [];
    fragment.querySelectorAll("article.answer").forEach(function (article) {
      if (!document.getElementById(article.id)) {
        list.insertBefore(article, before || null);
        added.push(article);
      }
    });
    return added;
  }

  function showAnswer(data) {
    const template = document.createElement("template");
    template.innerHTML = data.html;
    const added = addAnswers(template.content);
    const count = document.getElementById("answer-count");
    if (count && data.count) count.textContent = data.count;
    if (added.length && news) {
      announce(news.dataset.newAnswer.replace("{name}", added[0].dataset.author || ""));
    }
  }

  function follow() {
    const url = document.body.dataset.live;
    if (!url || !window.EventSource) return;
    const params = new URLSearchParams();
    if (answers) {
      params.set("question", answers.dataset.question);
      params.set("after", answers.dataset.after);
    }
    const source = new EventSource(params.toString() ? url + "?" + params : url);
    source.addEventListener("notifications", function (event) {
      showUnread(JSON.parse(event.data));
    });
    source.addEventListener("answer", function (event) {
      showAnswer(JSON.parse(event.data));
    });
    // Closed before the page goes, so the server frees its place at once.
    window.addEventListener("pagehide", function () {
      source.close();
    });
  }

  function showMoreInPlace() {
    document.addEventListener("click", async function (event) {
      const link = event.target.closest("#more-answers a[data-fragment]");
      if (!link) return;
      event.preventDefault();
      const paragraph = link.parentElement;
      const fragment = await fetchHTML(link.dataset.fragment);
      if (!fragment) {
        window.location.href = link.href;
        return;
      }
      const next = fragment.getElementById("more-answers");
      const added = addAnswers(fragment);
      paragraph.replaceWith(next || "");
      if (added.length) {
        added[0].setAttribute("tabindex", "-1");
        added[0].focus();
        announce(news && news.dataset.moreAnswers);
      }
    });
  }

  // A link made before the answers had pages (#answer-N on the first page) goes to the page that shows it.
  function findAnswerElsewhere() {
    const match = /^#answer-(\d+)$/.exec(window.location.hash);
    if (!answers || !match || document.getElementById("answer-" + match[1])) return;
    if (new URLSearchParams(window.location.search).has("page")) return;
    window.location.replace("/answers/" + match[1]);
  }

  findAnswerElsewhere();
  showMoreInPlace();
  follow();
})();
