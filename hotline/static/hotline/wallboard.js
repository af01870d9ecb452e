// The wallboard refreshes its counts every 15 s from a same-origin JSON answer (counts and
// operators' names only), without a full reload. Without JS the page has a refresh link.
(function () {
  "use strict";
  var board = document.getElementById("wallboard");
  if (!board || !window.fetch) return;

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function show(figures) {
    board.querySelectorAll("[data-figure]").forEach(function (node) {
      var name = node.getAttribute("data-figure");
      if (name in figures) node.textContent = String(figures[name]);
    });
    board.querySelectorAll("[data-warn]").forEach(function (node) {
      node.classList.toggle("figure-warn", figures[node.getAttribute("data-warn")] > 0);
    });
    var rows = document.getElementById("wallboard-operator-rows");
    var fresh = document.createElement("tbody");
    fresh.id = rows.id;
    fresh.setAttribute("data-empty", rows.getAttribute("data-empty"));
    (figures.operators || []).forEach(function (row) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(row.name));
      tr.appendChild(cell(row.calls));
      fresh.appendChild(tr);
    });
    if (!fresh.children.length) {
      var tr = document.createElement("tr");
      var td = cell(rows.getAttribute("data-empty"));
      td.colSpan = 2;
      tr.appendChild(td);
      fresh.appendChild(tr);
    }
    rows.replaceWith(fresh);
    var updated = document.getElementById("wallboard-updated");
    if (updated && figures.updated_at) updated.textContent = figures.updated_at;
  }

  // Figures that stopped updating (offline, signed out: the answer is then the sign-in page)
  // must not look live: after a missed refresh the page says so.
  var stale = document.getElementById("wallboard-stale");
  function missed() {
    if (stale) stale.hidden = false;
  }

  function refresh() {
    fetch(board.getAttribute("data-figures"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.ok && !response.redirected ? response.json() : null;
      })
      .then(function (figures) {
        if (!figures) return missed();
        show(figures);
        if (stale) stale.hidden = true;
      })
      .catch(function () { missed(); /* offline for a moment: try again at the next tick */ });
  }

  window.setInterval(refresh, 15000);
})();
