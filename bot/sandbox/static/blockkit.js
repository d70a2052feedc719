/* Block Kit and mrkdwn, rendered as DOM nodes for the VWS sandbox.
 *
 * Message text is never parsed as HTML: every piece of it goes into the page through
 * textContent (via h() below), so "<b>" typed by a person shows as the characters "<b>".
 */
"use strict";

(function () {
  /** Make an element: h("div", {class: "x", onclick: f, dataset: {a: 1}}, child, "text", ...). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "text") el.textContent = value;
      else if (key in el && typeof value !== "string") el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", bell: "🔔",
    alarm_clock: "⏰", calendar: "📅", date: "📅", spiral_calendar_pad: "🗓️", memo: "📝",
    clipboard: "📋", page_facing_up: "📄", email: "📧", envelope: "✉️", handshake: "🤝",
    tada: "🎉", star: "⭐", school: "🏫", office: "🏢", busts_in_silhouette: "👥",
    bust_in_silhouette: "👤", hourglass: "⌛", hourglass_flowing_sand: "⏳", no_entry: "⛔",
    no_entry_sign: "🚫", thumbsup: "👍", "+1": "👍", thumbsdown: "👎", information_source: "ℹ️",
    pushpin: "📌", link: "🔗", lock: "🔒", mag: "🔍", arrow_right: "➡️", repeat: "🔁",
    wave: "👋", raising_hand: "🙋", speech_balloon: "💬", ballot_box_with_check: "☑️",
    large_green_circle: "🟢", red_circle: "🔴", large_yellow_circle: "🟡", large_blue_circle: "🔵",
    white_circle: "⚪", medal: "🏅", trophy: "🏆", scales: "⚖️", label: "🏷️", house: "🏠",
    rotating_light: "🚨", leftwards_arrow_with_hook: "↩️", heavy_plus_sign: "➕", eyes: "👀",
  };

  function emojify(text) {
    return text.replace(/:([a-z0-9_+\-]+):/g, (whole, name) => EMOJI[name] || whole);
  }

  /** Slack escapes only these three; anything else is shown exactly as written. */
  function unescape(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  const TIME_ZONE = "Europe/London";

  function formatDate(seconds, format) {
    const d = new Date(seconds * 1000);
    const part = (opts) => new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, ...opts }).format(d);
    return format
      .replace("{date_num}", part({ year: "numeric", month: "2-digit", day: "2-digit" }))
      .replace("{date_short_pretty}", part({ day: "numeric", month: "short", year: "numeric" }))
      .replace("{date_long_pretty}", part({ weekday: "long", day: "numeric", month: "long", year: "numeric" }))
      .replace("{date_short}", part({ day: "numeric", month: "short", year: "numeric" }))
      .replace("{date_long}", part({ weekday: "long", day: "numeric", month: "long", year: "numeric" }))
      .replace("{date}", part({ day: "numeric", month: "long", year: "numeric" }))
      .replace("{time_secs}", part({ hour: "2-digit", minute: "2-digit", second: "2-digit" }))
      .replace("{time}", part({ hour: "2-digit", minute: "2-digit" }));
  }

  const SAFE_URL = /^(https?:|mailto:|tel:)/i;

  /** One <…> token: a link, a user or channel mention, a special mention or a date. */
  function angle(token, ctx) {
    const [target, label] = splitOnce(token, "|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      const name = (ctx.people && ctx.people[id]) || label || id;
      return h("span", { class: "mention" + (id === ctx.me ? " mention-me" : ""), dataset: { user: id } }, "@" + unescape(name));
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      const name = label || (ctx.channels && ctx.channels[id]) || id;
      return h("span", { class: "mention channel-mention" }, "#" + unescape(name));
    }
    if (target.startsWith("!")) {
      const special = target.slice(1);
      if (special.startsWith("date^")) {
        const [, stamp, format] = special.split("^");
        const when = Number(stamp);
        return h("span", { class: "date" }, Number.isFinite(when) ? formatDate(when, format || "{date}") : unescape(label || ""));
      }
      if (special.startsWith("subteam^")) return h("span", { class: "mention" }, unescape(label || "@group"));
      const word = special.split("^")[0];
      return h("span", { class: "mention mention-me" }, "@" + word);
    }
    const url = unescape(target);
    const text = label !== undefined ? label : target;
    if (!SAFE_URL.test(url)) return document.createTextNode(unescape(text));
    return h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, ...inline(text, ctx, true));
  }

  function splitOnce(text, sep) {
    const at = text.indexOf(sep);
    return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
  }

  const WORD = /[A-Za-z0-9]/;
  const SPACE = /[\s\u200b]/;
  const STYLES = { "*": "b", _: "i", "~": "s" };

  /** Where a *bold*, _italic_ or ~strike~ that opens at i closes, or -1. */
  function closing(text, i, mark) {
    if (i > 0 && WORD.test(text[i - 1])) return -1;
    // Like Slack, a mark followed by a space (a zero-width one included) opens nothing.
    if (i + 1 >= text.length || SPACE.test(text[i + 1]) || text[i + 1] === mark) return -1;
    for (let j = i + 1; j < text.length; j++) {
      const c = text[j];
      if (c === "\n") return -1;
      if (c === "<") { const end = text.indexOf(">", j); if (end < 0) return -1; j = end; continue; }
      if (c === "`") return -1;
      if (c === mark && !SPACE.test(text[j - 1]) && (j + 1 >= text.length || !WORD.test(text[j + 1]))) return j;
    }
    return -1;
  }

  /** Inline mrkdwn: styles, `code`, <tokens>, :emoji:, entities. Returns a list of nodes. */
  function inline(text, ctx, noLinks) {
    const out = [];
    let plain = "";
    const flush = () => { if (plain) { out.push(document.createTextNode(emojify(unescape(plain)))); plain = ""; } };
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "<") {
        const end = text.indexOf(">", i);
        if (end > i) {
          flush();
          const token = text.slice(i + 1, end);
          out.push(noLinks ? document.createTextNode(unescape(splitOnce(token, "|")[1] || token)) : angle(token, ctx));
          i = end;
          continue;
        }
      }
      if (c === "`" && !SPACE.test(text[i + 1] || " ")) {
        const end = text.indexOf("`", i + 1);
        if (end > i + 1) {
          flush();
          out.push(h("code", {}, unescape(text.slice(i + 1, end))));
          i = end;
          continue;
        }
      }
      if (STYLES[c]) {
        const end = closing(text, i, c);
        if (end > 0) {
          flush();
          out.push(h(STYLES[c], {}, ...inline(text.slice(i + 1, end), ctx, noLinks)));
          i = end;
          continue;
        }
      }
      plain += c;
    }
    flush();
    return out;
  }

  /** A mrkdwn string as a block of nodes: ```pre```, > quotes, bullet lines, then inline. */
  function mrkdwn(text, ctx) {
    const box = h("span", { class: "mrkdwn" });
    const parts = String(text || "").split("```");
    parts.forEach((part, index) => {
      if (index % 2 === 1) {
        box.append(h("pre", {}, unescape(part.replace(/^\n/, ""))));
        return;
      }
      const lines = part.split("\n");
      let quote = null;
      lines.forEach((line, n) => {
        const quoted = /^(&gt;|>)\s?/.exec(line);
        if (quoted) {
          if (!quote) { quote = h("blockquote", {}); box.append(quote); }
          else quote.append(h("br"));
          quote.append(...inline(line.slice(quoted[0].length), ctx));
          return;
        }
        quote = null;
        box.append(...inline(line, ctx));
        if (n < lines.length - 1) box.append(h("br"));
      });
    });
    return box;
  }

  function textObject(obj, ctx) {
    if (!obj) return h("span");
    if (typeof obj === "string") return mrkdwn(obj, ctx);
    if (obj.type === "mrkdwn") return obj.verbatim ? h("span", { class: "mrkdwn" }, unescape(obj.text || "")) : mrkdwn(obj.text, ctx);
    const raw = obj.text || "";
    return h("span", { class: "plain" }, obj.emoji === false ? raw : emojify(raw));
  }

  function plainText(obj) {
    if (!obj) return "";
    const raw = typeof obj === "string" ? obj : obj.text || "";
    return obj && obj.type === "mrkdwn" ? unescape(raw) : emojify(raw);
  }

  // ------------------------------------------------------------------ interactive elements

  function optionLabel(option) {
    return plainText(option && option.text);
  }

  function allOptions(element) {
    if (element.option_groups) return element.option_groups.flatMap((g) => g.options || []);
    return element.options || [];
  }

  function selectBox(element, ctx, onchange) {
    const select = h("select", { class: "bk-select", dataset: { actionId: element.action_id || "" } });
    select.append(h("option", { value: "" }, plainText(element.placeholder) || "Select an item"));
    const add = (parent, option) => parent.append(h("option", { value: option.value }, optionLabel(option)));
    if (element.option_groups) {
      for (const group of element.option_groups) {
        const og = h("optgroup", { label: plainText(group.label) });
        (group.options || []).forEach((o) => add(og, o));
        select.append(og);
      }
    } else if (element.type === "users_select" || element.type === "multi_users_select") {
      for (const [id, name] of Object.entries(ctx.people || {})) if (id !== ctx.botUser) add(select, { value: id, text: { text: name } });
    } else if (/conversations_select|channels_select/.test(element.type)) {
      for (const [id, name] of Object.entries(ctx.channels || {})) add(select, { value: id, text: { text: "#" + name } });
    } else {
      (element.options || []).forEach((o) => add(select, o));
    }
    if (element.type && element.type.startsWith("multi_")) select.multiple = true;
    const initial = element.initial_option ? [element.initial_option.value]
      : element.initial_options ? element.initial_options.map((o) => o.value)
      : element.initial_user ? [element.initial_user]
      : element.initial_users ? element.initial_users
      : element.initial_conversation ? [element.initial_conversation]
      : element.initial_channel ? [element.initial_channel] : [];
    for (const opt of select.options) if (initial.includes(opt.value)) opt.selected = true;
    if (onchange) select.addEventListener("change", () => onchange(select.value));
    return select;
  }

  function choiceList(element, ctx, kind, name, onchange) {
    const box = h("div", { class: "bk-choices", dataset: { actionId: element.action_id || "" }, role: kind === "radio" ? "radiogroup" : "group" });
    const initial = element.initial_option ? [element.initial_option.value]
      : (element.initial_options || []).map((o) => o.value);
    (element.options || []).forEach((option, n) => {
      const id = `${name}-${n}`;
      const input = h("input", { type: kind, name, id, value: option.value });
      input.checked = initial.includes(option.value);
      if (onchange) input.addEventListener("change", () => onchange(option.value));
      box.append(h("label", { class: "bk-choice", for: id }, input,
        h("span", { class: "bk-choice-text" }, textObject(option.text, ctx),
          option.description ? h("span", { class: "bk-choice-description" }, textObject(option.description, ctx)) : null)));
    });
    return box;
  }

  /** An element in a message, App Home or a modal's non-input block. */
  function element(el, ctx, blockId) {
    const fire = (extra) => ctx.onAction && ctx.onAction({ action_id: el.action_id, block_id: blockId, ...extra });
    switch (el.type) {
      case "button": {
        const btn = h("button", {
          class: "bk-btn" + (el.style ? " bk-" + el.style : ""),
          type: "button",
          dataset: { actionId: el.action_id || "", value: el.value || "" },
        }, plainText(el.text));
        btn.addEventListener("click", async () => {
          if (el.url && SAFE_URL.test(el.url)) window.open(el.url, "_blank", "noopener");
          if (el.confirm && !(await ctx.confirm(el.confirm))) return;
          btn.classList.add("busy");
          try { await fire({ value: el.value, button: btn }); } finally { btn.classList.remove("busy"); }
        });
        return btn;
      }
      case "static_select": case "external_select": case "users_select": case "conversations_select": case "channels_select":
        return selectBox(el, ctx, (value) => {
          if (!value) return;
          const option = allOptions(el).find((o) => o.value === value);
          fire(el.type === "static_select" || el.type === "external_select"
            ? { selected_option: option || { text: { type: "plain_text", text: value }, value } } : { value });
        });
      case "overflow": {
        const wrap = h("span", { class: "bk-overflow" });
        const menu = h("div", { class: "bk-menu", hidden: true });
        for (const option of el.options || []) {
          menu.append(h("button", { type: "button", class: "bk-menu-item", onclick: () => { menu.hidden = true; fire({ selected_option: option }); } }, optionLabel(option)));
        }
        wrap.append(h("button", { type: "button", class: "bk-btn bk-overflow-btn", "aria-label": "More actions", onclick: () => { menu.hidden = !menu.hidden; } }, "⋯"), menu);
        return wrap;
      }
      case "datepicker": {
        const input = h("input", { type: "date", class: "bk-date", value: el.initial_date || "" });
        input.addEventListener("change", () => input.value && fire({ value: input.value }));
        return input;
      }
      case "radio_buttons":
        return choiceList(el, ctx, "radio", `${blockId}-${el.action_id}-${Math.random().toString(36).slice(2)}`, (value) => fire({ value }));
      case "checkboxes":
        return choiceList(el, ctx, "checkbox", `${blockId}-${el.action_id}-${Math.random().toString(36).slice(2)}`, (value) => fire({ value }));
      case "image":
        return image(el);
      default:
        return h("span", { class: "bk-unsupported" }, `[${el.type}]`);
    }
  }

  function image(el) {
    const url = el.image_url || "";
    if (!/^https?:/i.test(url)) return h("span", { class: "bk-image-alt" }, el.alt_text || "");
    return h("img", { class: "bk-image", src: url, alt: el.alt_text || "" });
  }

  // ------------------------------------------------------------------ input elements (modals)

  function inputElement(block, ctx) {
    const el = block.element || {};
    const name = `${block.block_id}-${el.action_id}`;
    let control;
    switch (el.type) {
      case "plain_text_input": case "email_text_input": case "url_text_input": case "number_input": {
        const attrs = { class: "bk-input", placeholder: plainText(el.placeholder), name };
        if (el.multiline) control = h("textarea", { ...attrs, rows: 4 });
        else control = h("input", { ...attrs, type: el.type === "number_input" ? "number" : el.type === "email_text_input" ? "email" : el.type === "url_text_input" ? "url" : "text" });
        control.value = el.initial_value || "";
        if (el.max_length) control.maxLength = el.max_length;
        break;
      }
      case "static_select": case "multi_static_select": case "external_select": case "users_select": case "multi_users_select":
      case "conversations_select": case "channels_select": case "multi_conversations_select": case "multi_channels_select":
        control = selectBox(el, ctx);
        break;
      case "datepicker":
        control = h("input", { type: "date", class: "bk-date", value: el.initial_date || "", name });
        break;
      case "timepicker":
        control = h("input", { type: "time", class: "bk-date", value: el.initial_time || "", name });
        break;
      case "radio_buttons":
        control = choiceList(el, ctx, "radio", name);
        break;
      case "checkboxes":
        control = choiceList(el, ctx, "checkbox", name);
        break;
      default:
        control = h("span", { class: "bk-unsupported" }, `[${el.type}]`);
    }
    control.dataset.elementType = el.type || "";
    control.dataset.actionId = el.action_id || "";
    return control;
  }

  /** The value Slack would put in view.state.values for an input's element, or undefined. */
  function readValue(control, el) {
    const type = el.type;
    if (/^(plain_text_input|email_text_input|url_text_input|number_input)$/.test(type)) {
      return { type, value: control.value === "" ? null : control.value };
    }
    if (type === "datepicker") return { type, selected_date: control.value || null };
    if (type === "timepicker") return { type, selected_time: control.value || null };
    if (type === "radio_buttons" || type === "checkboxes") {
      const picked = [...control.querySelectorAll("input:checked")].map((i) => (el.options || []).find((o) => o.value === i.value)).filter(Boolean);
      return type === "radio_buttons" ? { type, selected_option: picked[0] || null } : { type, selected_options: picked };
    }
    if (control.tagName === "SELECT") {
      const values = [...control.selectedOptions].map((o) => o.value).filter(Boolean);
      if (type === "static_select" || type === "external_select") return { type, selected_option: allOptions(el).find((o) => o.value === values[0]) || null };
      if (type === "multi_static_select") return { type, selected_options: allOptions(el).filter((o) => values.includes(o.value)) };
      if (type === "users_select") return { type, selected_user: values[0] || null };
      if (type === "multi_users_select") return { type, selected_users: values };
      if (type === "conversations_select") return { type, selected_conversation: values[0] || null };
      if (type === "channels_select") return { type, selected_channel: values[0] || null };
      if (type === "multi_conversations_select") return { type, selected_conversations: values };
      if (type === "multi_channels_select") return { type, selected_channels: values };
    }
    return undefined;
  }

  function isEmpty(value) {
    if (!value) return true;
    const v = value.value ?? value.selected_option ?? value.selected_date ?? value.selected_time ?? value.selected_user
      ?? value.selected_conversation ?? value.selected_channel ?? value.selected_options ?? value.selected_users
      ?? value.selected_conversations ?? value.selected_channels;
    return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
  }

  // ------------------------------------------------------------------ blocks

  function block(b, ctx) {
    const bid = b.block_id;
    switch (b.type) {
      case "header":
        return h("div", { class: "bk-header" }, plainText(b.text));
      case "divider":
        return h("hr", { class: "bk-divider" });
      case "section": {
        const body = h("div", { class: "bk-section-body" });
        if (b.text) body.append(h("div", { class: "bk-section-text" }, textObject(b.text, ctx)));
        if (b.fields && b.fields.length) {
          body.append(h("div", { class: "bk-fields" }, b.fields.map((f) => h("div", { class: "bk-field" }, textObject(f, ctx)))));
        }
        const section = h("div", { class: "bk-section", dataset: { blockId: bid || "" } }, body);
        if (b.accessory) {
          const acc = b.accessory.type === "image" ? image(b.accessory) : element(b.accessory, ctx, bid);
          section.append(h("div", { class: "bk-accessory" + (b.accessory.type === "image" ? " bk-accessory-image" : "") }, acc));
        }
        return section;
      }
      case "context":
        return h("div", { class: "bk-context" }, (b.elements || []).map((e) =>
          e.type === "image" ? h("img", { class: "bk-context-image", src: /^https?:/i.test(e.image_url || "") ? e.image_url : "", alt: e.alt_text || "" })
            : h("span", { class: "bk-context-item" }, textObject(e, ctx))));
      case "actions":
        return h("div", { class: "bk-actions", dataset: { blockId: bid || "" } }, (b.elements || []).map((e) => element(e, ctx, bid)));
      case "image":
        return h("figure", { class: "bk-image-block" }, b.title ? h("figcaption", {}, plainText(b.title)) : null, image(b));
      case "input": {
        const control = ctx.surface === "modal" ? inputElement(b, ctx) : element(b.element || {}, ctx, bid);
        const label = h("label", { class: "bk-label" }, plainText(b.label), b.optional ? h("span", { class: "bk-optional" }, " (optional)") : null);
        return h("div", { class: "bk-input-block", dataset: { blockId: bid || "", optional: b.optional ? "1" : "" } },
          label, control,
          b.hint ? h("div", { class: "bk-hint" }, plainText(b.hint)) : null,
          h("div", { class: "bk-error", hidden: true }));
      }
      case "rich_text":
        return h("div", { class: "bk-section-text" }, richText(b.elements || [], ctx));
      default:
        return h("div", { class: "bk-unsupported" }, `[${b.type} block]`);
    }
  }

  function richText(elements, ctx) {
    const out = h("div", { class: "bk-rich" });
    for (const part of elements) {
      const inner = (part.elements || []).map((e) => {
        if (e.type === "text") {
          let node = document.createTextNode(e.text || "");
          const s = e.style || {};
          if (s.code) node = h("code", {}, node);
          if (s.strike) node = h("s", {}, node);
          if (s.italic) node = h("i", {}, node);
          if (s.bold) node = h("b", {}, node);
          return node;
        }
        if (e.type === "link") return SAFE_URL.test(e.url || "") ? h("a", { href: e.url, target: "_blank", rel: "noopener noreferrer" }, e.text || e.url) : document.createTextNode(e.text || "");
        if (e.type === "user") return angle("@" + e.user_id, ctx);
        if (e.type === "channel") return angle("#" + e.channel_id, ctx);
        if (e.type === "emoji") return document.createTextNode(EMOJI[e.name] || `:${e.name}:`);
        return document.createTextNode("");
      });
      if (part.type === "rich_text_quote") out.append(h("blockquote", {}, inner));
      else if (part.type === "rich_text_preformatted") out.append(h("pre", {}, inner));
      else if (part.type === "rich_text_list") out.append(h(part.style === "ordered" ? "ol" : "ul", {}, (part.elements || []).map((item) => h("li", {}, richText([item], ctx)))));
      else out.append(h("div", {}, inner));
    }
    return out;
  }

  function blocks(list, ctx) {
    return h("div", { class: "bk-blocks" }, (list || []).map((b) => block(b, ctx)));
  }

  window.BlockKit = { h, mrkdwn, textObject, plainText, blocks, readValue, isEmpty, unescape, emojify, formatDate };
})();
