// The Sheda playground: sign in, search listings, chat with an agent, watch the socket.
// Plain browser JavaScript, no build step and no library: read it as a worked example of
// the protocol in /docs/socket (ticket -> socket -> resend by client_id -> sync on reconnect).
"use strict";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const state = {
  access: null, refresh: null, me: null,
  ws: null, manualClose: false, backoff: 1000, reconnectTimer: null,
  lastSeq: {},            // conversation id -> the highest seq seen: what `sync` sends
  seen: new Set(),        // message ids shown: delivery is at least once
  pending: new Map(),     // client_id -> the unacknowledged frame, resent on reconnect
  open: null,             // {otherId, conversationId, title, propertyId}
  syncing: null,          // messages received since the last `sync` was sent
  cursor: null, typingSent: 0, typingTimer: null,
};

// --- REST --------------------------------------------------------------------------------

async function api(method, path, body, retry = true) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.access) headers.Authorization = "Bearer " + state.access;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && retry && state.refresh && await refreshTokens()) {
    return api(method, path, body, false);
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error((data && data.detail) || response.statusText);
    error.status = response.status;
    error.body = data;
    throw error;
  }
  return data;
}

async function refreshTokens() {
  try {
    const tokens = await api("POST", `${API}/auth/refresh`, { refresh_token: state.refresh }, false);
    state.access = tokens.access_token;
    state.refresh = tokens.refresh_token;
    return true;
  } catch (error) {
    return false;
  }
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) search.set(key, value);
  }
  return search.toString();
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function clientKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);  // randomUUID needs a secure context; this does not
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function badge(node, count) {
  node.textContent = count;
  node.hidden = !Number(count);  // no red "0"
}

function money(value) {
  return value === null || value === undefined ? "" : Number(value).toLocaleString();
}

// --- signing in --------------------------------------------------------------------------

async function signedIn(body) {
  state.access = body.access_token;
  state.refresh = body.refresh_token;
  state.me = body.user;
  $("who").textContent = `${body.user.email} (${body.user.user_type})`;
  $("who").dataset.userId = body.user.id;
  $("signin-panel").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  await Promise.all([loadFacets(), search(), loadConversations(), loadNotifications()]);
  state.manualClose = false;
  await connect();
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    const body = await api("POST", `${API}/auth/login`, {
      username: $("email").value, password: $("password").value,
    }, false);
    await signedIn(body);
  } catch (error) {
    $("signin-error").textContent = error.message;
  }
}

async function register() {
  $("signin-error").textContent = "";
  try {
    const body = await api("POST", `${API}/auth/register`, {
      email: $("email").value, password: $("password").value,
      user_type: $("register-agent").checked ? "agent" : "client",
    }, false);
    await signedIn(body);
  } catch (error) {
    const fields = (error.body && error.body.errors) || [];
    $("signin-error").textContent = [error.message, ...fields.map((f) => `${f.field}: ${f.message}`)].join(" ");
  }
}

async function signOut() {
  state.manualClose = true;
  try { await api("POST", `${API}/auth/logout`, { refresh_token: state.refresh }, false); } catch (e) { /* gone anyway */ }
  location.reload();
}

async function loadDemoAccounts() {
  const box = $("demo-accounts");
  try {
    const demo = await api("GET", "/playground/accounts", undefined, false);
    if (!demo.accounts.length) {
      box.append(element("p", { textContent: "No demo data: run `sheda seed-demo` to get demo accounts here." }));
      return;
    }
    box.append(element("p", { textContent: `Demo accounts (password ${demo.password}):` }));
    const list = element("ul");
    for (const account of demo.accounts) {
      const button = element("button", {
        type: "button", class: "demo-account", textContent: `${account.email} · ${account.label}`,
      });
      button.dataset.email = account.email;
      button.addEventListener("click", () => {
        $("email").value = account.email;
        $("password").value = demo.password;
        $("signin-form").requestSubmit();
      });
      list.append(element("li", {}, button));
    }
    box.append(list);
  } catch (error) {
    box.textContent = "";
  }
}

// --- listings ----------------------------------------------------------------------------

function fill(select, items, keep) {
  const first = select.options[0];
  select.replaceChildren(first);
  for (const item of items) {
    select.append(element("option", { value: item.value, textContent: `${item.value} (${item.count})` }));
  }
  select.value = keep;
}

async function loadFacets() {
  const facets = await api("GET", `${API}/properties/facets`);
  fill($("city"), facets.cities, $("city").value);
  fill($("state"), facets.states, $("state").value);
  fill($("property_type"), facets.property_types, $("property_type").value);
}

