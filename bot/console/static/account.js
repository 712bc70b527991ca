/* Siaga console: my account — change my password, turn on two-step login (TOTP). */
"use strict";

(function () {
  const S = window.Siaga;
  let T = {};
  const t = (key) => T[key] || key;

  function say(id, message, ok) {
    const box = document.getElementById(id);
    box.textContent = message;
    box.className = ok ? "flash ok" : "error";
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    T = S.texts();
    const form = document.getElementById("password-form");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      if (data.new_password !== data.repeat) { say("password-result", t("acc.mismatch"), false); return; }
      try {
        await S.api("POST", "/api/console/me/password", { current_password: data.current_password, new_password: data.new_password });
        form.reset();
        say("password-result", t("acc.password_saved"), true);
        const notice = document.getElementById("account-action");
        if (notice) notice.hidden = true;
      } catch (e) { say("password-result", e.message, false); }
    });
    document.getElementById("totp-begin").addEventListener("click", async () => {
      try {
        const data = await S.api("POST", "/api/console/me/totp");
        document.getElementById("totp-secret").textContent = data.secret;
        document.getElementById("totp-uri").textContent = data.otpauth_uri;
        document.getElementById("totp-setup").hidden = false;
      } catch (e) { say("totp-result", e.message, false); }
    });
    const enable = document.getElementById("totp-enable");
    enable.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await S.api("POST", "/api/console/me/totp/enable", { code: enable.elements.code.value });
        document.getElementById("totp-setup").hidden = true;
        document.getElementById("totp-begin").hidden = true;
        document.getElementById("totp-state").textContent = t("acc.totp_on");
        say("totp-result", t("acc.totp_enabled"), true);
      } catch (e) { say("totp-result", e.message, false); }
    });
  });
})();
