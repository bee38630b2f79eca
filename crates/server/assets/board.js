// Interlock's live board: subscribes to the incident's Server-Sent Events
// (/api/incidents/{id}/events) and, on each appended event, fetches the board
// again with htmx and swaps it in. The browser's EventSource reconnects by
// itself and sends Last-Event-ID, so the server resumes after the last event.
// A board is not replaced while its user is filling in a form: the refresh
// waits until the form is sent or cleared. Countdowns tick every 30 s.
(function () {
  "use strict";
  var live = document.getElementById("live");
  function board() { return document.getElementById("board"); }
  function busy() {
    var b = board();
    if (!b) return false;
    var fields = b.querySelectorAll("input[type=text], textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "") return true;
    }
    return false;
  }
  var pending = false;
  function note(show) {
    var n = document.getElementById("live-note");
    if (n) n.hidden = !show;
  }
  function refresh() {
    if (busy()) { pending = true; note(true); return; }
    pending = false;
    note(false);
    if (window.htmx && live) {
      window.htmx.ajax("GET", live.getAttribute("data-board"), { target: "#board", select: "#board", swap: "outerHTML" });
    }
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var s = Math.round((due - now) / 1000), m = Math.ceil(Math.abs(s) / 60);
      el.textContent = s >= 0 ? "in " + m + " min" : "overdue by " + m + " min";
    });
    if (pending && !busy()) refresh();
  }
  if (live && window.EventSource) {
    var es = new EventSource(live.getAttribute("data-events"));
    es.onmessage = refresh;
    document.addEventListener("input", function () { if (pending && !busy()) refresh(); });
  }
  setInterval(tick, 30000);
  tick();
  document.addEventListener("htmx:afterSwap", function () { if (pending && !busy()) refresh(); });
})();
