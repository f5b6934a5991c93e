// Auto-refresh that gets out of the way. A section marked data-poll fetches itself again on
// a timer (hx-trigger="every 15s"); this skips a round while the tab is hidden, or while the
// person is working inside the section (focus in it, or a form field changed and not yet
// sent), so a refresh never throws away what they were doing. On returning to the tab the
// section refreshes at once.
(function () {
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

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var section = evt.detail.elt;
    // Only the section's own refresh; the forms and links inside it go through.
    if (section.hasAttribute && section.hasAttribute("data-poll") && busy(section)) {
      evt.preventDefault();
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    var sections = document.querySelectorAll("[data-poll]");
    for (var i = 0; i < sections.length; i++) {
      if (!busy(sections[i])) window.htmx.trigger(sections[i], "refresh-now");
    }
  });
})();