function filters() {
  const names = ["q", "city", "state", "listing_type", "property_type", "min_price", "max_price", "sort"];
  return Object.fromEntries(names.map((name) => [name, $(name).value.trim()]));
}

async function search(event, more = false) {
  if (event) event.preventDefault();
  const params = { ...filters(), limit: 10 };
  if (more && state.cursor) params.cursor = state.cursor;
  try {
    const page = await api("GET", `${API}/properties?${query(params)}`);
    if (!more) $("search-results").replaceChildren();
    for (const item of page.items) {
      const button = element("button", { type: "button", textContent: item.title });
      button.addEventListener("click", () => showListing(item.id));
      const line = element("li", { class: "listing" }, button,
        ` ${item.city}, ${item.state} · ${item.listing_type} · ${money(item.price)}`);
      line.dataset.id = item.id;
      $("search-results").append(line);
    }
    state.cursor = page.next_cursor;
    $("more").hidden = !page.next_cursor;
    $("search-summary").textContent = $("search-results").children.length ? "" : "No listing matches.";
  } catch (error) {
    $("search-summary").textContent = error.message;
  }
}

async function showListing(id) {
  const listing = await api("GET", `${API}/properties/${id}`);
  state.listing = listing;
  $("listing").hidden = false;
  $("listing").dataset.id = listing.id;
  $("listing-title").textContent = listing.title;
  const comparison = listing.price_comparison && listing.price_comparison.position;
  $("listing-facts").textContent = `${listing.bedrooms} bed · ${listing.address}, ${listing.city} · `
    + `${money(listing.price)}${comparison ? ` (${comparison} average)` : ""}`;
  const agent = listing.agent;
  $("listing-agent").textContent = `Agent: ${agent.fullname || agent.username || "#" + agent.id}`
    + (agent.online ? " (online)" : "");
  $("listing-status").textContent = "";
  const mine = state.me && listing.agent_id === state.me.id;
  $("message-agent").disabled = mine;
  $("send-inquiry").disabled = mine;
}

async function sendInquiry() {
  const listing = state.listing;
  try {
    // Signed in: name, email and phone default to the account's.
    const made = await api("POST", `${API}/inquiries`, {
      property_id: listing.id, message: `Is “${listing.title}” still available?`, inquiry_type: "general",
    });
    $("listing-status").textContent = `Inquiry #${made.id} sent.`;
  } catch (error) {
    $("listing-status").textContent = error.message;
  }
}

// --- conversations -----------------------------------------------------------------------

async function loadConversations() {
  const [page, unread] = await Promise.all([
    api("GET", `${API}/chat/conversations?limit=50`), api("GET", `${API}/chat/unread-count`),
  ]);
  badge($("unread-total"), unread.total_unread);
  const list = $("conversations");
  list.replaceChildren();
  for (const item of page.items) {
    // A conversation first seen in the list starts where it is (its history is a click
    // away); the ones already known keep the seq this page has seen, for the next sync.
    if (!(item.conversation_id in state.lastSeq)) state.lastSeq[item.conversation_id] = item.last_seq;
    const other = item.other_user;
    const name = other.fullname || other.username || `#${other.id}`;
    const button = element("button", { type: "button", textContent: name + (other.online ? " ●" : "") });
    button.addEventListener("click", () => openConversation(other.id, name, item.conversation_id));
    const line = element("li", { class: "conversation" }, button,
      element("span", { class: "badge unread", textContent: item.unread_count, hidden: !item.unread_count }),
      element("span", { class: "last", textContent: item.last_message ? item.last_message.message : "" }));
    line.dataset.conversationId = item.conversation_id;
    line.dataset.otherId = other.id;
    list.append(line);
  }
}

let conversationsReload = null;
function reloadConversationsSoon() {
  clearTimeout(conversationsReload);
  conversationsReload = setTimeout(() => loadConversations().catch(() => {}), 300);
}

async function openConversation(otherId, title, conversationId = null, propertyId = null) {
  state.open = { otherId, title, conversationId, propertyId };
  $("conversation").hidden = false;
  $("conversation").dataset.otherId = otherId;
  $("conversation-title").textContent = title;
  $("messages").replaceChildren();
  // Newest first from the server: shown oldest first.
  const history = await api("GET", `${API}/chat/chat-history/${otherId}?limit=50`);
  for (const message of history.reverse()) showMessage(message, message.sender_id === state.me.id);
  const last = history.length ? history[history.length - 1] : null;
  if (last) {
    state.open.conversationId = last.conversation_id;
    markRead(last.conversation_id, last.seq);
  }
  for (const frame of state.pending.values()) {
    if (frame.receiver_id === otherId) showPending(frame);
  }
  $("chat-input").focus();
}

