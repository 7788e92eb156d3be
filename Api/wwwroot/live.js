// The live page: plain JavaScript, no build step. The token comes from the page's own URL (?access_token=),
// as the gateway prints it at start-up; EventSource cannot send headers, so the stream takes it as a query parameter.
"use strict";

const token = new URLSearchParams(location.search).get("access_token") || "";
const rows = new Map();
let source = null;

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

function connect() {
  if (source) source.close();
  source = new EventSource(`/api/stream/prices?access_token=${encodeURIComponent(token)}`);
  source.onmessage = event => showQuote(JSON.parse(event.data));
  // EventSource reconnects by itself (the server asks for 1 s) and resumes with Last-Event-ID.
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
  const notice = document.getElementById("notice");
  notice.hidden = false;
  notice.textContent = "Open this page with ?access_token=… (the gateway prints the URL at start-up, or use your API_TOKEN).";
}
document.getElementById("subscribe").addEventListener("submit", subscribe);
connect();
refreshStatus();
setInterval(refreshStatus, 2000);
