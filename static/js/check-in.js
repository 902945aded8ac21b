// The check-in desk answers each scan in place: the form is posted with fetch and the
// answer (JSON) is shown in the result box, the scan field emptied and focused for the
// next badge. Without JavaScript the same form posts and the page comes back with it.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form || !window.fetch) return;
  var code = document.getElementById("code");
  var desk = document.getElementById("desk");
  var box = document.getElementById("check-in-result");
  var answer = box.querySelector(".check-in-answer");
  var KINDS = { checked_in: "alert-success", already_checked_in: "alert-warning" };
  var DESK_KEY = "expo.check-in.desk";

  function show(result) {
    box.className = "check-in-result alert " + (KINDS[result.outcome] || "alert-danger");
    box.dataset.outcome = result.outcome;
    answer.textContent = result.message;
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

  window.expoCheckIn = function (scan) {
    var data = new FormData(form);
    data.set("code", scan);
    return fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok && response.status !== 422) throw new Error(String(response.status));
      return response.json();
    }).then(function (result) {
      if (result.outcome) show(result);
      return result;
    });
  };

  form.addEventListener("submit", function (event) {
    if (!code.value.trim()) return;
    event.preventDefault();
    var scan = code.value;
    code.value = "";
    window.expoCheckIn(scan).catch(function () {
      // The network failed: post the plain form, which shows the browser's own error.
      code.value = scan;
      form.submit();
    });
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
    window.expoCheckIn(text).catch(function () { /* the answer box keeps the last one */ });
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