function messageLine(clientId) {
  return clientId ? document.querySelector(`#messages li[data-client-id="${CSS.escape(clientId)}"]`) : null;
}

function showMessage(message, mine) {
  if (message.id) {
    if (state.seen.has(message.id) && document.querySelector(`#messages li[data-id="${message.id}"]`)) return;
    state.seen.add(message.id);
  }
  let line = mine ? messageLine(message.client_id) : null;
  if (!line) {
    line = element("li", { class: `msg ${mine ? "mine" : "theirs"}` },
      element("span", { class: "text", textContent: message.message }),
      element("span", { class: "status" }));
    $("messages").append(line);
  }
  if (message.client_id) line.dataset.clientId = message.client_id;
  line.dataset.id = message.id;
  line.dataset.seq = message.seq;
  if (mine) line.querySelector(".status").textContent = message.read_at ? "read ✓✓" : "sent ✓";
  line.scrollIntoView({ block: "end" });
}

function showPending(frame) {
  if (messageLine(frame.client_id)) return;
  const line = element("li", { class: "msg mine" },
    element("span", { class: "text", textContent: frame.message }),
    element("span", { class: "status", textContent: "sending…" }));
  line.dataset.clientId = frame.client_id;
  $("messages").append(line);
}

function markRead(conversationId, seq) {
  // Over the socket when it is open, else over REST: both tell the other member.
  if (!sendFrame({ type: "read", conversation_id: conversationId, up_to_seq: seq })) {
    api("POST", `${API}/chat/conversations/${conversationId}/read`, { up_to_seq: seq }).catch(() => {});
  }
  reloadConversationsSoon();
}

function sendMessage(event) {
  event.preventDefault();
  const text = $("chat-input").value;
  if (!text.trim() || !state.open) return;
  const frame = {
    type: "message", receiver_id: state.open.otherId, message: text,
    property_id: state.open.propertyId, client_id: clientKey(),
  };
  state.pending.set(frame.client_id, frame);  // until its ack, whatever happens to the socket
  showPending(frame);
  sendFrame(frame);
  $("chat-input").value = "";
}

function typing() {
  const now = Date.now();
  if (state.open && now - state.typingSent > 3000) {
    state.typingSent = now;
    sendFrame({ type: "typing", receiver_id: state.open.otherId });
  }
}

// --- notifications -----------------------------------------------------------------------

function showNotification(item, live) {
  const line = element("li", { class: `notification${item.read_at ? "" : " unread"}` },
    element("strong", { textContent: item.event }), " ", item.data.summary || "");
  line.dataset.event = item.event;
  line.dataset.id = item.id;
  if (live) $("notifications").prepend(line); else $("notifications").append(line);
}

async function loadNotifications() {
  const page = await api("GET", `${API}/notifications?limit=20`);
  $("notifications").replaceChildren();
  for (const item of page.items) showNotification(item, false);
  badge($("notifications-unread"), page.items.filter((item) => !item.read_at).length);
}

// --- the socket --------------------------------------------------------------------------

function logFrame(direction, frame) {
  const line = element("li", { class: direction, textContent: `${direction === "in" ? "←" : "→"} ${JSON.stringify(frame)}` });
  line.dataset.type = frame.type || "message";
  $("frames").prepend(line);
  while ($("frames").children.length > 100) $("frames").lastChild.remove();
}

function sendFrame(frame) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return false;
  state.ws.send(JSON.stringify(frame));
  logFrame("out", frame);
  return true;
}

function setSocket(name, detail = "") {
  $("socket-state").dataset.state = name;
  $("socket-state").textContent = `socket: ${name}${detail ? ` (${detail})` : ""}`;
  $("disconnect").disabled = name !== "open";
  $("reconnect").disabled = name === "open" || name === "connecting";
}

