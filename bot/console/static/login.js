/* Siaga console: the login form; after login, back to the page the operator was sent from. */
"use strict";

/** A console page of this site to go to after login, never another site. */
function safeNext(value) {
  if (value && value.startsWith("/console") && !value.startsWith("/console/login")
      && !value.includes("//") && !value.includes("\\")) return value;
  return "/console";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const codeLabel = document.getElementById("code-label");
  const next = safeNext(new URLSearchParams(window.location.search).get("next"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    try {
      const result = await window.Siaga.api("POST", "/api/console/login", {
        username: data.get("username"),
        password: data.get("password"),
        code: data.get("code") || "",
      });
      // Saved queue filters belong to whoever used this tab before.
      window.Siaga.forgetFilters();
      window.location.href = result.action ? "/console/account" : next;
    } catch (e) {
      if (e.data && e.data.totp_required) {
        codeLabel.hidden = false;
        form.elements.code.focus();
      }
      error.textContent = e.message;
      error.hidden = false;
    }
  });
});
