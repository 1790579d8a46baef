// Harmony's own script (no inline script is allowed by the pages' policy).
// A page left for another one may be kept in the back/forward cache with its
// live connection open, and browsers allow only six connections to one
// server: close it when the page is hidden, and reload a page brought back.
addEventListener("pagehide", function () {
  document.querySelectorAll("[sse-connect]").forEach(function (el) {
    htmx.trigger(el, "htmx:beforeCleanupElement");
  });
});
addEventListener("pageshow", function (event) {
  if (event.persisted) location.reload();
});
