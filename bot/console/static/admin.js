/* Siaga console: operator accounts (admins only). */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;

  async function load() {
    const data = await S.api("GET", "/api/console/operators");
    document.getElementById("operators").replaceChildren(...data.operators.map((op) =>
      el("tr", {}, [
        el("td", { text: op.username }),
        el("td", { text: op.role }),
        el("td", { text: op.active ? "yes" : "no" }),
        el("td", { text: op.locked_until ? S.time(op.locked_until) : "–" }),
        el("td", {}, op.locked_until ? [el("button", {
          text: "Unlock",
          onclick: async () => { await S.api("POST", `/api/console/operators/${op.id}/unlock`); load(); },
        })] : []),
      ])));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("add-operator");
    const error = document.getElementById("admin-error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const data = new FormData(form);
      try {
        await S.api("POST", "/api/console/operators", Object.fromEntries(data.entries()));
        form.reset();
        load();
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
      }
    });
    load();
  });
})();
