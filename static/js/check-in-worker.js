// The check-in desk's service worker: the check-in page and the files it loads are kept
// as last fetched, so that the page opens without a network. Network first: online, the
// desk always gets the page as it is now. Nothing else of the site is touched.
"use strict";
var CACHE = "expo-check-in-v1";
var PAGE = /\/manage\/events\/\d+\/check-in$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var kept = PAGE.test(url.pathname) || url.pathname.indexOf("/static/") === 0 ||
    url.pathname.indexOf("/bootstrap/static/") === 0;
  if (!kept) return;
  event.respondWith(
    fetch(request).then(function (response) {
      // A page that ended elsewhere (the sign-in form, after a session lapsed) is not the
      // desk's page: it is shown, never kept under the desk's address.
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE.test(url.pathname) ? url.pathname : request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(PAGE.test(url.pathname) ? url.pathname : request).then(function (hit) {
        return hit || Response.error();
      });
    })
  );
});
