// The check-in desk answers each scan in place: the form is posted with fetch and the
// answer (JSON) is shown in the result box, the scan field emptied and focused for the
// next badge. Without JavaScript the same form posts and the page comes back with it.
//
// Offline, the desk goes on: it keeps the event's badge list (signed by the server, and
// checked here before use) in IndexedDB, answers from it, queues each scan with the time
// it was made and sends the queue once the network is back. A service worker keeps the
// page and its files so that the page also opens offline.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form || !window.fetch) return;
  var code = document.getElementById("code");
  var desk = document.getElementById("desk");
  var box = document.getElementById("check-in-result");
  var answer = box.querySelector(".check-in-answer");
  var texts = document.getElementById("check-in-texts").dataset;
  var count = document.getElementById("sync-count");
  var waiting = document.getElementById("sync-waiting");
  var eventId = Number(form.dataset.eventId);
  var KINDS = { checked_in: "alert-success", already_checked_in: "alert-warning", saved_offline: "alert-info" };
  var DESK_KEY = "expo.check-in.desk";
  var TOKEN_IN_ADDRESS = /\/check-in\/([A-Za-z0-9_.\-]+)\/?(?:[?#].*)?$/;

  function show(outcome, message) {
    box.className = "check-in-result alert " + (KINDS[outcome] || "alert-danger");
    box.dataset.outcome = outcome;
    answer.textContent = message;
  }

  function say(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) { return values[name] || ""; });
  }

  function remember() {
    try { window.localStorage.setItem(DESK_KEY, desk.value); } catch (e) { /* private mode */ }
    document.querySelectorAll("input[type=hidden][name=desk]").forEach(function (input) {
      input.value = desk.value;
    });
  }

  try {
    if (!desk.value) desk.value = window.localStorage.getItem(DESK_KEY) || "";
  } catch (e) { /* private mode */ }
  remember();
  desk.addEventListener("change", remember);

  // --- the local store ---------------------------------------------------------------
  var database = new Promise(function (resolve, reject) {
    if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
    var request = window.indexedDB.open("expo-check-in", 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore("lists", { keyPath: "event_id" });
      request.result.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });

  function store(name, mode, work) {
    return database.then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var result = work(transaction.objectStore(name));
        transaction.oncomplete = function () { resolve(result && result.result); };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  function queued() {
    return store("queue", "readonly", function (queue) { return queue.getAll(); })
      .then(function (scans) {
        return (scans || []).filter(function (scan) { return scan.event_id === eventId; });
      });
  }

  function showWaiting() {
    return queued().then(function (scans) {
      count.textContent = String(scans.length);
      waiting.hidden = scans.length === 0;
    });
  }

  // --- the signed badge list ---------------------------------------------------------
  var badges = null; // token -> entry, from a list whose signature was checked
  var signedList = null;

  function bytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function genuine(signed) {
    if (!signed || typeof signed.body !== "string" || typeof signed.signature !== "string" ||
        !window.crypto || !window.crypto.subtle) return Promise.resolve(false);
    var subtle = window.crypto.subtle;
    return subtle.importKey("raw", bytes(form.dataset.listKey), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])
      .then(function (key) {
        return subtle.verify("HMAC", key, bytes(signed.signature), new TextEncoder().encode(signed.body));
      })
      .catch(function () { return false; });
  }

  function use(signed) {
    return genuine(signed).then(function (ok) {
      if (!ok) return false;
      var list = JSON.parse(signed.body);
      if (list.event_id !== eventId) return false;
      badges = {};
      list.badges.forEach(function (entry) { badges[entry.token] = entry; });
      signedList = signed;
      form.dataset.listReady = "true";
      return true;
    });
  }

  function loadStoredList() {
    return store("lists", "readonly", function (lists) { return lists.get(eventId); })
      .then(function (saved) {
        if (!saved) return;
        return use(saved.signed).then(function (ok) {
          if (!ok) show("refused", texts.listRefused);
        });
      });
  }

  // A sign-in that lapsed (401) or desk access taken back (403) is no network failure: the
  // desk says so, and the badge list, names of people, is no longer kept on this device.
  // Scans already queued stay until someone allowed to sends them.
  var signedOut = ""; // what the desk says while it may not send: why
  function refusedAccess(response) {
    if (response.status !== 401 && response.status !== 403) return false;
    signedOut = response.status === 401 ? texts.signedOut : texts.accessEnded;
    badges = null;
    signedList = null;
    store("lists", "readwrite", function (lists) { lists.delete(eventId); }).catch(function () { /* none kept */ });
    show("signed_out", signedOut);
    return true;
  }

  function fetchList() {
    return fetch(form.dataset.listUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (refusedAccess(response)) throw new Error("signed out");
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (signed) {
        return use(signed).then(function (ok) {
          if (!ok) throw new Error("refused");
          return store("lists", "readwrite", function (lists) {
            lists.put({ event_id: eventId, signed: signed });
          }).then(function () {
            form.dataset.listSaved = "true"; // kept on the device for offline use
          });
        });
      });
  }

  // --- scanning ------------------------------------------------------------------------
  function post(scan) {
    var data = new FormData(form);
    data.set("code", scan);
    return fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (refusedAccess(response)) throw new Error("signed out");
      if (!response.ok && response.status !== 422) throw new Error(String(response.status));
      return response.json();
    }).then(function (result) {
      if (result.outcome) show(result.outcome, result.message);
      return result;
    });
  }

  function keepOffline(scan) {
    var match = TOKEN_IN_ADDRESS.exec(scan.trim());
    var entry = badges && badges[match ? match[1] : scan.trim()];
    if (badges && !entry) { show("unknown_badge", texts.offlineUnknown); return Promise.resolve(); }
    if (entry && !entry.approved) { show("not_approved", say(texts.offlineNotApproved, entry)); return Promise.resolve(); }
    var record = { event_id: eventId, code: scan, scanned_at: new Date().toISOString(), desk: desk.value };
    return store("queue", "readwrite", function (queue) { queue.add(record); }).then(function () {
      if (signedOut) show("signed_out", signedOut);
      else if (!entry) show("saved_offline", texts.offlineNoList);
      else if (entry.checked_in) show("already_checked_in", say(texts.offlineAlready, entry));
      else show("saved_offline", say(texts.offlineSaved, entry));
      if (entry) entry.checked_in = true;
      return showWaiting();
    });
  }

  function scan(text) {
    if (!navigator.onLine) return keepOffline(text);
    return post(text).catch(function () { return keepOffline(text); });
  }
  window.expoCheckIn = scan;

  var syncing = false;
  // A morning offline at a busy door is sent in several posts: the server takes at most
  // 500 scans at a time, and only the scans it answered leave the device.
  var SYNC_BATCH = 200;
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var more = false;
    return queued().then(function (waiting) {
      if (!waiting.length) return;
      var scans = waiting.slice(0, SYNC_BATCH);
      return (signedList ? Promise.resolve() : fetchList()).then(function () {
        var token = form.querySelector("input[name=csrf_token]");
        var headers = { "Content-Type": "application/json", Accept: "application/json" };
        if (token) headers["X-CSRFToken"] = token.value;
        return fetch(form.dataset.syncUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: headers,
          body: JSON.stringify({ list: signedList, scans: scans }),
        });
      }).then(function (response) {
        if (refusedAccess(response)) throw new Error("signed out");
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (answer) {
        // A scan the server would not admit (its application withdrawn meanwhile, a badge
        // the device did not know) is told now, in the server's words.
        var refused = (answer.results || []).filter(function (result) {
          return result.outcome !== "checked_in" && result.outcome !== "already_checked_in";
        });
        if (refused.length) show(refused[refused.length - 1].outcome, refused[refused.length - 1].message);
        return store("queue", "readwrite", function (queue) {
          scans.forEach(function (scan) { queue.delete(scan.id); });
        }).then(function () { more = waiting.length > scans.length; });
      }).then(function () { return fetchList(); });
    }).catch(function () { /* tried again when the network comes back */ })
      .then(function () { syncing = false; return showWaiting(); })
      .then(function () { return more ? sync() : null; });
  }

  window.addEventListener("online", sync);
  loadStoredList()
    .then(function () { return navigator.onLine ? fetchList() : null; })
    .catch(function () { /* offline, or a list refused: said above */ })
    .then(sync);
  showWaiting().catch(function () { /* no IndexedDB: online only */ });

  if (navigator.serviceWorker && form.dataset.workerUrl) {
    navigator.serviceWorker.register(form.dataset.workerUrl).catch(function () { /* online only */ });
  }

  form.addEventListener("submit", function (event) {
    if (!code.value.trim()) return;
    event.preventDefault();
    var text = code.value;
    code.value = "";
    scan(text);
    code.focus();
  });
  code.focus();

  // The camera: qr-scanner (static/vendor) reads the badge's QR code from the video and
  // the address goes the way a typed one does. The same badge held in front of the camera
  // is read many times a second; it is sent once every few seconds at most.
  var camera = document.getElementById("camera");
  if (!camera || !window.QrScanner || !navigator.mediaDevices) return;
  camera.hidden = false;
  var video = document.getElementById("camera-video");
  var start = document.getElementById("camera-start");
  var stop = document.getElementById("camera-stop");
  var failed = document.getElementById("camera-error");
  var REPEAT_MS = 4000;
  var last = { text: "", at: 0 };
  var scanner = new window.QrScanner(video, function (result) {
    var text = result.data || result;
    var now = Date.now();
    if (text === last.text && now - last.at < REPEAT_MS) return;
    last = { text: text, at: now };
    scan(text);
  }, { returnDetailedScanResult: true, maxScansPerSecond: 5 });

  function running(on) {
    video.hidden = !on;
    start.hidden = on;
    stop.hidden = !on;
  }

  start.addEventListener("click", function () {
    failed.hidden = true;
    scanner.start().then(function () { running(true); }, function () {
      failed.hidden = false;
      running(false);
    });
  });
  stop.addEventListener("click", function () {
    scanner.stop();
    running(false);
  });
})();
