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
