// The live page: plain JavaScript, no build step. It is opened once with ?access_token= (the URL the gateway prints);
// the token moves at once from the address bar to this tab's sessionStorage, so it stays out of history, bookmarks,
// Referer headers and proxies' logs from then on. Requests send it as a header. EventSource cannot send headers, so
// the stream opens with a ticket from POST /api/stream/tickets, which lasts a minute and opens streams only.
"use strict";

const TOKEN_KEY = "quotecluster_token";
const params = new URLSearchParams(location.search);
if (params.has("access_token")) {
  sessionStorage.setItem(TOKEN_KEY, params.get("access_token"));
  params.delete("access_token");
  const rest = params.toString();
  history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
}
const token = sessionStorage.getItem(TOKEN_KEY) || "";
const rows = new Map();
let source = null;
let generation = 0;

function api(path, options = {}) {
  return fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } });
}

function cell(row, index, text, previous, current) {
  const td = row.cells[index];
  td.textContent = text;
  td.className = previous === undefined || previous === current ? "" : current > previous ? "up" : "down";
}

function showQuote(quote) {
  let entry = rows.get(quote.symbol);
  if (!entry) {
    const row = document.createElement("tr");
    row.dataset.symbol = quote.symbol;
    row.innerHTML = "<td></td><td></td><td></td><td></td><td></td><td></td><td><button class=remove title=Unsubscribe>✕</button></td>";
    row.cells[0].textContent = quote.symbol;
    row.querySelector("button").addEventListener("click", () => unsubscribe(quote.symbol));
    document.getElementById("quotes").appendChild(row);
    entry = { row, quote: null };
    rows.set(quote.symbol, entry);
  }
  const before = entry.quote || {};
  cell(entry.row, 1, quote.bid.toFixed(2), before.bid, quote.bid);
  cell(entry.row, 2, quote.ask.toFixed(2), before.ask, quote.ask);
  cell(entry.row, 3, quote.price.toFixed(2), before.price, quote.price);
  cell(entry.row, 4, quote.mid.toFixed(3), before.mid, quote.mid);
  entry.row.cells[5].textContent = new Date(quote.ts).toLocaleTimeString();
  entry.quote = quote;
}

async function ticket() {
  const response = await api("/api/stream/tickets", { method: "POST" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body.ticket;
}

// Each (re)connection takes a fresh ticket: EventSource's own retry would present the old one, which expires within
// a minute, so on any error the stream is closed and opened again here. A newer connect() supersedes an older one.
async function connect() {
  const mine = ++generation;
  if (source) {
    source.close();
    source = null;
  }
  let fresh;
  try {
    fresh = await ticket();
  } catch (error) {
    showNotice(`Cannot open the stream: ${error.message}`);
    setTimeout(() => { if (mine === generation) connect(); }, 2000);
    return;
  }
  if (mine !== generation) return;
  hideNotice();
  source = new EventSource(`/api/stream/prices?ticket=${encodeURIComponent(fresh)}`);
  source.onmessage = event => showQuote(JSON.parse(event.data));
  source.onerror = () => {
    if (mine !== generation) return;
    source.close();
    setTimeout(() => { if (mine === generation) connect(); }, 1000);
  };
}

function showNotice(text) {
  const notice = document.getElementById("notice");
  notice.hidden = false;
  notice.textContent = text;
}

function hideNotice() {
  if (token) document.getElementById("notice").hidden = true;
}

async function refreshStatus() {
  const badge = document.getElementById("badge");
  let status = "OFFLINE";
  try {
    const response = await api("/api/stream/status");
    if (response.ok) {
      const body = await response.json();
      status = body.status;
      const age = body.heartbeat_age_s === null ? "no heartbeat" : `heartbeat ${body.heartbeat_age_s.toFixed(0)} s ago`;
      document.getElementById("feed").textContent =
        `${body.feed ?? "?"} · ${body.feed_state ?? "?"} · ${age} · ${body.active_symbols.length} symbols` + (body.last_error ? ` · ${body.last_error}` : "");
    }
  } catch {
    // The gateway is unreachable: that is OFFLINE too.
  }
  badge.textContent = status;
  badge.dataset.status = status;
  badge.className = `badge ${status.toLowerCase()}`;
}

async function subscribe(event) {
  event.preventDefault();
  const input = document.getElementById("symbol");
  const result = document.getElementById("subscribe-result");
  const symbols = input.value.split(",").map(s => s.trim()).filter(s => s.length > 0);
  if (symbols.length === 0) return;
  const response = await api("/api/subscriptions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ symbols }),
  });
  const body = await response.json();
  result.textContent = response.ok ? `Subscribed: ${symbols.map(s => s.toUpperCase()).join(", ")}` : body.detail;
  if (response.ok) {
    input.value = "";
    connect();
  }
}

async function unsubscribe(symbol) {
  const response = await api(`/api/subscriptions/${encodeURIComponent(symbol)}`, { method: "DELETE" });
  if (response.ok) {
    rows.get(symbol)?.row.remove();
    rows.delete(symbol);
    connect();
  }
}

if (!token) {
  showNotice("Open this page with ?access_token=… (the gateway prints the URL at start-up, or use your API_TOKEN, a read token or a JWT).");
}
document.getElementById("subscribe").addEventListener("submit", subscribe);
connect();
refreshStatus();
setInterval(refreshStatus, 2000);
