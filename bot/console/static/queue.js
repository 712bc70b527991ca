/* Siaga console: the queue (open cases by urgency, then waiting time), live. */
"use strict";

(function () {
  const S = window.Siaga;
  const filtersKey = `siaga-filters-${S.meta("operator-id")}`;
  const el = S.el;
  let loadedAt = Date.now();
  let cases = [];
  let sla = {};
  const fresh = new Set();
  const newMessages = new Set(); // cases where the worker wrote since this page loaded

  function params() {
    const form = document.getElementById("filters");
    const out = new URLSearchParams();
    for (const [key, value] of new FormData(form).entries()) if (value) out.set(key, value);
    return out;
  }

  async function loadFilters() {
    const opts = await S.api("GET", "/api/console/filters");
    const form = document.getElementById("filters");
    const fill = (name, values, labelFn) => {
      const select = form.elements[name];
      values.forEach((v) => {
        const value = typeof v === "object" ? String(v.id) : v;
        const text = typeof v === "object" ? v.username : (labelFn ? labelFn(v) : v);
        select.append(el("option", { value, text }));
      });
    };
    fill("status", opts.statuses, S.label);
    fill("urgency", opts.urgencies);
    fill("category", opts.categories, S.label);
    fill("country", opts.countries);
    fill("channel", opts.channels);
    fill("operator", opts.operators);
    // Keep the operator's filters across reloads (a shift keeps the same view), under their own
    // id: never carried to the next person who logs in on this browser (docs/console.md).
    const saved = new URLSearchParams(sessionStorage.getItem(filtersKey) || "");
    for (const [key, value] of saved.entries()) if (form.elements[key]) form.elements[key].value = value;
  }

  async function load() {
    const query = params();
    sessionStorage.setItem(filtersKey, query.toString());
    const data = await S.api("GET", `/api/console/queue?${query}`);
    // A case raised to critical after it arrived (the worker wrote again) must ring too.
    const before = new Map(cases.map((c) => [c.reference, c.urgency]));
    const escalated = data.cases.filter((c) => c.urgency === "critical" && before.has(c.reference) && before.get(c.reference) !== "critical");
    if (escalated.length) { S.alarm(); showAlert(escalated[0]); }
    cases = data.cases;
    sla = data.sla_minutes || {};
    loadedAt = Date.now();
    render();
  }

  function render() {
    const body = document.getElementById("queue-body");
    const elapsed = (Date.now() - loadedAt) / 1000;
    body.replaceChildren(...cases.map((c) => {
      const waiting = c.waiting_seconds + elapsed;
      const target = sla[c.urgency];
      const late = target && !c.first_response_at && waiting > target * 60;
      const classes = [`u-${c.urgency}`];
      if (fresh.has(c.reference)) classes.push("fresh");
      if (late) classes.push("late");
      // The worker's name; "mother for Rina" only when someone else reported for her.
      const other = c.reporter && c.reporter !== "self";
      const who = other && c.affected_name
        ? `${c.contact_name || c.reporter} for ${c.affected_name}`
        : (c.affected_name || c.contact_name || "–");
      const row = el("tr", { class: classes.join(" "), "data-reference": c.reference, tabindex: "0" }, [
        el("td", {}, [S.pill(c.urgency)]),
        el("td", {}, [el("a", { href: `/console/cases/${c.reference}`, class: "ref", text: c.reference }),
          c.handoff_requested ? el("span", { class: "tag", text: "asked for a human" }) : null,
          newMessages.has(c.reference) ? el("span", { class: "tag msg-new", text: "new message" }) : null]),
        el("td", { text: S.label(c.intent) }),
        el("td", { text: who }),
        el("td", { text: c.country || "–" }),
        el("td", {}, [S.channel(c.channel)]),
        el("td", { text: S.label(c.status) }),
        el("td", { text: c.assigned_operator || "unassigned", class: c.assigned_operator ? "" : "muted" }),
        el("td", { class: late ? "late-time" : "", text: S.duration(waiting) + (late ? " · SLA" : "") }),
      ]);
      row.addEventListener("click", (e) => { if (e.target.tagName !== "A") window.location.href = `/console/cases/${c.reference}`; });
      row.addEventListener("keydown", (e) => { if (e.key === "Enter") window.location.href = `/console/cases/${c.reference}`; });
      return row;
    }));
    document.getElementById("empty").hidden = cases.length > 0;
    document.getElementById("count").textContent = `${cases.length} open`;
  }

  function showAlert(event) {
    const box = document.getElementById("alert");
    box.replaceChildren(
      el("strong", { text: "Critical case " }),
      el("a", { href: `/console/cases/${event.reference}`, text: event.reference }),
      ` · ${S.label(event.intent)} · just arrived`,
      el("button", { class: "link", text: "dismiss", onclick: () => { box.hidden = true; } }),
    );
    box.hidden = false;
  }

  const reload = S.debounce(() => load().catch(() => {}), 150);

  document.addEventListener("DOMContentLoaded", async () => {
    const sound = document.getElementById("sound");
    sound.checked = S.soundEnabled();
    sound.addEventListener("change", () => localStorage.setItem("siaga-sound", sound.checked ? "on" : "off"));
    await loadFilters();
    const form = document.getElementById("filters");
    form.addEventListener("change", reload);
    form.addEventListener("input", reload);
    form.addEventListener("submit", (e) => { e.preventDefault(); reload(); });
    await load();
    S.onLive((event) => {
      if (event.type === "message" && event.direction === "in" && event.reference) {
        newMessages.add(event.reference);
      }
      if (event.type === "case_new") {
        fresh.add(event.reference);
        if (event.urgency === "critical") {
          S.alarm();
          showAlert(event);
        }
      }
      // Bot chatter outside any case does not change the queue.
      if (event.type !== "message" || event.reference) reload();
    });
    setInterval(render, 15000); // waiting times keep counting between updates
  });
})();
