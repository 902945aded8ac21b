// Loaded on the page after signing out: what a check-in desk kept on this device for use
// offline (its page, and the badge list with the delegates' names) leaves with the
// sign-in. Scans not yet sent stay, for the next person allowed at the desk to send.
(function () {
  "use strict";
  var html = document.documentElement;
  var waiting = [];

  if (window.caches) {
    waiting.push(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("expo-check-in") === 0;
      }).map(function (name) { return caches.delete(name); }));
    }));
  }
  if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
    waiting.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
      return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
    }));
  }
  if (window.indexedDB && indexedDB.databases) {
    waiting.push(indexedDB.databases().then(function (databases) {
      var kept = databases.some(function (database) { return database.name === "expo-check-in"; });
      if (!kept) return null;
      return new Promise(function (resolve) {
        var request = indexedDB.open("expo-check-in");
        request.onerror = resolve;
        request.onsuccess = function () {
          var database = request.result;
          if (!database.objectStoreNames.contains("lists")) { database.close(); resolve(); return; }
          var change = database.transaction("lists", "readwrite");
          change.objectStore("lists").clear();
          change.oncomplete = change.onerror = function () { database.close(); resolve(); };
        };
      });
    }));
  }
  Promise.all(waiting).catch(function () { /* nothing kept, or not allowed: nothing to do */ })
    .then(function () { html.dataset.offlineForgotten = "true"; });
})();
