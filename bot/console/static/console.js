/* Siaga console: shared helpers (API calls with CSRF, live updates, alert sound). No build step. */
"use strict";

window.Siaga = (function () {
  function meta(name) {
    const el = document.querySelector(`meta[name="${name}"]`);
    return el ? el.getAttribute("content") : "";
  }

  /** Call the JSON API; POSTs carry the session's CSRF token. Logged out -> login page. */
  async function api(method, path, body) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = meta("csrf-token");
      opts.body = JSON.stringify(body || {});
    }
    const resp = await fetch(path, opts);
    if (resp.status === 401 && !path.endsWith("/login")) {
      window.location.href = "/console/login";
      throw new Error("logged out");
    }
    let data = {};
    try { data = await resp.json(); } catch (e) { data = {}; }
    if (!resp.ok) {
      const err = new Error(data.error || `request failed (${resp.status})`);
      err.status = resp.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  /** Build an element: el("div", {class: "x", onclick: f}, [children or text]). */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return `${seconds}s`;
    const m = Math.floor(seconds / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h ${m % 60} min`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  }

  function time(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.toLocaleString(undefined, { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function label(value) {
    return String(value || "").replace(/^complaint\./, "").replace(/[._]/g, " ");
  }

  const CHANNELS = { twilio: "WhatsApp (Twilio)", whatsapp: "WhatsApp", telegram: "Telegram", webchat: "Web chat" };
  function channel(name) {
    return el("span", { class: `chan ${name}`, text: CHANNELS[name] || name });
  }

  function pill(urgency) {
    return el("span", { class: `pill ${urgency}`, text: urgency });
  }

  // --- sound: a short two-tone siren from WebAudio (no audio file to ship or to fail loading).
  let audio = null;
  function audioContext() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      audio = new Ctx();
    }
    if (audio.state === "suspended") audio.resume();
    return audio;
  }
  // Browsers start audio only after a user gesture: the first click anywhere unlocks it.
  document.addEventListener("click", () => audioContext(), { once: true });

  function soundEnabled() {
    return localStorage.getItem("siaga-sound") !== "off";
  }

  function alarm() {
    window.Siaga.alarms = (window.Siaga.alarms || 0) + 1;
    if (!soundEnabled()) return;
    const ctx = audioContext();
    if (!ctx) return;
    const start = ctx.currentTime;
    for (let i = 0; i < 3; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "square";
      osc.frequency.setValueAtTime(i % 2 ? 660 : 880, start + i * 0.25);
      gain.gain.setValueAtTime(0.0001, start + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.2, start + i * 0.25 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.25 + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + i * 0.25);
      osc.stop(start + i * 0.25 + 0.24);
    }
  }

  // --- live updates: one EventSource per page; handlers subscribe with Siaga.onLive(fn).
  const handlers = [];
  function onLive(fn) { handlers.push(fn); }
  function connectLive() {
    const indicator = document.getElementById("live");
    if (!indicator || !window.EventSource) return;
    const source = new EventSource("/api/console/events");
    const dispatch = (type) => (msg) => {
      let data = {};
      try { data = JSON.parse(msg.data || "{}"); } catch (e) { data = {}; }
      data.type = type;
      handlers.forEach((fn) => fn(data));
    };
    ["hello", "case_new", "message", "case_changed", "delivery"].forEach((type) =>
      source.addEventListener(type, dispatch(type)));
    source.addEventListener("open", () => { indicator.classList.add("on"); indicator.title = "live updates connected"; });
    source.addEventListener("error", () => { indicator.classList.remove("on"); indicator.title = "reconnecting…"; });
  }

  /** Coalesce calls: fn runs `ms` after the first call of a burst, once. Unlike a debounce it
   *  cannot be postponed forever by a steady stream of events on a busy night. */
  function debounce(fn, ms) {
    let timer = null;
    return function () {
      if (timer) return;
      timer = setTimeout(() => { timer = null; fn(); }, ms);
    };
  }

  /** The page's catalogue strings (every <script type="application/json" class="texts">). */
  function texts() {
    const merged = {};
    for (const block of document.querySelectorAll("script.texts")) {
      try { Object.assign(merged, JSON.parse(block.textContent)); } catch (e) { /* skip */ }
    }
    return merged;
  }

  /** Remove every operator's saved queue filters from this browser tab. */
  function forgetFilters() {
    for (const key of Object.keys(sessionStorage)) {
      if (key.startsWith("siaga-filters")) sessionStorage.removeItem(key);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const logout = document.getElementById("logout");
    if (logout) {
      logout.addEventListener("click", async () => {
        // The queue's filters are this operator's, not the next person's on this browser.
        forgetFilters();
        try { await api("POST", "/api/console/logout"); } finally { window.location.href = "/console/login"; }
      });
    }
    connectLive();
  });

  return { api, el, duration, time, label, pill, channel, alarm, onLive, debounce, meta, soundEnabled, forgetFilters, texts };
})();
