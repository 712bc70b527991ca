/* Siaga console: the shift handover page and the on-duty switch (docs/console.md, "Shift
   handover"). Strings come from the page's catalogue block (#texts). */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;
  let T = {};
  const t = (key) => T[key] || key;
  let meOnDuty = false;

  function caseLink(ref) {
    return el("a", { href: `/console/cases/${encodeURIComponent(ref)}`, text: ref });
  }

  function fill(ident, rows, columns) {
    const body = document.querySelector(`#${ident} tbody`);
    body.replaceChildren(...(rows.length ? rows.map((r) => el("tr", { "data-reference": r.reference },
      columns.map((c) => el("td", {}, [c(r)]))))
      : [el("tr", {}, [el("td", { colspan: String(columns.length), class: "muted", text: t("ho.none") })])]));
  }

  async function load() {
    const data = await S.api("GET", "/api/console/handover");
    meOnDuty = data.me_on_duty;
    document.getElementById("duty-state").textContent = meOnDuty ? t("ho.me_on") : t("ho.me_off");
    document.getElementById("duty-toggle").textContent = meOnDuty ? t("ho.go_off") : t("ho.go_on");
    const list = document.getElementById("on-duty-list");
    list.replaceChildren(...(data.on_duty.length
      ? data.on_duty.map((d) => el("li", { "data-operator": d.username }, [
        el("strong", { text: d.username }), ` (${d.role}) ${t("ho.since")} ${S.time(d.since)}`]))
      : [el("li", { class: "muted", text: t("ho.nobody") })]));
    const who = (r) => r.assigned_operator || t("ho.unassigned");
    fill("ho-urgent", data.urgent, [
      (r) => caseLink(r.reference), (r) => S.pill(r.urgency), (r) => S.label(r.intent),
      (r) => r.status.replace(/_/g, " "), who]);
    fill("ho-due", data.first_responses_due, [
      (r) => caseLink(r.reference), (r) => S.pill(r.urgency),
      (r) => el("span", { class: r.breached ? "sla" : "", text: `${S.time(r.deadline)}${r.breached ? ` · ${t("ho.breached")}` : ""}` }),
      who]);
    fill("ho-referrals", data.overdue_referrals, [
      (r) => caseLink(r.reference), (r) => r.partner, (r) => t(`ref.status.${r.status}`), (r) => S.time(r.due_at)]);
    const notes = document.getElementById("notes-list");
    notes.replaceChildren(...(data.notes.length
      ? data.notes.map((n) => el("li", { class: "handover-note" }, [
        el("small", { class: "muted", text: `${S.time(n.created_at)} · ${n.operator}` }),
        el("p", { text: n.text })]))
      : [el("li", { class: "muted", text: t("ho.none") })]));
  }

  document.addEventListener("DOMContentLoaded", () => {
    T = S.texts();
    document.getElementById("duty-toggle").addEventListener("click", async () => {
      await S.api("POST", "/api/console/duty", { on_duty: !meOnDuty });
      await load();
    });
    const form = document.getElementById("note-form");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const error = document.getElementById("note-error");
      error.hidden = true;
      try {
        await S.api("POST", "/api/console/handover/notes", { text: form.elements.text.value });
        form.reset();
        await load();
      } catch (e) { error.textContent = e.message; error.hidden = false; }
    });
    load();
    S.onLive(S.debounce(load, 2000));
  });
})();
