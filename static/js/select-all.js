// The "tick every application on this page" box of the review list; without JavaScript
// it stays hidden and each row is ticked by hand.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) return;
  all.hidden = false;
  all.addEventListener("change", function () {
    document.querySelectorAll('#bulk-form input[name="application_ids"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
