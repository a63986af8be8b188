// "Try it" on the API documentation page: sends the operation with the token typed on the page (kept nowhere
// else) and shows the answer. Same origin only, as the Content-Security-Policy requires.
"use strict";

document.querySelectorAll("form.try-it").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = form.querySelector(".try-result");
    let path = form.dataset.path;
    const query = new URLSearchParams();
    let body;
    for (const input of form.querySelectorAll("[data-in]")) {
      const value = input.value.trim();
      if (input.dataset.in === "path") path = path.replace(`{${input.name}}`, encodeURIComponent(value));
      else if (input.dataset.in === "query" && value) query.set(input.name, value);
      else if (input.dataset.in === "body") body = value;
    }
    const headers = { Authorization: `Bearer ${document.getElementById("api-token").value.trim()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const url = path + (query.toString() ? `?${query}` : "");
    output.textContent = "…";
    try {
      const response = await fetch(url, { method: form.dataset.method, headers, body, credentials: "omit" });
      const text = await response.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON: shown as it is */ }
      const limits = ["RateLimit-Remaining", "ETag"].map((h) => response.headers.get(h) ? `${h}: ${response.headers.get(h)}` : "");
      output.textContent = `${form.dataset.method} ${url}\n${response.status} ${response.statusText}\n${limits.filter(Boolean).join("\n")}\n\n${shown}`;
    } catch (error) {
      output.textContent = String(error);
    }
  });
});
