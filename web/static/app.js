// Lianxin's only script of its own: loaded from a file (the CSP forbids inline script).
// When htmx cannot reach the server at all, say so in the page's alert region; the
// translated text comes from the region's data-offline-message attribute.
document.addEventListener("htmx:sendError", function () {
  var alerts = document.getElementById("alerts");
  if (!alerts) return;
  var box = document.createElement("p");
  box.className = "alert";
  box.textContent = alerts.getAttribute("data-offline-message");
  alerts.replaceChildren(box);
});

// Files over the limits are said before anything is sent (the server checks again): a file
// input with data-max-file-bytes / data-max-total-bytes blocks its form's submission and
// shows the translated message from its data-too-large-* attributes.
function oversizedFiles(input) {
  var each = Number(input.getAttribute("data-max-file-bytes"));
  var total = Number(input.getAttribute("data-max-total-bytes"));
  var sum = 0;
  for (var i = 0; i < input.files.length; i++) {
    var file = input.files[i];
    if (each && file.size > each) {
      return input.getAttribute("data-too-large-file").replace("{name}", file.name);
    }
    sum += file.size;
  }
  if (total && sum > total) {
    return input.getAttribute("data-too-large-total").replace("{total}", Math.ceil(sum / 1048576));
  }
  return "";
}

function checkFileSizes(input) {
  var message = oversizedFiles(input);
  var box = document.getElementById(input.id.replace(/^field-/, "") + "-size-error");
  if (box) {
    box.textContent = message;
    box.hidden = !message;
  }
  input.setCustomValidity(message);
  return !message;
}

document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.matches && input.matches("input[type=file][data-max-file-bytes]")) checkFileSizes(input);
});

document.addEventListener("submit", function (event) {
  var inputs = event.target.querySelectorAll("input[type=file][data-max-file-bytes]");
  for (var i = 0; i < inputs.length; i++) {
    if (!checkFileSizes(inputs[i])) {
      event.preventDefault();
      inputs[i].focus();
      return;
    }
  }
}, true);

// A button with data-print prints the page (the receipt 回执); without script, the browser's
// own Print does the same.
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});

// The header's group menus (<details class="nav-group">) open and close without script; with
// it, a click elsewhere or Escape closes an open one, as a menu would.
document.addEventListener("click", function (event) {
  document.querySelectorAll("details.nav-group[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.nav-group[open]").forEach(function (menu) {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
});

// A live update or a refresh replaces a section while the person may have a disclosure open in
// it (the "complete" form on a request page, "release" on a desk row): the new markup comes
// closed, and what they opened (and any words typed in it) would vanish under them. Just before
// each swap, note every open <details> (by the first id inside it, else its nearest id and
// class) and the fields typed in it; when the new content arrives, open the same ones again
// and put the words back. Not the one the person acted from: the answer to that decides.
var reopen = {keys: {}, values: {}};

function disclosureKey(details) {
  var inner = details.querySelector("[id]");
  if (inner) return "#" + inner.id;
  var outer = details.parentElement && details.parentElement.closest("[id]");
  return outer ? outer.id + "|" + details.className : "";
}

document.addEventListener("htmx:beforeSwap", function (event) {
  var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
  reopen = {keys: {}, values: {}};
  document.querySelectorAll("details[open]:not(.nav-group)").forEach(function (details) {
    if (elt && details.contains(elt)) return;
    var key = disclosureKey(details);
    if (!key) return;
    reopen.keys[key] = true;
    details.querySelectorAll("textarea[id], input[id]:not([type=hidden]):not([type=file])").forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") return;
      if (field.value !== field.defaultValue) reopen.values[field.id] = field.value;
    });
  });
});

document.addEventListener("htmx:load", function (event) {
  var root = event.target;
  if (!root.querySelectorAll) return;
  var found = root.matches && root.matches("details") ? [root] : [];
  root.querySelectorAll("details:not([open])").forEach(function (d) { found.push(d); });
  found.forEach(function (details) {
    if (!reopen.keys[disclosureKey(details)]) return;
    details.setAttribute("open", "");
    details.querySelectorAll("textarea[id], input[id]").forEach(function (field) {
      if (Object.prototype.hasOwnProperty.call(reopen.values, field.id)) field.value = reopen.values[field.id];
    });
  });
});
