/* Siaga console: the login form. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    try {
      await window.Siaga.api("POST", "/api/console/login", {
        username: data.get("username"),
        password: data.get("password"),
      });
      window.location.href = "/console";
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  });
});
