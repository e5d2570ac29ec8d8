// PartsDesk counter: search the catalog, reserve stock for a customer.
// The page does not know its release: it reads /version.json, as the launch does.
const API = "/v2";

async function showBuild() {
  try {
    const version = await (await fetch("/version.json", { cache: "no-store" })).json();
    document.getElementById("build").textContent = `build ${version.build.release}`;
  } catch (e) {
    document.getElementById("build").textContent = "build unknown";
  }
}

function say(text) {
  document.getElementById("message").textContent = text;
}

function bin(part) {
  return `${part.bin.aisle} / shelf ${part.bin.shelf}`;
}

async function search(text) {
  const res = await fetch(`${API}/search?q=${encodeURIComponent(text)}`);
  if (!res.ok) return say((await res.json()).detail || `search failed (${res.status})`);
  const parts = await res.json(); // a top-level array of parts
  const table = document.getElementById("results");
  const rows = table.querySelector("tbody");
  rows.innerHTML = "";
  for (const part of parts) {
    const row = document.createElement("tr");
    row.innerHTML = `<td>${part.sku}</td><td>${part.name}</td><td>${part.stock}</td><td>${bin(part)}</td>`;
    const cell = document.createElement("td");
    const button = document.createElement("button");
    button.textContent = "Reserve 1";
    button.disabled = part.stock < 1;
    button.onclick = () => reserve(part.sku, 1);
    cell.appendChild(button);
    row.appendChild(cell);
    rows.appendChild(row);
  }
  table.hidden = parts.length === 0;
  say(parts.length ? `${parts.length} part(s)` : `nothing matches "${text}"`);
}

async function reserve(sku, qty) {
  const res = await fetch(`${API}/reservations`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sku, qty }),
  });
  const body = await res.json();
  if (res.status === 201) {
    say(`Reserved ${body.qty} × ${body.sku} (${body.id}); ${body.stock_after} left`);
  } else if (res.status === 409) {
    say(`Only ${body.stock} of ${body.sku} in stock`);
  } else {
    say(body.detail || body.error || `reservation failed (${res.status})`);
  }
  search(document.getElementById("q").value || sku);
}

document.getElementById("search").onsubmit = (e) => {
  e.preventDefault();
  search(document.getElementById("q").value);
};
showBuild();
