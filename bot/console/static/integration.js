/* Siaga console: webhooks and API tokens (admins). Secrets are shown once, at creation. */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;
  let T = {};
  const t = (key) => T[key] || key;

  function show(id, message) {
    const box = document.getElementById(id);
    box.textContent = message;
    box.hidden = !message;
  }

  async function load() {
    const hooks = await S.api("GET", "/api/console/webhooks");
    document.getElementById("webhooks").replaceChildren(...hooks.webhooks.map((w) =>
      el("tr", { "data-webhook": w.name }, [
        el("td", { text: w.name }), el("td", { text: w.url }), el("td", { text: w.events.join(", ") }),
        el("td", { text: w.personal_data ? t("int.yes") : t("int.no") }),
        el("td", { text: w.active ? t("int.yes") : t("int.no") }),
      ])));
    const failed = await S.api("GET", "/api/console/webhooks/deliveries?status=failed");
    document.getElementById("failed-deliveries").replaceChildren(...(failed.deliveries.length
      ? failed.deliveries.map((d) => el("li", { text: `${d.case} · ${d.event} · ${d.attempts}× · ${d.last_error || ""}` }))
      : [el("li", { class: "muted", text: t("int.none") })]));
    const tokens = await S.api("GET", "/api/console/tokens");
    document.getElementById("tokens").replaceChildren(...tokens.tokens.map((k) =>
      el("tr", { "data-token": k.name }, [
        el("td", { text: k.name }), el("td", { text: k.scopes.join(", ") }),
        el("td", { text: k.last_used_at ? S.time(k.last_used_at) : "–" }),
        el("td", {}, [k.revoked_at ? el("span", { class: "muted", text: t("int.revoked") }) : el("button", {
          text: t("int.revoke"),
          onclick: async () => { await S.api("POST", `/api/console/tokens/${k.id}/revoke`); load(); },
        })]),
      ])));
  }

  function checked(form, name) {
    return [...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
  }

  document.addEventListener("DOMContentLoaded", () => {
    T = S.texts();
    const hook = document.getElementById("webhook-form");
    hook.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      show("int-error", "");
      try {
        const result = await S.api("POST", "/api/console/webhooks", {
          name: hook.elements.name.value, url: hook.elements.url.value,
          events: checked(hook, "events"), personal_data: hook.elements.personal_data.checked,
        });
        hook.reset();
        show("int-secret", `${t("int.secret_once")} ${result.secret}`);
        load();
      } catch (e) { show("int-error", e.message); }
    });
    const token = document.getElementById("token-form");
    token.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      show("int-error", "");
      try {
        const result = await S.api("POST", "/api/console/tokens", {
          name: token.elements.name.value, scopes: checked(token, "scopes"),
        });
        token.reset();
        show("int-secret", `${t("int.secret_once")} ${result.value}`);
        load();
      } catch (e) { show("int-error", e.message); }
    });
    load();
  });
})();
