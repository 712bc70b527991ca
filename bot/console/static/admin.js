/* Siaga console: operator accounts (admins only): add, unlock, reset a password (changed at the
   next login), deactivate or reactivate (sessions end at once). */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;
  let T = {};
  const t = (key, user) => (T[key] || key).replace("{user}", user || "");

  function notice(message, isError) {
    const box = document.getElementById("admin-error");
    box.textContent = message;
    box.className = isError ? "error" : "flash ok";
    box.hidden = false;
  }

  async function act(fn) {
    try { await fn(); } catch (e) { notice(e.message, true); }
    load();
  }

  async function load() {
    const data = await S.api("GET", "/api/console/operators");
    document.getElementById("operators").replaceChildren(...data.operators.map((op) =>
      el("tr", { "data-operator": op.username }, [
        el("td", { text: op.username }),
        el("td", { text: op.role }),
        el("td", { class: "active", text: op.active ? t("acc.yes") : t("acc.no") }),
        el("td", { text: op.locked_until ? S.time(op.locked_until) : "–" }),
        el("td", {}, [
          op.locked_until ? el("button", {
            text: "Unlock",
            onclick: () => act(() => S.api("POST", `/api/console/operators/${op.id}/unlock`)),
          }) : null,
          el("button", {
            text: t("acc.reset"),
            class: "reset",
            onclick: () => act(async () => {
              const password = window.prompt(t("acc.reset_prompt", op.username));
              if (!password) return;
              await S.api("POST", `/api/console/operators/${op.id}/password`, { password });
              notice(t("acc.reset_done", op.username), false);
            }),
          }),
          el("button", {
            text: op.active ? t("acc.deactivate") : t("acc.reactivate"),
            class: op.active ? "danger toggle-active" : "toggle-active",
            onclick: () => act(async () => {
              if (op.active && !window.confirm(t("acc.deactivate_confirm", op.username))) return;
              await S.api("POST", `/api/console/operators/${op.id}/active`, { active: !op.active });
            }),
          }),
        ]),
      ])));
  }

  document.addEventListener("DOMContentLoaded", () => {
    T = S.texts();
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
        error.className = "error";
        error.hidden = false;
      }
    });
    load();
  });
})();
