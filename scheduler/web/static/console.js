// The one script of the console: live validation of the "add an entity" form, with
// the same messages as `newsradar check`. Everything works without it (the Check
// button posts the form); messages are written as text, never as HTML.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("entity-form");
  const out = document.getElementById("entity-check");
  if (!form || !out) return;
  let timer = null;
  const show = (lines) => {
    out.replaceChildren(...lines.map(([kind, text]) => {
      const p = document.createElement("p");
      p.className = kind;
      p.textContent = text;
      return p;
    }));
  };
  const check = async () => {
    if (!form.elements.id.value && !form.elements.name.value) return;
    const body = new FormData(form);
    body.delete("csrf");
    try {
      const answer = await fetch(form.dataset.check, {
        method: "POST",
        body,
        headers: { "X-CSRF-Token": document.body.dataset.csrf },
        credentials: "same-origin",
      });
      if (!answer.ok) return;
      const result = await answer.json();
      const lines = result.errors.map((e) => ["error", e])
        .concat(result.warnings.map((w) => ["warning", "warning: " + w]));
      show(lines.length ? lines : [["ok", "OK: newsradar check accepts it."]]);
    } catch (err) {
      // The server is unreachable: the Check button still works.
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
});
