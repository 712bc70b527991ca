/* Siaga console: requests to delete personal data (supervisors), on the Supervision page. */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;

  function showError(message) {
    const box = document.getElementById("erasure-error");
    box.textContent = message;
    box.hidden = !message;
  }

  async function act(path, body, question) {
    if (question && !window.confirm(question)) return;
    showError("");
    try {
      await S.api("POST", path, body);
    } catch (e) {
      showError(e.message);
    }
    load();
  }

  async function load() {
    const data = await S.api("GET", "/api/console/erasure-requests");
    const rows = data.requests.map((r) =>
      el("tr", { "data-request": String(r.id) }, [
        el("td", { text: S.time(r.requested_at) }),
        el("td", { text: r.channel }),
        el("td", {}, r.cases.length
          ? r.cases.map((ref) => el("a", { href: `/console/cases/${encodeURIComponent(ref)}`, text: ref + " " }))
          : [el("span", { class: "muted", text: "none" })]),
        el("td", { text: r.note || "–" }),
        el("td", {}, [
          el("button", {
            text: "Erase now",
            class: "danger",
            onclick: () => act(`/api/console/erasure-requests/${r.id}/execute`, {},
              "Erase this person's data? It cannot be undone."),
          }),
          el("button", {
            text: "Refuse…",
            onclick: () => {
              const reason = window.prompt("Why is it refused? (e.g. the case is evidence in a prosecution)");
              if (reason) act(`/api/console/erasure-requests/${r.id}/refuse`, { reason });
            },
          }),
        ]),
      ]));
    const body = document.getElementById("erasure-requests");
    body.replaceChildren(...(rows.length ? rows
      : [el("tr", {}, [el("td", { colspan: "5", class: "muted", text: "No request is waiting." })])]));
  }

  document.addEventListener("DOMContentLoaded", () => { if (document.getElementById("erasure")) load(); });
})();
