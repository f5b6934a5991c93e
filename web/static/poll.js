// Auto-refresh that gets out of the way. A section marked data-poll fetches itself again on
// a timer (hx-trigger="every 15s"); this skips a round while the tab is hidden, or while the
// person is working inside the section (focus in it, or a form field changed and not yet
// sent), so a refresh never throws away what they were doing. On returning to the tab the
// section refreshes at once. After the person acts inside a section (claims, dispatches), its
// refreshes wait a few seconds, so the answer in the row (taken, or who has it) can be read
// before a live update or the timer replaces it; the refresh then runs once.
(function () {
  var READ_MS = 8000;

  function fieldChanged(section) {
    var fields = section.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") continue;
      if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) return true;
        }
      } else if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function busy(section) {
    var active = document.activeElement;
    return document.hidden || (active && active !== document.body && section.contains(active)) || fieldChanged(section);
  }

  function refreshLater(section, wait) {
    if (section.getAttribute("data-refresh-due")) return;
    section.setAttribute("data-refresh-due", "1");
    setTimeout(function () {
      section.removeAttribute("data-refresh-due");
      var live = (section.getAttribute("hx-trigger") || "").indexOf("sse:changed") >= 0;
      if (window.htmx && document.contains(section)) window.htmx.trigger(section, live ? "sse:changed" : "refresh-now");
    }, wait);
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt.hasAttribute || !elt.hasAttribute("data-poll")) {
      // A form or link inside a refreshing section: it goes through, and the section notes when.
      // A refresh of the section already on its way would land after this answer and wipe
      // it: abort it, and refresh once the answer has been read.
      var outer = elt.closest && elt.closest("[data-poll]");
      if (outer) {
        outer.setAttribute("data-acted-at", String(Date.now()));
        if (window.htmx) window.htmx.trigger(outer, "htmx:abort");
        refreshLater(outer, READ_MS);
      }
      return;
    }
    var since = Date.now() - Number(elt.getAttribute("data-acted-at") || 0);
    if (since < READ_MS) {
      evt.preventDefault();
      refreshLater(elt, READ_MS - since);
    } else if (busy(elt)) {
      evt.preventDefault();
    }
  });

  // A section that pages ("more" appends the next rows in place) is fetched again as a whole:
  // it would fall back to its first page under the eyes of the person reading further down.
  // One with data-rows="<selector>" says how many of its rows are on screen (?shown=<n>), and
  // the server renders it through at least as many (server.requests.pages.worklist_page.window).
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    var rows = elt.getAttribute && elt.getAttribute("data-rows");
    if (rows) evt.detail.parameters.shown = String(elt.querySelectorAll(rows).length);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    var sections = document.querySelectorAll("[data-poll]");
    for (var i = 0; i < sections.length; i++) {
      if (!busy(sections[i])) window.htmx.trigger(sections[i], "refresh-now");
    }
  });
})();