async function connect() {
  clearTimeout(state.reconnectTimer);
  if (state.ws) return;
  setSocket("connecting");
  let ticket;
  try {
    // A ticket, not the token, goes in the URL: single use, 30 s, no secret in logs.
    ({ ticket } = await api("POST", `${API}/chat/ws-ticket`));
  } catch (error) {
    setSocket("closed", error.message);
    return scheduleReconnect();
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}${API}/chat/ws?ticket=${encodeURIComponent(ticket)}`);
  state.ws = ws;
  ws.onopen = () => {
    state.backoff = 1000;
    setSocket("open");
    // Catch up: what every known conversation missed, then resend what was never acked.
    state.syncing = 0;
    sendFrame({ type: "sync", conversations: { ...state.lastSeq } });
    for (const frame of state.pending.values()) sendFrame(frame);
  };
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    logFrame("in", frame);
    handleFrame(frame);
  };
  ws.onclose = (event) => {
    state.ws = null;
    setSocket("closed", `code ${event.code}`);
    if (state.manualClose || event.code === 4003) return;  // 4003: deactivated, stay out
    if (event.code === 4001) {  // the session ended: new tokens first, if the refresh works
      refreshTokens().then((ok) => (ok ? scheduleReconnect() : setSocket("closed", "signed out")));
      return;
    }
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  if (state.manualClose) return;
  const wait = state.backoff * (0.5 + Math.random());  // jitter: not every tab at once
  state.backoff = Math.min(state.backoff * 2, 30000);
  state.reconnectTimer = setTimeout(connect, wait);
}

function handleFrame(frame) {
  switch (frame.type) {
    case "message": {
      state.lastSeq[frame.conversation_id] = Math.max(state.lastSeq[frame.conversation_id] || 0, frame.seq);
      if (state.syncing !== null) state.syncing += 1;
      const mine = frame.sender_info.id === state.me.id;  // sent from another tab of mine
      const other = mine ? frame.receiver_id : frame.sender_info.id;
      if (state.open && state.open.otherId === other) {
        state.open.conversationId = frame.conversation_id;
        showMessage(frame, mine);
        if (!mine) markRead(frame.conversation_id, frame.seq);
      } else {
        reloadConversationsSoon();
      }
      break;
    }
    case "ack": {
      state.pending.delete(frame.client_id);
      state.lastSeq[frame.conversation_id] = Math.max(state.lastSeq[frame.conversation_id] || 0, frame.seq);
      state.seen.add(frame.message_id);
      if (state.open) state.open.conversationId = frame.conversation_id;
      const line = messageLine(frame.client_id);
      if (line) {
        line.dataset.id = frame.message_id;
        line.dataset.seq = frame.seq;
        line.querySelector(".status").textContent = "sent ✓";
      }
      reloadConversationsSoon();
      break;
    }
    case "synced": {
      const filled = state.syncing || 0;
      state.syncing = null;
      $("sync-status").textContent = `sync: ${filled} missed message${filled === 1 ? "" : "s"} filled in`;
      $("sync-status").dataset.filled = filled;
      const unknown = Object.keys(frame.conversations).some((id) => !(id in state.lastSeq));
      Object.assign(state.lastSeq, frame.conversations);
      if (unknown || filled) reloadConversationsSoon();
      break;
    }
    case "typing":
      if (state.open && state.open.conversationId === frame.conversation_id) {
        $("typing").textContent = `${state.open.title} is typing…`;
        clearTimeout(state.typingTimer);
        state.typingTimer = setTimeout(() => { $("typing").textContent = ""; }, 4000);
      }
      break;
    case "read":
      if (state.open && state.open.conversationId === frame.conversation_id && frame.reader_id !== state.me.id) {
        for (const line of document.querySelectorAll("#messages li.mine")) {
          if (Number(line.dataset.seq) <= frame.up_to_seq) line.querySelector(".status").textContent = "read ✓✓";
        }
      }
      reloadConversationsSoon();
      break;
    case "notification":
      showNotification({ ...frame, read_at: null }, true);
      badge($("notifications-unread"), Number($("notifications-unread").textContent) + 1);
      break;
    case "error": {
      const line = messageLine(frame.client_id);
      if (line && frame.code !== "unavailable" && frame.code !== "internal_error") {
        state.pending.delete(frame.client_id);  // refused for good (blocked, rate limited…)
        line.querySelector(".status").textContent = `not sent: ${frame.detail}`;
      }
      break;
    }
    default:
      break;  // pong, and frame types newer than this page
  }
}

// --- wiring ------------------------------------------------------------------------------

$("signin-form").addEventListener("submit", signIn);
$("register").addEventListener("click", register);
$("signout").addEventListener("click", signOut);
$("search-form").addEventListener("submit", search);
$("more").addEventListener("click", () => search(null, true));
$("message-agent").addEventListener("click", () => {
  const listing = state.listing;
  const agent = listing.agent;
  openConversation(agent.id, agent.fullname || agent.username || `#${agent.id}`, null, listing.id);
});
$("send-inquiry").addEventListener("click", sendInquiry);
$("chat-form").addEventListener("submit", sendMessage);
$("chat-input").addEventListener("input", typing);
$("disconnect").addEventListener("click", () => {
  state.manualClose = true;
  if (state.ws) state.ws.close(1000, "playground: disconnect");
});
$("reconnect").addEventListener("click", () => {
  state.manualClose = false;
  state.backoff = 1000;
  connect();
});
loadDemoAccounts();
