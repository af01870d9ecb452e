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

  function refresh() {
    fetch(board.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var holder = document.createElement("table");
        holder.innerHTML = html;
        var fresh = holder.querySelector("tbody");
        var current = document.getElementById("alert-rows");
        if (!fresh || !current) return;
        current.replaceWith(fresh);
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
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  seen = mine(document.getElementById("alert-rows"));
  if (seen.length) document.title = "(" + seen.length + ") " + title;
  // Every 3 s: an alert saved at any moment is on an open board within 5 s (bench/hotline.py).
  window.setInterval(refresh, 3000);
})();
