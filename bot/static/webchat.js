/* Siaga web chat: plain JavaScript, no framework, no third-party requests.
 *
 * Nothing typed is lost: every message gets a message_id when it is typed and waits in
 * localStorage until the server answered 200 or 202; it is resent with the same id (the server
 * deduplicates on it) with backoff, across reloads; a 429 (docs/abuse.md) waits Retry-After.
 * Any other 4xx with a reason is shown and not resent. A reload rebuilds the conversation from
 * /api/webchat/history. The poll asks only for what came after the last reply this page has
 * (?after=<outbox id>): reading takes nothing away on the server, so another tab or reader
 * cannot make this one miss a reply. Everything from the server or the person is inserted as
 * text (text nodes, textContent), never as HTML.
 */
(() => {
  "use strict";

  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const tooLong = document.getElementById("too-long");
  const net = document.getElementById("net");
  const API = log.dataset.apiMessages || "/api/webchat/messages";
  const HISTORY = log.dataset.apiHistory || "/api/webchat/history";
  const MAX = Number(log.dataset.maxLength) || 4096;

  const KEY_SESSION = "siaga_session";
  const KEY_QUEUE = "siaga_outbox";
  const KEY_DRAFT = "siaga_draft";
  const WELCOME = log.dataset.apiWelcome || "/api/webchat/welcome";
  const LANG = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "id";

  const T = {
    sending: "Mengirim… / Sending…",
    retrying: "Belum terkirim, mencoba lagi… / Not sent yet, retrying…",
    sent: "✓ Terkirim / Sent",
    rejected: "Tidak terkirim / Not sent: ",
    edit: "Ubah / Edit",
    offline: "Tidak ada koneksi. Pesan Anda disimpan di ponsel ini dan dikirim otomatis. " +
      "/ No connection: your messages are kept and sent automatically.",
    retryNow: "Coba sekarang / Retry now",
    bot: "Siaga",
    operator: "Petugas / Officer",
    leaveUnsent: "Ada pesan yang belum terkirim; pesan itu akan hilang. Tetap keluar? / " +
      "A message is not sent yet and will be lost. Leave anyway?",
  };

  // --- storage (a private window may refuse localStorage: then memory, for this visit) ---------
  const store = (() => {
    try {
      const probe = "siaga_probe";
      localStorage.setItem(probe, probe);
      localStorage.removeItem(probe);
      return localStorage;
    } catch (_e) {
      const mem = new Map();
      return {
        getItem: (k) => (mem.has(k) ? mem.get(k) : null),
        setItem: (k, v) => { mem.set(k, String(v)); },
        removeItem: (k) => { mem.delete(k); },
      };
    }
  })();

  function save(key, value) {
    try {
      store.setItem(key, value);
      return true;
    } catch (_e) {
      return false; // storage full
    }
  }

  function randomHex() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // unlike randomUUID, also on plain http
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  let sessionId = store.getItem(KEY_SESSION);
  if (!sessionId || !/^[A-Za-z0-9_-]{8,64}$/.test(sessionId)) {
    sessionId = "web-" + randomHex();
    save(KEY_SESSION, sessionId);
  }
  const sessionQuery = "?session_id=" + encodeURIComponent(sessionId);

  // The queue lives in localStorage and is read fresh each time (another tab may change it).
  // Should the storage be full, this page keeps it in memory instead: still sent, still shown.
  let queueInMemory = null;
  function readQueue() {
    if (queueInMemory !== null) return queueInMemory.slice();
    try {
      const items = JSON.parse(store.getItem(KEY_QUEUE) || "[]");
      return Array.isArray(items)
        ? items.filter((i) => i && typeof i.id === "string" && typeof i.text === "string")
        : [];
    } catch (_e) {
      return [];
    }
  }

  function changeQueue(change) {
    const items = change(readQueue());
    queueInMemory = save(KEY_QUEUE, JSON.stringify(items)) ? null : items;
    return items;
  }

  function updateItem(id, fields) {
    changeQueue((q) => q.map((i) => (i.id === id ? Object.assign({}, i, fields) : i)));
  }

  function removeItem(id) {
    changeQueue((q) => q.filter((i) => i.id !== id));
  }

  // --- rendering -----------------------------------------------------------------------------
  const nodes = new Map(); // key -> .msg element
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

  function keyOf(m) {
    if (m.from === "worker") return m.message_id ? "w:" + m.message_id : "m:" + m.id;
    return m.outbox_id !== null && m.outbox_id !== undefined ? "o:" + m.outbox_id : "m:" + m.id;
  }

  function timeElement(iso) {
    const el = document.createElement("time");
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return el;
    el.dateTime = date.toISOString();
    const sameDay = date.toDateString() === new Date().toDateString();
    el.textContent = (sameDay ? "" : dayFormat.format(date) + " ") + timeFormat.format(date);
    el.title = fullFormat.format(date);
    return el;
  }

  // WhatsApp-style *bold*, links and phone numbers, built from text nodes only.
  function renderRich(el, text) {
    for (const part of text.split(/(\*[^*\n]+\*)/g)) {
      if (!part) continue;
      if (/^\*[^*\n]+\*$/.test(part)) {
        const strong = document.createElement("strong");
        linkify(strong, part.slice(1, -1));
        el.appendChild(strong);
      } else {
        linkify(el, part);
      }
    }
  }

  const LINKABLE = /(https?:\/\/[^\s<>"'`]+|\bwww\.[^\s<>"'`]+)|(\+?\d[\d -]{5,18}\d)/g;

  function trimUrl(url) {
    let end = url.length;
    for (;;) {
      const last = url[end - 1];
      if (".,;:!?'\"".includes(last)) { end -= 1; continue; }
      if (last === ")" || last === "]") {
        const open = last === ")" ? "(" : "[";
        const body = url.slice(0, end);
        if (body.split(open).length < body.split(last).length) { end -= 1; continue; }
      }
      return url.slice(0, end);
    }
  }

  function isPhone(text, start, candidate) {
    const before = start > 0 ? text[start - 1] : "";
    const after = text[start + candidate.length] || "";
    if (/[\p{L}\p{N}_+/.-]/u.test(before) || /[\p{L}\p{N}_/]/u.test(after)) return false;
    const digits = candidate.replace(/\D/g, "").length;
    if (digits < 7 || digits > 15 || /[ -]{2}/.test(candidate)) return false;
    if (/^\d{4}-\d{1,2}(-\d{1,2})?$/.test(candidate)) return false; // a date
    if (/^(19|20)\d\d ?- ?(19|20)\d\d$/.test(candidate)) return false; // years
    return true;
  }

  function linkify(el, text) {
    let done = 0;
    LINKABLE.lastIndex = 0;
    for (let m = LINKABLE.exec(text); m; m = LINKABLE.exec(text)) {
      const start = m.index;
      let shown = m[0];
      const a = document.createElement("a");
      if (m[1]) {
        shown = trimUrl(m[1]);
        a.href = /^https?:\/\//i.test(shown) ? shown : "https://" + shown;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
      } else if (isPhone(text, start, shown)) {
        a.href = "tel:" + shown.replace(/[^\d+]/g, "");
      } else {
        continue;
      }
      a.textContent = shown;
      if (start > done) el.appendChild(document.createTextNode(text.slice(done, start)));
      el.appendChild(a);
      done = start + shown.length;
      LINKABLE.lastIndex = done;
    }
    if (done < text.length) el.appendChild(document.createTextNode(text.slice(done)));
  }

  function bubble(m) {
    const kind = m.from === "worker" ? "me" : m.from === "operator" ? "operator" : "bot";
    const div = document.createElement("div");
    div.className = "msg " + kind;
    div.dataset.text = m.text || "";
    if (kind !== "me") {
      const who = document.createElement("div");
      who.className = "who";
      who.textContent = kind === "operator" ? T.operator : T.bot;
      div.appendChild(who);
    }
    const body = document.createElement("div");
    body.className = "text";
    if (kind === "me") body.textContent = m.text || "";
    else renderRich(body, m.text || "");
    div.appendChild(body);
    if (kind !== "me" && Array.isArray(m.buttons) && m.buttons.length) addButtons(div, m.buttons);
    const meta = document.createElement("div");
    meta.className = "meta";
    if (kind === "me") {
      const state = document.createElement("span");
      state.className = "state";
      meta.appendChild(state);
    }
    meta.appendChild(timeElement(m.created_at));
    div.appendChild(meta);
    return div;
  }

  function addButtons(div, buttons) {
    const row = document.createElement("div");
    row.className = "buttons";
    for (const b of buttons) {
      if (!b || typeof b.title !== "string") continue;
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", () => {
        if (btn.disabled) return;
        btn.classList.add("chosen");
        enqueue(b.title, typeof b.payload === "string" ? b.payload : null);
      });
      row.appendChild(btn);
    }
    div.insertBefore(row, div.querySelector(".meta"));
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // Show a message once (by key); new ones go to the end.
  function place(key, m, { forceScroll = false } = {}) {
    let node = nodes.get(key);
    if (node) return node;
    const stick = forceScroll || nearBottom();
    node = bubble(m);
    node.dataset.key = key;
    nodes.set(key, node);
    log.appendChild(node);
    refreshButtons();
    if (stick) scrollToEnd();
    return node;
  }

  // The highest outbox id this page has shown: the poll asks for what came after it.
  let lastOutboxId = 0;
  function sawOutbox(id) {
    if (typeof id === "number" && id > lastOutboxId) lastOutboxId = id;
  }

  function showReply(r) {
    if (!r || r.id === undefined) return;
    sawOutbox(r.id);
    place("o:" + r.id, Object.assign({}, r, { outbox_id: r.id }));
  }

  // Buttons can be pressed only until the person answers (a button or typed text).
  function refreshButtons() {
    const bubbles = [...log.querySelectorAll(".msg")];
    let answer = null; // the first message of the person after the one being looked at
    for (let i = bubbles.length - 1; i >= 0; i -= 1) {
      const el = bubbles[i];
      if (el.classList.contains("me")) {
        answer = el;
        continue;
      }
      for (const btn of el.querySelectorAll(".buttons button")) {
        btn.disabled = answer !== null;
        if (answer && answer.dataset.text === btn.textContent) btn.classList.add("chosen");
      }
    }
  }

  function setState(node, state, reason) {
    if (!node || !node.classList.contains("me")) return;
    node.classList.remove("queued", "retrying", "rejected", "sent");
    node.classList.add(state);
    node.dataset.state = state;
    const label = node.querySelector(".state");
    label.textContent =
      state === "rejected" ? T.rejected + (reason || "") : T[state === "queued" ? "sending" : state];
    const actions = node.querySelector(".actions");
    if (actions) actions.remove();
    if (state === "rejected") {
      const row = document.createElement("div");
      row.className = "actions";
      const edit = document.createElement("button");
      edit.type = "button";
      edit.textContent = T.edit;
      edit.addEventListener("click", () => {
        const id = node.dataset.key.slice(2);
        const text = node.dataset.text;
        removeItem(id);
        nodes.delete(node.dataset.key);
        node.remove();
        input.value = input.value.trim() ? input.value + "\n" + text : text;
        inputChanged();
        refreshButtons();
        input.focus();
      });
      row.appendChild(edit);
      node.insertBefore(row, node.querySelector(".meta"));
    }
  }

  function showItem(item) {
    const node = place(
      "w:" + item.id,
      { from: "worker", text: item.text, message_id: item.id, created_at: item.at },
      { forceScroll: true },
    );
    if (item.state === "rejected") setState(node, "rejected", item.error);
    else setState(node, item.tries ? "retrying" : "queued");
    return node;
  }

  // --- the network -----------------------------------------------------------------------------
  async function request(method, url, body, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetch(url, {
        method,
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
        signal: controller.signal,
        cache: "no-store",
        credentials: "same-origin",
      });
      let data = null;
      try { data = await res.json(); } catch (_e) { data = null; }
      const retryAfter = Number(res.headers.get("Retry-After")) || 0;
      return { status: res.status, data, retryAfter };
    } catch (_e) {
      return { status: 0, data: null, retryAfter: 0 }; // offline, refused, timed out
    } finally {
      clearTimeout(timer);
    }
  }

  let offline = false;
  function setOffline(value) {
    if (offline === value) return;
    offline = value;
    net.hidden = !value;
    net.textContent = "";
    if (value) {
      net.appendChild(document.createTextNode(T.offline + " "));
      const retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = T.retryNow;
      retry.addEventListener("click", () => { wakeUp(); pollNow(); });
      net.appendChild(retry);
    }
  }

  let wake = null;
  let wakeEarly = false; // "retry now" while a request is on its way: don't wait after it fails
  function wakeUp() {
    if (wake) wake();
    else wakeEarly = true;
  }

  function nap(ms) {
    if (wakeEarly) {
      wakeEarly = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  function backoff(tries) {
    const base = Math.min(30000, 1000 * 2 ** Math.max(0, tries - 1));
    return base * (0.8 + Math.random() * 0.4);
  }

  function enqueue(text, payload) {
    const item = {
      id: "w-" + randomHex(),
      text,
      payload: payload || null,
      at: new Date().toISOString(),
      state: "queued",
      tries: 0,
    };
    changeQueue((q) => q.concat([item]));
    showItem(item);
    pump();
  }

  let pumping = false;
  // One message at a time, oldest first: the bot must read them in the order they were typed.
  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        const item = readQueue().find((i) => i.state === "queued");
        if (!item) {
          wakeEarly = false;
          break;
        }
        const body = { session_id: sessionId, text: item.text, message_id: item.id };
        if (item.payload) body.payload = item.payload;
        const res = await request("POST", API, body, 30000);
        const node = nodes.get("w:" + item.id);
        if (res.status === 200 || res.status === 202) {
          removeItem(item.id);
          setOffline(false);
          setState(node, "sent");
          const data = res.data || {};
          if (Array.isArray(data.replies)) data.replies.forEach(showReply);
          // A resend the server already had: its first answer may have been lost on the way.
          if (res.status === 200 && (data.duplicate || !res.data)) loadHistory();
          if (res.status === 202) pollNow(); // stored, not answered yet: the poll brings it
        } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          const reason = (res.data && res.data.error) || "HTTP " + res.status;
          updateItem(item.id, { state: "rejected", error: reason });
          setState(node, "rejected", reason);
        } else {
          const tries = (item.tries || 0) + 1;
          updateItem(item.id, { tries });
          setState(node, "retrying");
          setOffline(true);
          await nap(res.retryAfter ? Math.min(60, res.retryAfter) * 1000 : backoff(tries));
        }
      }
    } finally {
      pumping = false;
    }
  }

  let historyRound = 0;
  // Rebuild the order from the server's log; keep what it does not know yet at the end.
  async function loadHistory() {
    const round = ++historyRound;
    const res = await request("GET", HISTORY + sessionQuery, null, 20000);
    if (res.status !== 200 || !res.data || !Array.isArray(res.data.messages)) return null;
    if (round !== historyRound) return res.data.messages; // a newer one is on its way
    const queued = new Map(readQueue().map((i) => [i.id, i]));
    const stick = round === 1 || nearBottom(); // don't pull away someone reading further up
    const ordered = [];
    for (const m of res.data.messages) {
      sawOutbox(m.outbox_id);
      const key = keyOf(m);
      let node = nodes.get(key);
      if (!node) {
        node = bubble(m);
        node.dataset.key = key;
        nodes.set(key, node);
      } else if (m.buttons && m.buttons.length && !node.querySelector(".buttons")) {
        addButtons(node, m.buttons);
      }
      if (m.from === "worker" && !queued.has(m.message_id)) setState(node, "sent");
      ordered.push(node);
    }
    const known = new Set(ordered);
    const rest = [...log.querySelectorAll(".msg")].filter((n) => !known.has(n));
    for (const node of ordered.concat(rest)) log.appendChild(node);
    const welcome = nodes.get("welcome");
    if (welcome) log.prepend(welcome); // the greeting stays on top
    refreshButtons();
    if (stick) scrollToEnd();
    return res.data.messages;
  }

  let pollTimer = null;
  let pollFailed = false;
  async function poll() {
    clearTimeout(pollTimer);
    pollTimer = null;
    const after = lastOutboxId ? "&after=" + lastOutboxId : "";
    const res = await request("GET", API + sessionQuery + after, null, 20000);
    if (res.status === 200 && res.data) {
      for (const m of res.data.messages || []) showReply(m);
      if (pollFailed) {
        pollFailed = false;
        setOffline(false);
        wakeUp(); // the server is back: resend now rather than after the backoff
        loadHistory(); // an answer lost on the way in the meantime is in the log
      }
    } else {
      pollFailed = true;
      if (res.status === 0 || res.status >= 500) setOffline(true);
    }
    if (pollTimer === null) pollTimer = setTimeout(poll, document.hidden ? 10000 : 2000);
  }

  function pollNow() {
    if (pollTimer !== null) {
      clearTimeout(pollTimer);
      pollTimer = null;
      poll();
    }
  }

  // --- the composer --------------------------------------------------------------------------
  function length(text) {
    return [...text].length; // code points, as the server counts
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, window.innerHeight * 0.4) + "px";
  }

  function showTooLong(n) {
    const cut = n - MAX;
    tooLong.textContent =
      `Pesan terlalu panjang: ${n} karakter, maksimal ${MAX}. Hapus ${cut} karakter lalu kirim ` +
      `lagi; pesan Anda tetap di sini. / Too long: ${n} characters, the limit is ${MAX}. ` +
      `Cut ${cut} characters; your message stays here.`;
    tooLong.hidden = false;
    form.classList.add("over");
  }

  function inputChanged() {
    save(KEY_DRAFT, input.value);
    autosize();
    const n = length(input.value.trim());
    if (n > MAX) showTooLong(n);
    else if (!tooLong.hidden) {
      tooLong.hidden = true;
      form.classList.remove("over");
    }
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    const n = length(text);
    if (n > MAX) {
      showTooLong(n);
      input.focus();
      return;
    }
    enqueue(text, null);
    input.value = "";
    inputChanged();
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", inputChanged);
  window.addEventListener("online", () => { wakeUp(); pollNow(); });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) { wakeUp(); pollNow(); }
  });

  // --- quick exit ----------------------------------------------------------------------------
  // For someone whose phone may be read by others: the conversation leaves this phone (session,
  // unsent messages, draft) and the page goes elsewhere, replacing itself in the history so
  // "back" does not return. The report stays with the command centre (reference + PIN).
  const leave = document.getElementById("leave");
  if (leave) {
    leave.addEventListener("click", () => {
      if (readQueue().length && !confirm(T.leaveUnsent)) return;
      for (const key of [KEY_SESSION, KEY_QUEUE, KEY_DRAFT]) store.removeItem(key);
      queueInMemory = [];
      input.value = "";
      log.replaceChildren();
      location.replace(leave.dataset.leaveTo || "about:blank");
    });
  }

  // --- start -----------------------------------------------------------------------------------
  async function start() {
    input.value = store.getItem(KEY_DRAFT) || "";
    if (input.value) inputChanged();
    for (const item of readQueue()) showItem(item);
    pump();
    poll();
    let history = null;
    for (let tries = 1; history === null; tries += 1) {
      history = await loadHistory();
      if (history === null) await new Promise((r) => setTimeout(r, backoff(tries)));
    }
    await showWelcome();
  }

  // The greeting and menu on top of every visit. The server stores nothing for it: opening the
  // page is not yet a conversation. Its buttons work like any other until the person answers.
  async function showWelcome() {
    let res = null;
    for (let tries = 1; tries <= 5; tries += 1) {
      res = await request("GET", WELCOME + "?lang=" + LANG, null, 20000);
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, backoff(tries)));
    }
    const m = res && res.status === 200 && res.data && res.data.messages && res.data.messages[0];
    if (!m || nodes.has("welcome")) return;
    const node = bubble(Object.assign({ created_at: new Date().toISOString() }, m));
    node.dataset.key = "welcome";
    node.classList.add("welcome");
    nodes.set("welcome", node);
    log.prepend(node);
    refreshButtons();
    if (log.querySelectorAll(".msg").length === 1) scrollToEnd();
  }

  start();
})();
