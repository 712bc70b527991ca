/* Siaga console: referrals to partners — the case page's panel, the queue's overdue reminders,
   and Supervision's table per partner (docs/console.md, "Referrals"). Strings come from the
   page's catalogue block (#texts), never from this file. */
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

  // --- the case page ------------------------------------------------------------------------
  const reference = document.body.dataset.reference;

  function showError(message) {
    const box = document.getElementById("referral-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function renderReferral(r, statuses) {
    const form = el("form", { class: "referral-update", "data-referral": String(r.id) });
    const open = ["sent", "acknowledged", "acting"].includes(r.status);
    const select = el("select", { name: "status", "aria-label": t("ref.status") },
      statuses.map((s) => el("option", { value: s, text: t(`ref.status.${s}`), selected: s === r.status })));
    form.append(
      open ? select : null,
      el("input", { name: "note", placeholder: t("ref.note"), "aria-label": t("ref.note") }),
      open && !r.partner_reference ? el("input", { name: "partner_reference", placeholder: t("ref.partner_reference"), "aria-label": t("ref.partner_reference") }) : null,
      el("button", { type: "submit", text: t("ref.update") }),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(new FormData(form).entries());
      if (body.status === r.status) delete body.status;
      showError("");
      try {
        await S.api("POST", `/api/console/referrals/${r.id}`, body);
        await loadCase();
      } catch (e) { showError(e.message); }
    });
    const history = el("ol", { class: "referral-history" }, r.updates.map((u) =>
      el("li", {}, [
        el("time", { text: S.time(u.at) }), " ",
        u.from && u.from !== u.to ? `${t(`ref.status.${u.from}`)} → ` : "",
        el("strong", { text: t(`ref.status.${u.to}`) }),
        u.operator ? ` ${t("ref.by")} ${u.operator}` : "",
        u.note ? el("span", { class: "note", text: ` — ${u.note}` }) : null,
      ])));
    return el("article", { class: `referral ${r.overdue ? "overdue" : ""}`, "data-referral": String(r.id), "data-status": r.status }, [
      el("h3", {}, [
        el("span", { class: "partner", text: r.partner }), " ",
        el("span", { class: `rstatus ${r.status}`, text: t(`ref.status.${r.status}`) }),
        r.overdue ? el("span", { class: "pill critical", text: t("ref.overdue") }) : null,
      ]),
      el("p", { class: "muted", text: [
        r.partner_reference ? `${t("ref.partner_reference")}: ${r.partner_reference}` : "",
        r.due_at ? `${t("ref.due")}: ${S.time(r.due_at)}` : "",
      ].filter(Boolean).join(" · ") }),
      el("p", { class: "request", text: r.request }),
      history,
      form,
    ]);
  }

  async function loadCase() {
    const data = await S.api("GET", `/api/console/cases/${encodeURIComponent(reference)}/referrals`);
    const list = document.getElementById("referral-list");
    list.replaceChildren(...(data.referrals.length
      ? data.referrals.map((r) => renderReferral(r, data.statuses))
      : [el("p", { class: "muted", text: t("ref.none") })]));
    const select = document.querySelector("#referral-form select[name=partner_key]");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "", text: t("ref.choose") }),
      ...data.partners.map((p) => el("option", { value: p.key, text: `${p.name} (${p.kind_label})`, selected: p.key === chosen })));
  }

  function setupCase() {
    const form = document.getElementById("referral-form");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(new FormData(form).entries());
      showError("");
      try {
        const result = await S.api("POST", `/api/console/cases/${encodeURIComponent(reference)}/referrals`, body);
        form.reset();
        const flash = document.getElementById("referral-flash") || el("p", { id: "referral-flash", class: "flash ok", role: "status" });
        flash.textContent = t("ref.created", { partner: result.referral.partner });
        form.before(flash);
        await loadCase();
      } catch (e) { showError(e.message); }
    });
    loadCase();
  }

  // --- the queue ------------------------------------------------------------------------------
  async function loadOverdue() {
    const data = await S.api("GET", "/api/console/referrals/overdue");
    const box = document.getElementById("overdue-referrals");
    const list = document.getElementById("overdue-list");
    list.replaceChildren(...data.overdue.map((o) => el("li", { "data-reference": o.reference }, [
      el("a", { href: `/console/cases/${encodeURIComponent(o.reference)}`, text: o.reference }), " ",
      S.pill(o.urgency), ` ${o.partner} · ${t(`ref.status.${o.status}`)} · ${t("ref.due")} ${S.time(o.due_at)}`,
    ])));
    box.hidden = data.overdue.length === 0;
  }

  // --- Supervision ----------------------------------------------------------------------------
  async function loadStats() {
    const since = document.querySelector("form.period input[name=since]");
    const until = document.querySelector("form.period input[name=until]");
    const query = since && until ? `?since=${since.value}&until=${until.value}` : "";
    const data = await S.api("GET", `/api/console/referrals/stats${query}`);
    const fmt = (v) => (v === null || v === undefined ? "–" : String(v));
    const rows = data.partners.map((p) => el("tr", { "data-partner": p.partner_key }, [
      el("td", { text: p.partner }), el("td", { text: fmt(p.referrals) }), el("td", { text: fmt(p.open) }),
      el("td", { text: fmt(p.overdue) }), el("td", { text: fmt(p.done) }), el("td", { text: fmt(p.declined) }),
      el("td", { text: fmt(p.hours_to_acknowledge) }), el("td", { text: fmt(p.hours_to_close) }),
    ]));
    document.getElementById("referral-stats-body").replaceChildren(...(rows.length ? rows
      : [el("tr", {}, [el("td", { colspan: "8", class: "muted", text: t("ref.stats_none") })])]));
  }

  document.addEventListener("DOMContentLoaded", () => {
    T = S.texts();
    if (document.getElementById("referrals")) setupCase();
    if (document.getElementById("overdue-referrals")) {
      loadOverdue();
      setInterval(loadOverdue, 60000);
    }
    if (document.getElementById("referral-stats")) loadStats();
  });
})();
