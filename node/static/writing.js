// Helps while writing a question or an answer: a live preview rendered by the server, Markdown shortcuts,
// a draft kept in this browser, known skills as tags are typed, similar questions as a title is typed, and
// pictures pasted, dropped or chosen uploaded at once, their Markdown put at the cursor.
// Every form works without it; it only shows the elements the page keeps hidden for it (forms[data-writing]).
"use strict";

(function () {
  const DRAFT_PREFIX = "skiller-draft:";
  const DRAFTED = ["title", "body", "tags"];

  function debounced(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // Only the newest request's answer is shown: an older one arriving late is dropped.
  function latestOnly(fetcher, show) {
    let sequence = 0;
    return async function () {
      const mine = ++sequence;
      try {
        const answer = await fetcher();
        if (mine === sequence && answer) show(answer);
      } catch (error) {
        // A failed request leaves the last result: the form itself still works.
      }
    };
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    return response.ok ? response.json() : null;
  }

  function csrfToken(form) {
    const input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // --- preview -----------------------------------------------------------------------------------------------

  function setUpPreview(form, textarea) {
    const box = form.querySelector(".preview");
    const target = box && box.querySelector("[data-preview-body]");
    if (!target) return;
    const update = latestOnly(
      async function () {
        if (!textarea.value.trim()) return { html: "" };
        const response = await fetch("/preview", {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrfToken(form), Accept: "application/json" },
          body: new URLSearchParams({ body: textarea.value }),
        });
        return response.ok ? response.json() : null;
      },
      function (answer) {
        target.innerHTML = answer.html; // sanitized by the server, as the published post will be
        box.hidden = !answer.html;
      }
    );
    textarea.addEventListener("input", debounced(update, 350));
    if (textarea.value.trim()) update();
    return update;
  }

  // --- shortcuts ---------------------------------------------------------------------------------------------

  function replaceSelection(textarea, before, after, placeholder, selectPlaceholderOf) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const chosen = textarea.value.slice(start, end) || placeholder;
    textarea.setRangeText(before + chosen + after, start, end, "end");
    if (selectPlaceholderOf === "inside") {
      textarea.setSelectionRange(start + before.length, start + before.length + chosen.length);
    } else if (selectPlaceholderOf) {
      const at = start + before.length + chosen.length + after.indexOf(selectPlaceholderOf);
      textarea.setSelectionRange(at, at + selectPlaceholderOf.length);
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setUpShortcuts(form, textarea) {
    textarea.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "enter") {
        event.preventDefault();
        form.requestSubmit();
      } else if (key === "b") {
        event.preventDefault();
        replaceSelection(textarea, "**", "**", form.dataset.boldText || "bold", "inside");
      } else if (key === "i") {
        event.preventDefault();
        replaceSelection(textarea, "*", "*", form.dataset.italicText || "italic", "inside");
      } else if (key === "k") {
        event.preventDefault();
        replaceSelection(textarea, "[", "](https://)", form.dataset.linkText || "link", "https://");
      }
    });
    const hint = form.querySelector(".shortcuts");
    if (hint) hint.hidden = false;
  }

  // --- drafts ------------------------------------------------------------------------------------------------

  function setUpDraft(form, onRestored) {
    let storage;
    try {
      storage = window.localStorage;
    } catch (error) {
      return; // storage refused (private mode, policy): no drafts
    }
    const key = DRAFT_PREFIX + form.getAttribute("action");
    const fields = DRAFTED.map((name) => form.elements.namedItem(name)).filter(
      (field) => field && (field.tagName === "TEXTAREA" || field.type === "text")
    );
    const note = form.querySelector(".draft-note");
    const saved = JSON.parse(storage.getItem(key) || "null");
    const original = {};
    fields.forEach((field) => (original[field.name] = field.value));
    if (saved && fields.some((field) => saved[field.name] && saved[field.name] !== field.value)) {
      fields.forEach((field) => {
        if (typeof saved[field.name] === "string") field.value = saved[field.name];
      });
      if (note) note.hidden = false;
      onRestored();
    }
    let sent = false;
    const save = debounced(function () {
      if (sent) return; // a save due after the form left would bring the sent text back
      const draft = {};
      fields.forEach((field) => (draft[field.name] = field.value));
      storage.setItem(key, JSON.stringify(draft));
    }, 300);
    fields.forEach((field) => field.addEventListener("input", save));
    // Cleared when sent: a refused form comes back filled with what was sent, so nothing is lost.
    form.addEventListener("submit", function () {
      sent = true;
      storage.removeItem(key);
    });
    const discard = note && note.querySelector("[data-discard-draft]");
    if (discard) {
      discard.addEventListener("click", function () {
        storage.removeItem(key);
        fields.forEach((field) => {
          field.value = original[field.name];
          field.dispatchEvent(new Event("input", { bubbles: true }));
        });
        setTimeout(() => storage.removeItem(key), 400); // after the save those input events scheduled
        note.hidden = true;
      });
    }
  }

  // --- tags --------------------------------------------------------------------------------------------------

  function lastWord(value) {
    return value.slice(value.lastIndexOf(" ") + 1);
  }

  function setUpTags(form, input) {
    const list = form.querySelector("[data-tag-suggestions]");
    if (!list) return;
    function hide() {
      list.hidden = true;
      list.replaceChildren();
    }
    function choose(name) {
      const value = input.value;
      input.value = value.slice(0, value.lastIndexOf(" ") + 1) + name + " ";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      hide();
      input.focus();
    }
    const suggest = latestOnly(
      function () {
        const typed = lastWord(input.value);
        if (!typed) return { skills: [] };
        return getJSON("/search/skills?q=" + encodeURIComponent(typed));
      },
      function (answer) {
        const typed = lastWord(input.value).toLowerCase();
        const skills = answer.skills.filter((skill) => skill.name !== typed);
        list.replaceChildren(
          ...skills.map(function (skill) {
            const item = document.createElement("li");
            const button = document.createElement("button");
            button.type = "button";
            button.className = "tag";
            button.dataset.name = skill.name;
            button.textContent = skill.label === skill.name ? skill.name : skill.label + " (" + skill.name + ")";
            button.addEventListener("click", () => choose(skill.name));
            item.append(button);
            return item;
          })
        );
        list.hidden = skills.length === 0;
      }
    );
    input.addEventListener("input", debounced(suggest, 200));
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide();
      if (event.key === "ArrowDown" && !list.hidden) {
        event.preventDefault();
        list.querySelector("button").focus();
      }
    });
  }

  // --- similar questions -------------------------------------------------------------------------------------

  function setUpSimilar(form, input) {
    const box = form.querySelector(".similar");
    const list = box && box.querySelector("[data-similar-list]");
    if (!list) return;
    const look = latestOnly(
      function () {
        const title = input.value.trim();
        if (title.length < 8) return { questions: [] };
        return getJSON("/search/similar?q=" + encodeURIComponent(title));
      },
      function (answer) {
        list.replaceChildren(
          ...answer.questions.map(function (question) {
            const item = document.createElement("li");
            const link = document.createElement("a");
            link.href = question.url;
            link.textContent = question.title;
            item.append(link);
            return item;
          })
        );
        box.hidden = answer.questions.length === 0;
      }
    );
    input.addEventListener("input", debounced(look, 500));
    if (input.value.trim()) look();
  }

  // --- images ------------------------------------------------------------------------------------------------

  function setUpImages(form, textarea) {
    const input = form.querySelector("input[data-image-input]");
    if (!input) return;
    const status = form.querySelector("[data-image-status]");
    const maxBytes = Number(input.dataset.maxBytes) || Infinity;
    function say(message) {
      if (!status) return;
      status.textContent = message;
      status.hidden = !message;
    }
    function picturesIn(files) {
      return Array.from(files || []).filter((file) => file.type.startsWith("image/"));
    }
    // Kept by the server, which checks each one; the form itself only receives their Markdown.
    async function upload(pictures) {
      if (pictures.some((file) => file.size > maxBytes)) {
        say(input.dataset.tooLarge);
        return false;
      }
      const body = new FormData();
      pictures.forEach((file) => body.append("images", file, file.name || "image.png"));
      say(input.dataset.uploading);
      try {
        const response = await fetch("/media/images", {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrfToken(form), Accept: "application/json" },
          body: body,
        });
        const answer = await response.json();
        if (!response.ok) {
          say(answer.error || input.dataset.failed);
          return false;
        }
        const markdown = answer.images.map((image) => image.markdown).join("\n\n");
        const start = textarea.selectionStart;
        const before = start > 0 && textarea.value[start - 1] !== "\n" ? "\n\n" : "";
        textarea.setRangeText(before + markdown + "\n", start, textarea.selectionEnd, "end");
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        say("");
        return true;
      } catch (error) {
        say(input.dataset.failed); // the file input still sends pictures with the form
        return false;
      }
    }
    function takeFrom(transfer, event) {
      const pictures = picturesIn(transfer && transfer.files);
      if (!pictures.length) return;
      event.preventDefault();
      upload(pictures);
    }
    textarea.addEventListener("paste", (event) => takeFrom(event.clipboardData, event));
    textarea.addEventListener("drop", (event) => takeFrom(event.dataTransfer, event));
    input.addEventListener("change", async function () {
      const pictures = picturesIn(input.files);
      if (pictures.length && (await upload(pictures))) input.value = ""; // sent already: not again with the form
    });
  }

  // -----------------------------------------------------------------------------------------------------------

  function setUp(form) {
    const textarea = form.querySelector("textarea[data-markdown]");
    let refreshPreview = function () {};
    if (textarea) {
      refreshPreview = setUpPreview(form, textarea) || refreshPreview;
      setUpShortcuts(form, textarea);
      setUpImages(form, textarea);
    }
    setUpDraft(form, () => refreshPreview());
    const tags = form.querySelector("input[data-tags]");
    if (tags) setUpTags(form, tags);
    const title = form.querySelector("input[data-similar]");
    if (title) setUpSimilar(form, title);
  }

  document.querySelectorAll("form[data-writing]").forEach(setUp);
})();
