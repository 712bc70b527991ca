/* Siaga console: one case — conversation, labels, intake, notes, and the operator's actions. */
"use strict";

(function () {
  const S = window.Siaga;
  const el = S.el;
  const reference = document.body.dataset.reference;
  const me = Number(S.meta("operator-id"));
  const role = S.meta("operator-role");
  const STATUSES = ["new", "in_progress", "waiting_for_worker", "referred", "resolved", "closed"];
  const URGENCIES = ["critical", "high", "normal", "low"];
  const CATEGORIES = [
    "complaint.unpaid_wages", "complaint.abuse", "complaint.sexual_abuse", "complaint.document_withheld",
    "complaint.working_conditions", "complaint.wants_repatriation", "complaint.illness_injury",
    "complaint.death", "complaint.lost_contact", "complaint.trafficking", "complaint.overcharging",
    "complaint.failed_departure", "complaint.legal_trouble", "complaint.social_security",
    "complaint.termination", "complaint.other", "handoff.human",
  ];
  let data = null;
  let canned = [];

  // Parts built once (so typing is never lost on a live refresh) and parts refreshed.
  const parts = {};

  function flash(message, kind) {
    parts.flash.textContent = message;
    parts.flash.className = `flash ${kind || "ok"}`;
    parts.flash.hidden = false;
    clearTimeout(parts.flashTimer);
    parts.flashTimer = setTimeout(() => { parts.flash.hidden = true; }, 6000);
  }

  async function act(method, path, body, okMessage) {
    try {
      const result = await S.api(method, `/api/console/cases/${reference}${path}`, body);
      if (okMessage) flash(okMessage);
      await load();
      return result;
    } catch (e) {
      flash(e.message, "error");
      throw e;
    }
  }

  function mediaUrl(url) {
    if (/^https?:\/\//.test(url) || url.startsWith("/")) return url;
    return `/api/console/media/${encodeURIComponent(url)}`;
  }

  function renderMedia(m) {
    const src = mediaUrl(m.url || "");
    const kind = m.kind || "";
    if (kind === "image" || kind === "sticker") return el("a", { href: src, target: "_blank" }, [el("img", { src, alt: m.caption || "photo from the worker", class: "media" })]);
    if (kind === "audio" || kind === "voice") return el("audio", { controls: true, src, preload: "none", class: "media" });
    if (kind === "video") return el("video", { controls: true, src, preload: "none", class: "media" });
    return el("a", { href: src, target: "_blank", class: "doc", text: `📄 ${m.caption || m.mime_type || "document"}` });
  }

  function renderMessage(m) {
    const who = m.direction === "in" ? "worker" : (m.origin === "operator" ? (m.operator || "operator") : m.origin);
    const bubble = el("div", { class: `msg ${m.direction} ${m.origin}`, "data-origin": m.origin }, [
      el("div", { class: "meta" }, [el("span", { class: "who", text: who }), el("time", { text: S.time(m.created_at) })]),
      m.text ? el("div", { class: "text", text: m.text }) : null,
      (m.media || []).length ? el("div", { class: "media-list" }, m.media.map(renderMedia)) : null,
      m.location ? el("div", { class: "loc", text: `📍 ${m.location.label || ""} ${m.location.latitude}, ${m.location.longitude}` }) : null,
      (m.buttons || []).length ? el("div", { class: "buttons" }, m.buttons.map((b) => el("span", { class: "btn-chip", text: b.title }))) : null,
    ]);
    if (m.nlu && m.direction === "in") {
      bubble.append(el("div", { class: "nlu" }, [
        el("span", { class: "chip", text: `${S.label(m.nlu.intent)}${m.nlu.confidence != null ? ` ${Math.round(m.nlu.confidence * 100)}%` : ""}` }),
        m.nlu.urgency ? S.pill(m.nlu.urgency) : null,
        m.nlu.language ? el("span", { class: "chip", text: m.nlu.language }) : null,
        ...(m.nlu.urgency_reasons || []).map((r) => el("span", { class: "chip reason", title: "why this urgency", text: r })),
      ]));
    }
    if (m.delivery) {
      const status = m.delivery.delivery_status || m.delivery.status;
      bubble.append(el("div", { class: `delivery ${status}`, title: m.delivery.error || "", text:
        `${m.delivery.template ? "template · " : ""}${status === "fetched" ? "delivered" : status}${m.delivery.error ? ` — ${m.delivery.error}` : ""}` }));
    }
    return bubble;
  }

  function row(label, value) {
    return el("tr", {}, [el("th", { text: label }), el("td", { text: value == null || value === "" ? "–" : String(value) })]);
  }

  function build() {
    const root = document.getElementById("case-root");
    parts.head = el("section", { class: "case-head" });
    parts.flash = el("div", { class: "flash", role: "status", hidden: true });
    parts.messages = el("div", { class: "messages", id: "messages", "aria-live": "polite" });
    parts.text = el("textarea", { id: "reply-text", rows: "3", placeholder: "Write to the worker…", "aria-label": "Reply" });
    parts.canned = el("select", { id: "canned", "aria-label": "Canned replies" }, [el("option", { value: "", text: "Canned replies…" })]);
    parts.canned.addEventListener("change", () => {
      const item = canned[Number(parts.canned.value)];
      if (item) parts.text.value = item.text;
      parts.canned.value = "";
      parts.text.focus();
    });
    parts.send = el("button", { id: "send", class: "primary", text: "Send", onclick: sendReply });
    parts.templateBtn = el("button", { id: "send-template", text: "Send approved template", onclick: sendTemplate });
    parts.window = el("p", { class: "window-note", hidden: true });
    parts.composerNote = el("p", { class: "muted composer-note" });
    parts.text.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) sendReply(); });
    parts.composer = el("div", { class: "composer", id: "composer" }, [
      parts.window, parts.composerNote, parts.text,
      el("div", { class: "composer-actions" }, [parts.canned, parts.templateBtn, parts.send]),
    ]);
    parts.side = el("aside", { class: "side" });
    parts.noteText = el("textarea", { id: "note-text", rows: "2", placeholder: "Internal note (never sent to the worker)", "aria-label": "Internal note" });
    parts.notes = el("div", { class: "notes" });
    parts.history = el("ol", { class: "history" });
    parts.correction = buildCorrection();
    parts.status = buildStatus();
    root.replaceChildren(
      parts.head, parts.flash,
      el("div", { class: "case-grid" }, [
        el("section", { class: "conversation panel" }, [el("h2", { text: "Conversation" }), parts.messages, parts.composer]),
        el("div", { class: "side-col" }, [
          parts.status,
          parts.side,
          parts.correction,
          el("section", { class: "panel" }, [el("h2", { text: "Internal notes" }), parts.notes, parts.noteText,
            el("button", { id: "add-note", text: "Add note", onclick: addNote })]),
          el("section", { class: "panel" }, [el("h2", { text: "History" }), parts.history]),
        ]),
      ]),
    );
  }

  function buildStatus() {
    parts.statusSelect = el("select", { id: "status-select", "aria-label": "Status" }, STATUSES.map((s) => el("option", { value: s, text: S.label(s) })));
    parts.resolution = el("textarea", { id: "resolution", rows: "2", placeholder: "Resolution (required to resolve or close)", "aria-label": "Resolution" });
    parts.workerUpdate = el("input", { id: "worker-update", placeholder: "Note for the worker (optional)", "aria-label": "Note for the worker" });
    return el("section", { class: "panel" }, [
      el("h2", { text: "Status" }), parts.statusSelect, parts.resolution, parts.workerUpdate,
      el("button", { id: "status-save", class: "primary", text: "Update status", onclick: saveStatus }),
    ]);
  }

  function buildCorrection() {
    parts.intentSelect = el("select", { id: "correct-intent", "aria-label": "Category" }, CATEGORIES.map((c) => el("option", { value: c, text: S.label(c) })));
    parts.urgencySelect = el("select", { id: "correct-urgency", "aria-label": "Urgency" }, URGENCIES.map((u) => el("option", { value: u, text: u })));
    parts.reason = el("input", { id: "correct-reason", placeholder: "Reason (required to lower urgency)", "aria-label": "Reason" });
    return el("section", { class: "panel" }, [
      el("h2", { text: "Correct the labels" }),
      el("div", { class: "row" }, [parts.intentSelect, parts.urgencySelect]), parts.reason,
      el("button", { id: "correct-save", text: "Save correction", onclick: saveCorrection }),
    ]);
  }

  function render() {
    const c = data.case;
    const mine = c.assigned_operator_id === me;
    const ownsConversation = data.conversation.owner_operator_id === me;
    const open = !["resolved", "closed"].includes(c.status);
    const actions = [];
    if (open && !mine) {
      const taken = c.assigned_operator_id && c.assigned_operator_id !== me;
      if (!taken) actions.push(el("button", { id: "take", class: "primary", text: "Take over", onclick: () => act("POST", "/take", {}, "You hold this case; the bot is silent.") }));
      else if (role !== "operator") actions.push(el("button", { id: "take", text: `Take from ${c.assigned_operator}`, onclick: () => act("POST", "/take", { force: true }, "Case taken over.") }));
    }
    if (mine && !data.conversation.bot_silent && open) {
      actions.push(el("button", { id: "take", text: "Silence the bot again", onclick: () => act("POST", "/take", {}, "The bot is silent.") }));
    }
    if (data.conversation.bot_silent && (ownsConversation || !data.conversation.owner_operator_id || role !== "operator")) {
      actions.push(el("button", { id: "handback", text: "Hand back to bot", onclick: () => act("POST", "/handback", {}, "The bot answers this worker again.") }));
    }
    if (mine) actions.push(el("button", { id: "release", class: "link", text: "Release to queue", onclick: () => act("POST", "/release", {}, "Back in the shared queue.") }));
    // Abuse (docs/abuse.md): the sender is slowed and its alerts go quiet; its messages still reach the queue.
    actions.push(el("button", { id: "abuse", class: "link", text: "Mark as abuse / block", onclick: () => {
      const reason = window.prompt("Why is this abuse? The sender is slowed down and the team gets no alarms from it; its messages, and any emergency, still reach the queue.");
      if (reason !== null) act("POST", "/abuse", { reason }, "Sender blocked as abuse.").catch(() => {});
    } }));
    parts.head.replaceChildren(
      el("div", { class: "title" }, [
        el("a", { href: "/console", class: "back", text: "← Queue" }),
        el("h1", { text: c.reference }), S.pill(c.urgency),
        el("span", { class: `status s-${c.status}`, id: "case-status", text: S.label(c.status) }),
        el("span", { class: "chip", text: S.label(c.intent) }),
        S.channel(c.channel),
      ]),
      el("div", { class: "holder" }, [
        el("span", { id: "holder", text: c.assigned_operator ? `Held by ${c.assigned_operator}` : "Unassigned" }),
        el("span", { class: data.conversation.bot_silent ? "bot off" : "bot on", id: "bot-state",
          text: data.conversation.bot_silent
            ? (data.conversation.owner_operator ? `Bot silent — ${data.conversation.owner_operator} is talking` : "Bot silent — the worker is waiting for an operator")
            : "Bot is answering" }),
        ...actions,
      ]),
    );
    const atBottom = parts.messages.scrollHeight - parts.messages.scrollTop - parts.messages.clientHeight < 80;
    parts.messages.replaceChildren(...data.messages.map(renderMessage));
    if (atBottom || !parts.scrolled) { parts.messages.scrollTop = parts.messages.scrollHeight; parts.scrolled = true; }

    const comp = data.composer;
    const canWrite = mine && open;
    parts.text.disabled = !canWrite || !comp.window_open;
    parts.send.disabled = !canWrite || !comp.window_open;
    parts.canned.disabled = !canWrite || !comp.window_open;
    parts.templateBtn.hidden = comp.window_open;
    parts.templateBtn.disabled = !canWrite || !comp.template;
    parts.window.hidden = comp.window_open;
    parts.window.textContent = comp.template
      ? "The worker's last message is more than 24 hours old: WhatsApp only allows the approved template, which asks them to write back."
      : "The worker's last message is more than 24 hours old and no approved template is configured (SIAGA_TWILIO_TEMPLATE_SID / SIAGA_WHATSAPP_TEMPLATE_NAME).";
    parts.composerNote.classList.toggle("error", Boolean(data.contact.blocked));
    parts.composerNote.textContent = data.contact.blocked
      ? "The worker has blocked the bot on this channel: messages cannot be delivered until they write again."
      : !open ? "This case is closed; reopen it to write." : (mine ? `Replies go out on ${S.channel(c.channel).textContent} in the worker's own chat.` : "Take the case over to reply.");

    const f = c.fields || {};
    const reporterSelf = c.reporter === "self";
    const skip = new Set(["worker_name", "country", "p3mi"]);
    parts.side.replaceChildren(
      el("section", { class: "panel" }, [
        el("h2", { text: reporterSelf ? "Reporter: the worker" : `Reporter: ${c.reporter} of the worker` }),
        el("table", { class: "kv" }, [
          row("Reporter", `${data.contact.display_name || "–"} (${c.reporter})`),
          row("Phone / id", data.contact.phone),
          row("Channel", S.channel(data.contact.channel).textContent),
          row("Language", data.contact.language),
          row("Last message", S.time(data.contact.last_inbound_at)),
        ]),
        el("h3", { text: "Affected worker" }),
        el("table", { class: "kv" }, [
          row("Name", c.affected_name || (reporterSelf ? data.contact.display_name : "")),
          row("Country", c.country),
          row("Recruitment company (P3MI)", c.recruitment_company),
          ...Object.entries(f).filter(([k]) => !skip.has(k)).map(([k, v]) => row(S.label(k), typeof v === "object" ? JSON.stringify(v) : v)),
        ]),
        el("h3", { text: "Why this urgency" }),
        el("div", { class: "chips" }, (c.urgency_reasons || []).length ? c.urgency_reasons.map((r) => el("span", { class: "chip reason", text: r })) : [el("span", { class: "muted", text: "no specific signal" })]),
        el("table", { class: "kv" }, [
          row("Opened", S.time(c.created_at)),
          row("First response", S.time(c.first_response_at)),
          row("Resolved", S.time(c.resolved_at)),
          row("Resolution", c.resolution),
        ]),
      ]),
    );
    // Follow the case's values only when they change, so a live refresh never overwrites what
    // the operator is choosing.
    for (const [select, value] of [[parts.statusSelect, c.status], [parts.intentSelect, c.intent], [parts.urgencySelect, c.urgency]]) {
      if (select.dataset.shown !== value) { select.value = value; select.dataset.shown = value; }
    }
    parts.notes.replaceChildren(...(data.notes.length ? data.notes.map((n) => el("div", { class: "note" }, [
      el("div", { class: "meta" }, [el("span", { class: "who", text: n.operator || "" }), el("time", { text: S.time(n.created_at) })]),
      el("div", { class: "text", text: n.text }),
    ])) : [el("p", { class: "muted", text: "No notes yet." })]));
    parts.history.replaceChildren(...data.history.slice().reverse().map((h) => el("li", {}, [
      el("time", { text: S.time(h.created_at) }), " ",
      el("strong", { text: S.label(h.action) }), h.operator ? ` by ${h.operator}` : "",
      Object.keys(h.detail || {}).length ? el("code", { text: JSON.stringify(h.detail) }) : null,
    ])));
  }

  async function sendReply() {
    const text = parts.text.value.trim();
    if (!text) return;
    parts.send.disabled = true;
    try {
      await act("POST", "/reply", { text });
      parts.text.value = "";
    } catch (e) { /* shown in the flash */ } finally { parts.send.disabled = false; }
  }

  async function sendTemplate() {
    await act("POST", "/reply", { template: true, text: parts.text.value.trim() }, "Template sent.").catch(() => {});
  }

  async function saveStatus() {
    const result = await act("POST", "/status", {
      status: parts.statusSelect.value,
      resolution: parts.resolution.value.trim(),
      worker_update: parts.workerUpdate.value.trim(),
    }).catch(() => null);
    if (!result) return;
    // A worker who said the chat is not safe is not written to unasked (flows.status).
    flash(result.worker_not_notified
      ? `Status updated. The worker was NOT messaged: ${result.worker_not_notified}; she sees it when she asks "cek status".`
      : "Status updated; the worker was told.");
    parts.resolution.value = "";
    parts.workerUpdate.value = "";
  }

  async function saveCorrection() {
    await act("POST", "/corrections", {
      intent: parts.intentSelect.value, urgency: parts.urgencySelect.value, reason: parts.reason.value.trim(),
    }, "Correction saved (audited).").then(() => { parts.reason.value = ""; }).catch(() => {});
  }

  async function addNote() {
    const text = parts.noteText.value.trim();
    if (!text) return;
    await act("POST", "/notes", { text }, "Note added.").then(() => { parts.noteText.value = ""; }).catch(() => {});
  }

  async function load() {
    data = await S.api("GET", `/api/console/cases/${reference}`);
    render();
  }

  document.addEventListener("DOMContentLoaded", async () => {
    build();
    try {
      await load();
    } catch (e) {
      document.getElementById("case-root").replaceChildren(el("p", { class: "error", text: e.message }));
      return;
    }
    try {
      const lang = data.contact.language === "en" ? "en" : "id";
      canned = (await S.api("GET", `/api/console/canned?lang=${lang}`)).replies;
      canned.forEach((item, i) => parts.canned.append(el("option", { value: String(i), text: `${item.source === "knowledge" ? "📘 " : ""}${item.title}` })));
    } catch (e) { /* canned replies are a convenience */ }
    const refresh = S.debounce(() => load().catch(() => {}), 150);
    S.onLive((event) => {
      if (event.type === "hello" || event.reference === reference
          || (event.conversation_id && data && event.conversation_id === data.conversation.id)) refresh();
      if (event.type === "case_new" && event.urgency === "critical" && event.reference !== reference) {
        S.alarm();
        flash(`New critical case ${event.reference} in the queue`, "error");
      }
    });
  });
})();
