// The crisis board refreshes its rows every 5 s from a same-origin fragment; a new alert for
// me shows a cue, changes the title and beeps. Without JS the page has a refresh link.
(function () {
  "use strict";
  var board = document.getElementById("alert-board");
  if (!board || !window.fetch) return;
  var title = document.title;
  var seen = null;

  function mine(tbody) {
    return (tbody.getAttribute("data-mine") || "").split(" ").filter(Boolean);
  }

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      var context = new Context();
      var tone = context.createOscillator();
      tone.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.3);
    } catch (e) { /* no sound: the visual cue remains */ }
  }

  // A board that stopped updating (offline, signed out: the fragment's answer is then the
  // sign-in page) must not look live: after two missed refreshes it says so.
  var lastGood = Date.now();
  var stale = document.getElementById("alert-stale");
  var updated = document.getElementById("alert-updated");
  function missed() {
    if (stale && Date.now() - lastGood > 7000) stale.hidden = false;
  }

  function refresh() {
    fetch(board.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok && !response.redirected ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return missed();
        var holder = document.createElement("table");
        holder.innerHTML = html;
        var fresh = holder.querySelector("tbody#alert-rows");
        var current = document.getElementById("alert-rows");
        if (!fresh || !current) return missed();
        current.replaceWith(fresh);
        lastGood = Date.now();
        if (stale) stale.hidden = true;
        if (updated) updated.textContent = new Date().toTimeString().slice(0, 8);
        var ids = mine(fresh);
        var cue = document.getElementById("alert-cue");
        var added = seen === null ? [] : ids.filter(function (id) { return seen.indexOf(id) < 0; });
        if (added.length) {
          cue.hidden = false;
          document.title = "(" + ids.length + ") " + title;
          beep();
        } else if (!ids.length) {
          cue.hidden = true;
          document.title = title;
        }
        seen = ids;
      })
      .catch(function () { missed(); /* offline for a moment: try again at the next tick */ });
  }

  seen = mine(document.getElementById("alert-rows"));
  if (seen.length) document.title = "(" + seen.length + ") " + title;
  // Every 3 s: an alert saved at any moment is on an open board within 5 s (bench/hotline.py).
  window.setInterval(refresh, 3000);
})();
