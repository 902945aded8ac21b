// The arrivals page keeps its figures current: every few seconds it fetches itself and
// swaps in the new count and lists, leaving the rest of the page (and the reader's place)
// alone. Without JavaScript the page reloads itself (<noscript> meta refresh).
(function () {
  "use strict";
  var live = document.getElementById("arrivals-live");
  if (!live || !window.fetch || !window.DOMParser) return;
  var delay = (parseInt(live.dataset.refreshSeconds, 10) || 30) * 1000;
  var PARTS = ["arrivals-live", "arrivals-lists"];

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        PARTS.forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) now.innerHTML = next.innerHTML;
        });
      })
      .catch(function () { /* tried again at the next turn */ })
      .then(function () { window.setTimeout(refresh, delay); });
  }

  window.setTimeout(refresh, delay);
})();
