/* The VWS sandbox page: pick who you are, then use the bot as that person.
 *
 * State comes from /api/state; /api/changes is long-polled so new messages appear without a
 * reload. Every piece of text from the workspace is put on the page with textContent.
 * What is typed into an open modal is kept in this tab's sessionStorage (per person and view),
 * so it survives a reload; it is dropped when the modal is submitted, cancelled or closed.
 */
"use strict";

(function () {
  const { h, mrkdwn, plainText, blocks, readValue, isEmpty } = window.BlockKit;
  const $ = (sel) => document.querySelector(sel);
  const phone = window.matchMedia("(max-width: 700px)");  // the layout with the menu (style.css)

  const ui = {
    me: null,            // persona id
    state: null,         // last /api/state answer
    conv: null,          // open conversation id
    tab: "messages",     // for the app DM: "home" or "messages"
    thread: null,        // {channel, ts} of the open thread
    seen: {},            // persona -> conversation -> latest ts read
    modalKey: null,      // id+hash of the modal on screen, so typing is not lost on refresh
    shown: {},           // last rendered signature per pane
  };

  // ------------------------------------------------------------------ talking to the sandbox

  async function api(path, body) {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (e) { answer = { ok: false, error: `HTTP ${response.status}` }; }
    if (!response.ok && answer.ok === undefined) answer.ok = false;
    if (answer.error) toast(answer.error);
    else if (answer.problems && answer.problems.length) toast("The bot had a problem: " + answer.problems.join("; "));
    return answer;
  }

  async function refresh() {
    const query = ui.me ? `?user=${encodeURIComponent(ui.me)}` : "";
    const response = await fetch(`/api/state${query}`);
    if (!response.ok) {
      if (ui.me && response.status === 400) { ui.me = null; ui.conv = null; setHash(); return refresh(); }
      return;
    }
    ui.state = await response.json();
    render();
  }

  async function follow() {
    for (;;) {
      try {
        const since = ui.state ? ui.state.revision : -1;
        const response = await fetch(`/api/changes?since=${since}`);
        const answer = await response.json();
        if (!ui.state || answer.revision !== ui.state.revision) await refresh();
      } catch (e) {
        $("#connection").hidden = false;
        await new Promise((r) => setTimeout(r, 1500));
        try { await refresh(); $("#connection").hidden = true; } catch (e2) { /* still down */ }
      }
    }
  }

  function toast(message) {
    const box = $("#toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, Math.min(15000, 6000 + 40 * message.length));
  }

  // ------------------------------------------------------------------ the phone's menu and clock

  function setMenu(open) {
    document.body.classList.toggle("menu-open", open);
    $("#menu-button").setAttribute("aria-expanded", open ? "true" : "false");
    $("#drawer-backdrop").hidden = !open;
    if (open) setClockMoves(false);
  }

  function setClockMoves(open) {
    $(".clock").classList.toggle("open", open);
    $("#clock-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    if (open) setMenu(false);
  }

  // ------------------------------------------------------------------ helpers

  const TZ = "Europe/London";
  const fmt = (opts) => new Intl.DateTimeFormat("en-GB", { timeZone: TZ, ...opts });
  const timeOf = (ts) => fmt({ hour: "2-digit", minute: "2-digit" }).format(new Date(Number(ts) * 1000));
  const dayOf = (ts) => fmt({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(new Date(Number(ts) * 1000));

  function ctx(extra) {
    const s = ui.state;
    return {
      people: s.people, channels: s.channels, me: ui.me, botUser: s.bot_user,
      confirm: confirmDialog, ...extra,
    };
  }

  function nameOf(user) {
    if (!ui.state) return user;
    return ui.state.people[user] || user;
  }

  function initials(name) {
    return name.split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();
  }

  const COLOURS = ["#1264a3", "#2bac76", "#e8912d", "#cd2553", "#6c3a9b", "#0b7a75", "#9b5c00", "#5a6b7b"];
  function colourOf(id) {
    let n = 0;
    for (const c of id) n = (n * 31 + c.charCodeAt(0)) >>> 0;
    return COLOURS[n % COLOURS.length];
  }

  function avatar(user, isBot) {
    if (isBot) return h("div", { class: "avatar avatar-bot", "aria-hidden": "true" }, "V");
    const name = nameOf(user);
    return h("div", { class: "avatar", style: `background:${colourOf(user)}`, "aria-hidden": "true" }, initials(name));
  }

  const UNION_CLASS = { NASUWT: "u-nasuwt", GMB: "u-gmb", UNISON: "u-unison", Unite: "u-unite" };

  function conversation(id) {
    return ui.state && (ui.state.conversations || []).find((c) => c.id === id);
  }

  function latestTs(conv) {
    let latest = 0;
    for (const m of conv.messages) {
      latest = Math.max(latest, Number(m.ts));
      for (const r of m.replies || []) latest = Math.max(latest, Number(r.ts));
    }
    return latest;
  }

  function unread(conv) {
    const seen = (ui.seen[ui.me] || {})[conv.id] || 0;
    let count = 0;
    for (const m of conv.messages) if (Number(m.ts) > seen && m.user !== ui.me) count++;
    return count;
  }

  function markSeen(conv) {
    if (!conv) return;
    ui.seen[ui.me] = ui.seen[ui.me] || {};
    ui.seen[ui.me][conv.id] = latestTs(conv);
  }

  function setHash() {
    const parts = [ui.me || ""];
    if (ui.conv) parts.push(ui.conv);
    if (ui.conv && ui.tab === "home") parts.push("home");
    history.replaceState(null, "", "#" + parts.join("/"));
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    const s = ui.state;
    if (!s) return;
    renderClock();
    renderPersonas();
    const banner = $("#bot-banner");
    banner.hidden = s.bot.running;
    banner.textContent = s.bot.problem || "The bot is not running.";
    const app = $("#workspace");
    if (!ui.me || !s.me) {
      app.hidden = true;
      $("#sidebar").hidden = true;
      $("#welcome").hidden = false;
      return;
    }
    app.hidden = false;
    $("#sidebar").hidden = false;
    $("#welcome").hidden = true;
    if (!conversation(ui.conv)) {
      const dm = s.conversations.find((c) => c.kind === "im");
      ui.conv = dm ? dm.id : (s.conversations[0] || {}).id || null;
    }
    renderSidebar();
    renderMain();
    renderThread();
    renderModal();
  }

  function renderClock() {
    const c = ui.state.clock;
    $("#clock-label").textContent = c.label;
    $("#clock-label").title = c.moved ? "The sandbox clock has been moved forward" : "The sandbox clock runs with real time";
    $("#clock-to").min = c.date;
    const parts = Object.fromEntries(fmt({ weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(c.iso)).map((p) => [p.type, p.value]));
    $("#clock-short").textContent = `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
    $("#clock-toggle").setAttribute("aria-label", `Sandbox clock: ${c.label}. Move time`);
    const note = $("#clock-note");
    note.textContent = ui.state.clock_note || "";
    note.hidden = !ui.state.clock_note;
  }

  function renderPersonas() {
    const list = $("#personas");
    const sig = JSON.stringify([ui.state.personas, ui.me]);
    if (ui.shown.personas === sig) return;
    ui.shown.personas = sig;
    list.replaceChildren(...ui.state.personas.map((p) => h("li", {},
      h("button", {
        type: "button", class: "persona" + (p.id === ui.me ? " active" : ""), dataset: { persona: p.id },
        "aria-pressed": p.id === ui.me ? "true" : "false",
        onclick: () => choose(p.id),
      },
      h("div", { class: "avatar", style: `background:${colourOf(p.id)}` }, initials(p.name)),
      h("div", { class: "persona-text" },
        h("div", { class: "persona-name" }, p.name, h("span", { class: "union " + (UNION_CLASS[p.union] || "") }, p.union)),
        h("div", { class: "persona-role" }, p.role),
        p.association ? h("div", { class: "persona-area" }, p.association) : null)))));
  }

  function choose(id) {
    setMenu(false);
    if (ui.me === id) return;
    ui.me = id;
    ui.conv = null;
    ui.tab = "messages";
    ui.thread = null;
    ui.modalKey = null;
    ui.shown = {};
    setHash();
    refresh();
  }

  function renderSidebar() {
    const s = ui.state;
    const me = s.me;
    $("#me-name").textContent = me.name;
    $("#me-role").textContent = `${me.role} · ${me.union}`;
    const channels = s.conversations.filter((c) => c.kind !== "im");
    const dm = s.conversations.find((c) => c.kind === "im");
    const item = (conv, label, icon) => {
      const count = conv.id === ui.conv ? 0 : unread(conv);
      return h("li", {}, h("button", {
        type: "button", class: "conv" + (conv.id === ui.conv ? " active" : "") + (count ? " unread" : ""),
        dataset: { conv: conv.id, convName: label },
        onclick: () => openConversation(conv.id, conv.kind === "im" ? "messages" : undefined),
      }, h("span", { class: "conv-icon", "aria-hidden": "true" }, icon), h("span", { class: "conv-name" }, label),
      count ? h("span", { class: "badge" }, String(count)) : null));
    };
    $("#channels").replaceChildren(...(channels.length ? channels.map((c) => item(c, c.name, c.is_private ? "🔒" : "#"))
      : [h("li", { class: "empty" }, "No channels yet")]));
    $("#apps").replaceChildren(...(dm ? [item(dm, s.bot_name, "◆")] : []));
    const waiting = s.conversations.reduce((n, c) => n + (c.id === ui.conv ? 0 : unread(c)), 0);
    const badge = $("#menu-badge");
    badge.textContent = String(waiting);
    badge.hidden = !waiting;
    $("#menu-button").setAttribute("aria-label", waiting ? `People and conversations (${waiting} unread)` : "People and conversations");
  }

  function openConversation(id, tab) {
    setMenu(false);
    ui.conv = id;
    if (tab) ui.tab = tab;
    const conv = conversation(id);
    if (conv && conv.kind !== "im") ui.tab = "messages";
    if (ui.thread && ui.thread.channel !== id) ui.thread = null;
    ui.shown.main = null;
    setHash();
    render();
    if (conv && conv.kind === "im" && ui.tab === "home") api("/api/home", { user: ui.me });
  }

  function renderMain() {
    const s = ui.state;
    const conv = conversation(ui.conv);
    const header = $("#conv-header");
    const tabs = $("#tabs");
    const composer = $("#composer-form");
    if (!conv) {
      header.replaceChildren(h("span", {}, "Nothing here yet"));
      tabs.hidden = true;
      $("#messages").replaceChildren();
      return;
    }
    const isApp = conv.kind === "im";
    header.replaceChildren(
      h("span", { class: "conv-title" }, isApp ? s.bot_name : (conv.is_private ? "🔒 " : "# ") + conv.name),
      isApp ? h("span", { class: "app-badge" }, "APP") : h("span", { class: "conv-members" }, `${conv.members.length} members`));
    tabs.hidden = !isApp;
    for (const b of tabs.querySelectorAll("button")) b.classList.toggle("active", b.dataset.tab === ui.tab);
    const home = isApp && ui.tab === "home";
    composer.hidden = home;
    const hint = phone.matches ? "" : ", or type /vws …";  // one line on a phone
    $("#composer").placeholder = isApp ? `Message ${s.bot_name}, or type /vws …` : `Message #${conv.name}${hint}`;

    const pane = $("#messages");
    const sig = JSON.stringify([ui.conv, ui.tab, home ? s.home : conv.messages, conv.ephemerals, s.people]);
    if (ui.shown.main === sig) return;
    const nearBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80 || ui.shown.mainConv !== ui.conv + ui.tab;
    ui.shown.main = sig;
    ui.shown.mainConv = ui.conv + ui.tab;
    pane.classList.toggle("home", home);
    if (home) {
      pane.replaceChildren(s.home
        ? h("div", { class: "home-view", dataset: { viewId: s.home.id } },
          blocks(s.home.blocks, ctx({ surface: "home", onAction: (a) => act({ ...a, view_id: s.home.id }) })))
        : h("div", { class: "home-empty" }, "Opening the Home tab…"));
      return;
    }
    markSeen(conv);
    const items = [...conv.messages.map((m) => ({ m, ephemeral: false })), ...conv.ephemerals.filter((e) => !e.thread_ts).map((m) => ({ m, ephemeral: true }))];
    items.sort((a, b) => Number(a.m.ts) - Number(b.m.ts));
    const nodes = [];
    let lastDay = null;
    let lastUser = null;
    let lastTs = 0;
    if (!items.length) nodes.push(h("div", { class: "empty-conv" }, isApp
      ? `This is your direct message with ${s.bot_name}. Type /vws to begin, or open the Home tab.`
      : "No messages yet."));
    for (const { m, ephemeral } of items) {
      const day = dayOf(m.ts);
      if (day !== lastDay) { nodes.push(h("div", { class: "day" }, h("span", {}, day))); lastDay = day; lastUser = null; }
      const compact = !ephemeral && m.user === lastUser && Number(m.ts) - lastTs < 300 && !m.blocks;
      nodes.push(message(m, conv, { ephemeral, compact, inThread: false }));
      lastUser = ephemeral ? null : m.user;
      lastTs = Number(m.ts);
    }
    pane.replaceChildren(...nodes);
    if (nearBottom) pane.scrollTop = pane.scrollHeight;
  }

  function message(m, conv, opts) {
    const isBot = Boolean(m.bot_id) || m.user === ui.state.bot_user || Boolean(opts.ephemeral);
    const who = isBot ? ui.state.bot_name : nameOf(m.user);
    const onAction = (a) => act({ ...a, channel: conv.id, ts: m.ts, ephemeral: opts.ephemeral });
    const body = m.blocks && m.blocks.length
      ? blocks(m.blocks, ctx({ surface: "message", onAction }))
      : h("div", { class: "msg-text" }, mrkdwn(m.text || "", ctx()));
    const meta = h("div", { class: "msg-meta" },
      h("span", { class: "msg-author" }, who),
      isBot ? h("span", { class: "app-badge" }, "APP") : null,
      h("span", { class: "msg-time", title: dayOf(m.ts) }, timeOf(m.ts)),
      m.edited ? h("span", { class: "msg-edited" }, "(edited)") : null);
    const children = [];
    if (opts.ephemeral) children.push(h("div", { class: "ephemeral-note" }, "👁 Only visible to you"));
    children.push(body);
    if (!opts.inThread && m.replies && m.replies.length) {
      const last = m.replies[m.replies.length - 1];
      const people = [...new Set(m.replies.map((r) => r.user))].slice(0, 4);
      children.push(h("button", {
        type: "button", class: "thread-link", dataset: { threadTs: m.ts },
        onclick: () => openThread(conv.id, m.ts),
      }, ...people.map((u) => h("span", { class: "mini-avatar" }, avatar(u, u === ui.state.bot_user))),
      h("span", { class: "thread-count" }, `${m.replies.length} ${m.replies.length === 1 ? "reply" : "replies"}`),
      h("span", { class: "thread-last" }, `Last reply ${timeOf(last.ts)}`)));
    }
    const actions = !opts.inThread && !opts.ephemeral && conv.kind !== "im"
      ? h("div", { class: "msg-hover" }, h("button", { type: "button", class: "reply-btn", title: "Reply in thread", onclick: () => openThread(conv.id, m.ts) }, "💬 Reply"))
      : null;
    return h("div", {
      class: "msg" + (opts.compact ? " compact" : "") + (opts.ephemeral ? " ephemeral" : "") + (isBot ? " from-bot" : ""),
      dataset: { ts: m.ts, user: m.user || "" },
    }, opts.compact ? h("div", { class: "gutter" }, h("span", { class: "msg-time" }, timeOf(m.ts))) : avatar(m.user, isBot),
    h("div", { class: "msg-main" }, opts.compact ? null : meta, ...children), actions);
  }

  function openThread(channel, ts) {
    ui.thread = { channel, ts };
    ui.shown.thread = null;
    render();
    const input = $("#thread-composer");
    if (input && !phone.matches) input.focus();  // on a phone the keyboard would cover the thread
  }

  function renderThread() {
    const pane = $("#thread");
    const conv = ui.thread && conversation(ui.thread.channel);
    const root = conv && conv.messages.find((m) => m.ts === ui.thread.ts);
    if (!root) {
      pane.hidden = true; ui.thread = null; ui.shown.thread = null;
      $("#thread-messages").replaceChildren();
      return;
    }
    pane.hidden = false;
    $("#thread-title").textContent = conv.kind === "im" ? ui.state.bot_name : `#${conv.name}`;
    const extra = conv.ephemerals.filter((e) => e.thread_ts === root.ts);
    const sig = JSON.stringify([root, extra, ui.state.people]);
    if (ui.shown.thread === sig) return;
    ui.shown.thread = sig;
    const list = $("#thread-messages");
    const replies = [...(root.replies || []).map((m) => ({ m, ephemeral: false })), ...extra.map((m) => ({ m, ephemeral: true }))];
    replies.sort((a, b) => Number(a.m.ts) - Number(b.m.ts));
    list.replaceChildren(
      message(root, conv, { inThread: true }),
      h("div", { class: "thread-divider" }, h("span", {}, `${(root.replies || []).length} ${(root.replies || []).length === 1 ? "reply" : "replies"}`)),
      ...replies.map(({ m, ephemeral }) => message(m, conv, { inThread: true, ephemeral })));
    list.scrollTop = list.scrollHeight;
  }

  // ------------------------------------------------------------------ drafts of open modals

  const DRAFT = "vws-draft:";
  const draftKey = (view) => `${DRAFT}${ui.me}:${view.id}`;

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }  // storage may be turned off
  }

  function controlOf(form, blockId) {
    const box = form.querySelector(`.bk-input-block[data-block-id="${CSS.escape(blockId)}"]`);
    return box && box.querySelector("[data-element-type]");
  }

  /** What the person has put in each input: text, the options picked, or the boxes ticked. */
  function saveDraft(view, form) {
    const draft = {};
    for (const b of view.blocks || []) {
      if (b.type !== "input" || !b.block_id || !b.element) continue;
      const control = controlOf(form, b.block_id);
      if (!control) continue;
      let value;
      if (control.tagName === "SELECT") value = [...control.selectedOptions].map((o) => o.value).filter(Boolean);
      else if (control.classList.contains("bk-choices")) value = [...control.querySelectorAll("input:checked")].map((i) => i.value);
      else if ("value" in control) value = control.value;
      else continue;
      draft[b.block_id] = { action_id: b.element.action_id || "", value };
    }
    const store = storage();
    try { if (store) store.setItem(draftKey(view), JSON.stringify(draft)); } catch (e) { /* full: not kept */ }
  }

  function restoreDraft(view, form) {
    const store = storage();
    let draft = null;
    try { draft = JSON.parse((store && store.getItem(draftKey(view))) || "null"); } catch (e) { draft = null; }
    if (!draft || typeof draft !== "object") return;
    for (const b of view.blocks || []) {
      const saved = b.type === "input" && b.block_id && b.element && draft[b.block_id];
      if (!saved || saved.action_id !== (b.element.action_id || "")) continue;  // a different field now
      const control = controlOf(form, b.block_id);
      if (!control) continue;
      const picked = Array.isArray(saved.value) ? saved.value.map(String) : [];
      if (control.tagName === "SELECT") {
        for (const o of control.options) o.selected = picked.includes(o.value);
      } else if (control.classList.contains("bk-choices")) {
        for (const i of control.querySelectorAll("input")) i.checked = picked.includes(i.value);
      } else if ("value" in control && typeof saved.value === "string") {
        control.value = saved.value;
      }
    }
  }

  function dropDraft(view) {
    const store = storage();
    try { if (store) store.removeItem(draftKey(view)); } catch (e) { /* nothing kept */ }
  }

  /** With no modal open, nothing this person typed is waiting to be restored. */
  function dropDrafts() {
    const store = storage();
    if (!store || !ui.me) return;
    const mine = `${DRAFT}${ui.me}:`;
    try {
      for (const key of Object.keys(store)) if (key.startsWith(mine)) store.removeItem(key);
    } catch (e) { /* nothing kept */ }
  }

  // ------------------------------------------------------------------ the modal

  function renderModal() {
    const view = ui.state.modal;
    const back = $("#modal-backdrop");
    if (!view) { back.hidden = true; back.replaceChildren(); ui.modalKey = null; dropDrafts(); return; }
    const key = `${view.id}:${view.hash}`;
    if (ui.modalKey === key) return;
    ui.modalKey = key;
    back.hidden = false;
    const form = h("form", { class: "modal-body", novalidate: true });
    form.append(blocks(view.blocks, ctx({ surface: "modal", onAction: (a) => act({ ...a, view_id: view.id }) })));
    const submit = view.submit ? h("button", { type: "submit", class: "bk-btn bk-primary", id: "modal-submit" }, plainText(view.submit)) : null;
    const close = h("button", { type: "button", class: "bk-btn", id: "modal-close", onclick: () => closeModal(view) }, plainText(view.close) || (view.submit ? "Cancel" : "Close"));
    form.addEventListener("submit", (e) => { e.preventDefault(); submitModal(view, form, submit); });
    restoreDraft(view, form);
    form.addEventListener("input", () => saveDraft(view, form));
    form.addEventListener("change", () => saveDraft(view, form));
    const modal = h("div", { class: "modal", role: "dialog", "aria-modal": "true", tabindex: "-1", "aria-label": plainText(view.title), dataset: { viewId: view.id, callbackId: view.callback_id || "" } },
      h("div", { class: "modal-head" },
        h("span", { class: "modal-app avatar avatar-bot" }, "V"),
        h("h2", { class: "modal-title" }, plainText(view.title)),
        h("button", { type: "button", class: "modal-x", "aria-label": "Close", onclick: () => closeModal(view) }, "✕")),
      form,
      h("div", { class: "modal-foot" }, close, submit));
    if (submit) submit.setAttribute("form", "");
    submit && submit.addEventListener("click", (e) => { e.preventDefault(); submitModal(view, form, submit); });
    back.replaceChildren(modal);
    const first = form.querySelector("input, textarea, select");
    if (phone.matches) modal.focus();  // not the first field: the phone's keyboard would cover the form
    else if (first) first.focus();
  }

  function collect(view, form) {
    const values = {};
    const missing = [];
    for (const b of view.blocks || []) {
      if (b.type !== "input" || !b.block_id || !b.element) continue;
      const box = form.querySelector(`.bk-input-block[data-block-id="${CSS.escape(b.block_id)}"]`);
      const control = box && box.querySelector("[data-element-type]");
      if (!control) continue;
      const value = readValue(control, b.element);
      if (value === undefined) continue;
      values[b.block_id] = { [b.element.action_id]: value };
      if (!b.optional && isEmpty(value)) missing.push(b.block_id);
    }
    return { values, missing };
  }

  function showErrors(form, errors) {
    for (const box of form.querySelectorAll(".bk-input-block")) {
      const message = errors[box.dataset.blockId];
      const slot = box.querySelector(".bk-error");
      slot.textContent = message || "";
      slot.hidden = !message;
      box.classList.toggle("has-error", Boolean(message));
    }
    const first = form.querySelector(".has-error");
    if (first) first.scrollIntoView({ block: "nearest" });
  }

  async function submitModal(view, form, button) {
    const { values, missing } = collect(view, form);
    if (missing.length) {
      showErrors(form, Object.fromEntries(missing.map((id) => [id, "Please complete this required field."])));
      return;
    }
    showErrors(form, {});
    button.classList.add("busy");
    button.disabled = true;
    try {
      const answer = await api("/api/submit", { user: ui.me, view_id: view.id, values });
      if (answer.errors) showErrors(form, answer.errors);
      else if (answer.ok) dropDraft(view);
    } finally {
      button.classList.remove("busy");
      button.disabled = false;
    }
    await refresh();
  }

  async function closeModal(view) {
    dropDraft(view);
    await api("/api/close", { user: ui.me, view_id: view.id });
    await refresh();
  }

  function confirmDialog(confirm) {
    return new Promise((resolve) => {
      const layer = h("div", { class: "confirm-backdrop" });
      const done = (answer) => { layer.remove(); resolve(answer); };
      layer.append(h("div", { class: "modal confirm", role: "alertdialog" },
        h("div", { class: "modal-head" }, h("h2", { class: "modal-title" }, plainText(confirm.title) || "Are you sure?")),
        h("div", { class: "modal-body" }, mrkdwn(confirm.text ? confirm.text.text : "", ctx())),
        h("div", { class: "modal-foot" },
          h("button", { type: "button", class: "bk-btn", onclick: () => done(false) }, plainText(confirm.deny) || "Cancel"),
          h("button", { type: "button", class: "bk-btn " + (confirm.style === "danger" ? "bk-danger" : "bk-primary"), onclick: () => done(true) }, plainText(confirm.confirm) || "Yes"))));
      document.body.append(layer);
    });
  }

  // ------------------------------------------------------------------ doing things

  async function act(a) {
    const body = { user: ui.me, action_id: a.action_id, block_id: a.block_id };
    if (a.value !== undefined) body.value = a.value;
    if (a.selected_option) body.selected_option = a.selected_option;
    if (a.view_id) body.view_id = a.view_id;
    else { body.channel = a.channel; body.ts = a.ts; body.ephemeral = Boolean(a.ephemeral); }
    await api("/api/action", body);
    await refresh();
  }

  async function send(text, thread) {
    const conv = conversation(ui.conv);
    if (!conv || !text.trim()) return false;
    let answer;
    if (!thread && text.trim().startsWith("/")) {
      answer = await api("/api/command", { user: ui.me, text: text.trim(), channel: conv.id });
    } else {
      answer = await api("/api/message", { user: ui.me, channel: thread ? thread.channel : conv.id, text, thread_ts: thread ? thread.ts : undefined });
    }
    await refresh();
    return answer.ok !== false || Boolean(answer.problems);
  }

  function wireComposer(form, input, thread) {
    const go = async () => {
      const text = input.value;
      if (!text.trim()) return;
      input.disabled = true;
      try {
        if (await send(text, thread ? ui.thread : null)) input.value = "";
      } finally {
        input.disabled = false;
        input.focus();
      }
    };
    form.addEventListener("submit", (e) => { e.preventDefault(); go(); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); go(); }
    });
  }

  async function moveClock(body) {
    setClockMoves(false);
    const answer = await api("/api/clock", body);
    if (answer.ok) toast(answer.message || `The sandbox clock is now ${answer.clock.label}.`);
    await refresh();
  }

  function start() {
    wireComposer($("#composer-form"), $("#composer"), false);
    wireComposer($("#thread-form"), $("#thread-composer"), true);
    $("#thread-close").addEventListener("click", () => { ui.thread = null; render(); });
    $("#menu-button").addEventListener("click", () => setMenu(!document.body.classList.contains("menu-open")));
    $("#welcome-pick").addEventListener("click", () => setMenu(true));
    $("#drawer-backdrop").addEventListener("click", () => setMenu(false));
    $("#clock-toggle").addEventListener("click", () => setClockMoves(!$(".clock").classList.contains("open")));
    phone.addEventListener("change", () => { setMenu(false); setClockMoves(false); });
    for (const b of document.querySelectorAll("#tabs button")) {
      b.addEventListener("click", () => openConversation(ui.conv, b.dataset.tab));
    }
    for (const b of document.querySelectorAll("[data-step]")) {
      b.addEventListener("click", () => moveClock({ step: b.dataset.step }));
    }
    $("#clock-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const to = $("#clock-to").value;
      if (to) moveClock({ to });
    });
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (document.body.classList.contains("menu-open") || $(".clock").classList.contains("open")) {
        setMenu(false); setClockMoves(false);
      } else if (ui.state && ui.state.modal && !document.querySelector(".confirm-backdrop")) closeModal(ui.state.modal);
    });
    const [me, conv, tab] = decodeURIComponent(location.hash.slice(1)).split("/");
    ui.me = me || null;
    ui.conv = conv || null;
    if (tab === "home") ui.tab = "home";
    refresh().then(() => {
      if (ui.tab === "home" && ui.me) api("/api/home", { user: ui.me });
      follow();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
