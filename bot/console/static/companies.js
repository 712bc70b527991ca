/* Siaga console: recruitment companies (P3MI) — the case page's suggestions and confirmation,
   Supervision's complaints per confirmed company and the CSV import. Strings from #texts. */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;
  let T = {};
  function t(key, vars) {
    let value = T[key] || key;
    for (const [k, v] of Object.entries(vars || {})) value = value.replace(`{${k}}`, v);
    return value;
  }
  const reference = document.body.dataset.reference;

  function error(message) {
    const box = document.getElementById("company-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function confirm(body) {
    error("");
    try {
      await S.api("POST", `/api/console/cases/${encodeURIComponent(reference)}/company`, body);
      await loadCase();
    } catch (e) { error(e.message); }
  }

  async function loadCase() {
    const data = await S.api("GET", `/api/console/cases/${encodeURIComponent(reference)}/company`);
    document.getElementById("company-typed").textContent = data.typed ? t("co.typed", { typed: data.typed }) : t("co.none_typed");
    document.getElementById("company-confirmed").textContent = data.confirmed
      ? t("co.confirmed", { name: data.confirmed.name }) : t("co.not_confirmed");
    document.getElementById("company-suggestions").replaceChildren(...data.suggestions.map((c) =>
      el("li", { "data-company": c.name }, [
        el("strong", { text: c.name }), c.licence_number ? ` · ${c.licence_number}` : "",
        ` · ${t("co.match")} ${c.score}% `,
        el("button", { type: "button", text: t("co.confirm"), onclick: () => confirm({ company_id: c.id }) }),
      ])));
    const form = document.getElementById("company-create");
    if (!form.elements.name.value && data.typed) form.elements.name.value = data.typed;
  }

  async function loadStats() {
    const since = document.querySelector("form.period input[name=since]");
    const until = document.querySelector("form.period input[name=until]");
    const query = since && until ? `?since=${since.value}&until=${until.value}` : "";
    const data = await S.api("GET", `/api/console/companies/stats${query}`);
    document.getElementById("company-stats-body").replaceChildren(...(data.companies.length
      ? data.companies.map((c) => el("tr", { "data-company": c.company }, [
        el("td", { text: c.company }), el("td", { text: c.licence_number || "–" }),
        el("td", { text: String(c.complaints) }), el("td", { text: String(c.open) }),
        el("td", { text: String(c.critical) })]))
      : [el("tr", {}, [el("td", { colspan: "5", class: "muted", text: t("co.stats_none") })])]));
  }

  document.addEventListener("DOMContentLoaded", () => {
    T = S.texts();
    if (document.getElementById("company")) {
      const form = document.getElementById("company-create");
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        confirm({ name: form.elements.name.value, licence_number: form.elements.licence_number.value });
      });
      loadCase();
    }
    if (document.getElementById("company-stats")) {
      const form = document.getElementById("company-import");
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const file = form.elements.file.files[0];
        if (!file) return;
        const out = document.getElementById("company-import-result");
        const resp = await fetch("/api/console/companies/import", {
          method: "POST", credentials: "same-origin", body: await file.text(),
          headers: { "Content-Type": "text/csv", "X-CSRF-Token": S.meta("csrf-token") },
        });
        const data = await resp.json();
        out.textContent = resp.ok ? t("co.imported", data) : data.error;
        out.hidden = false;
        loadStats();
      });
      loadStats();
    }
  });
})();
