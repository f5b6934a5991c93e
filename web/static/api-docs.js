// Starts the vendored Swagger UI on /api/v1/docs (an external file: the page's CSP allows no
// inline script). The document's URL comes from the page's data-openapi-url attribute.
(function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
