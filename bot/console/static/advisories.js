/* Siaga console: advisories to many (supervisors). Compose, count the audience, approve (a
   second supervisor), follow the progress, cancel. docs/advisories.md */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;
  const PROGRESS = ["queued", "sent", "delivered", "read", "failed", "opted_out", "cancelled"];
  let meId = null;

  function label(name) {
    return document.body.dataset[`label${name[0].toUpperCase()}${name.slice(1)}`] || name;
  }

  function selected(select) {
    return Array.from(select.selectedOptions).map((o) => o.value);
  }

  function audience(form) {
    const days = form.elements.active_days.value;
    return {
      countries: selected(form.elements.countries),
      channels: selected(form.elements.channels),
      languages: selected(form.elements.languages),
      active_days: days ? Number(days) : null,
    };
  }

  function fill(select, values) {
    const chosen = new Set(selected(select));
    select.replaceChildren(...values.map(([value, text]) =>
      el("option", { value, text, selected: chosen.has(value) })));
  }

  // Colours of the progress bar, set through the CSSOM (the CSP allows no inline styles).
  const COLOURS = {
    queued: "#d0d5dd", sent: "#7aa7e0", delivered: "#3b7dd8", read: "#1f5fae",
    failed: "#d64545", opted_out: "#b38600", cancelled: "#8a8f98",
  };

  function bar(progress, total) {
    const parts = PROGRESS.filter((k) => progress[k]).map((k) => {
      const seg = el("span", { class: `seg ${k}`, title: `${k}: ${progress[k]}` });
      seg.style.flexGrow = String(progress[k]);
      seg.style.background = COLOURS[k];
      seg.style.height = "10px";
      return seg;
    });
    const counts = PROGRESS.map((k) => `${k.replace("_", " ")} ${progress[k] || 0}`).join(" · ");
    const line = el("div", { class: "bar", role: "progressbar", "aria-valuemax": total }, parts);
    line.style.display = "flex";
    line.style.borderRadius = "4px";
    line.style.overflow = "hidden";
    return el("div", { class: "advisory-progress" }, [
      line,
      el("p", { class: "muted counts", text: counts }),
    ]);
  }

  function item(a) {
    const actions = [];
    if (a.status === "draft" && a.created_by !== meId) {
      actions.push(el("button", {
        class: "primary approve", text: label("approve"),
        onclick: () => act(a.id, "approve"),
      }));
    }
    if (["draft", "scheduled", "sending"].includes(a.status)) {
      actions.push(el("button", {
        class: "cancel", text: label("cancel"), onclick: () => act(a.id, "cancel"),
      }));
    }
    const total = a.recipients || 0;
    return el("article", { class: "advisory", "data-id": a.id, "data-status": a.status }, [
      el("h3", {}, [a.title, " ", el("span", { class: `pill status-${a.status}`, text: a.status })]),
      el("p", { class: "muted", text: `${total} · ${a.source_url}` }),
      a.status === "draft" ? null : bar(a.progress || {}, total),
      a.progress && a.progress.replies
        ? el("p", { class: "replies", text: `${label("replies")}: ${a.progress.replies}` })
        : null,
      el("div", { class: "actions" }, actions),
    ]);
  }

  async function act(id, what) {
    const error = document.getElementById("advisory-error");
    error.hidden = true;
    try {
      await S.api("POST", `/api/console/advisories/${id}/${what}`);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
    load();
  }

  async function load() {
    const data = await S.api("GET", "/api/console/advisories");
    const form = document.getElementById("advisory-form");
    fill(form.elements.countries, data.countries.map((c) => [c.country, `${c.country} (${c.contacts})`]));
    fill(form.elements.channels, Object.keys(data.channels).map((c) => [c, c]));
    fill(form.elements.languages, data.languages.map((l) => [l, l]));
    document.getElementById("advisories").replaceChildren(...data.advisories.map(item));
  }

  async function count(form) {
    const out = document.getElementById("audience-count");
    const data = await S.api("POST", "/api/console/advisories/audience", { audience: audience(form) });
    out.textContent = String(data.count.total);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const meta = document.querySelector('meta[name="operator-id"]');
    meId = meta ? Number(meta.getAttribute("content")) : null;
    const form = document.getElementById("advisory-form");
    const error = document.getElementById("advisory-error");
    document.getElementById("count-button").addEventListener("click", () => count(form));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const when = form.elements.scheduled_at.value;
      const body = {
        title: form.elements.title.value,
        text_id: form.elements.text_id.value,
        text_en: form.elements.text_en.value,
        source_url: form.elements.source_url.value,
        audience: audience(form),
        scheduled_at: when ? new Date(when).toISOString() : null,
      };
      try {
        await S.api("POST", "/api/console/advisories", body);
        form.reset();
        load();
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
      }
    });
    load();
    setInterval(load, 2000);
  });
})();
