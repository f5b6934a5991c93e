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
