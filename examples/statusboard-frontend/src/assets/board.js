// StatusBoardV2 board (release __RELEASE__): renders columns, opens the drawer, moves cards.
const API = "/api/admin";
async function loadBoard() {
  const res = await fetch(`${API}/appointments/board`);
  const board = await res.json();
  const root = document.getElementById("board");
  root.innerHTML = "";
  for (const column of board.columns) {
    const col = document.createElement("section");
    col.className = "column";
    col.dataset.status = column.status;
    col.innerHTML = `<h2>${column.title}</h2>`;
    for (const a of column.appointments) {
      const card = document.createElement("div");
      card.className = "card";
      card.draggable = true;
      card.textContent = `${a.customer_name} — ${a.vehicle}`;
      card.onclick = () => openDrawer(a.id);
      card.ondragstart = (e) => e.dataTransfer.setData("text/plain", JSON.stringify(a));
      col.appendChild(card);
    }
    col.ondragover = (e) => e.preventDefault();
    col.ondrop = (e) => moveCard(JSON.parse(e.dataTransfer.getData("text/plain")), column.status);
    root.appendChild(col);
  }
}
async function openDrawer(id) {
  const a = await (await fetch(`${API}/appointments/${id}`)).json();
  const drawer = document.getElementById("drawer");
  drawer.hidden = false;
  drawer.textContent = JSON.stringify(a, null, 2);
}
async function moveCard(a, status) {
  const res = await fetch(`${API}/appointments/${a.id}/move`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ status, position: 0, version: a.version }),
  });
  if (res.status === 409) alert("Someone else moved this appointment. The board was refreshed.");
  await loadBoard();
}
loadBoard();
