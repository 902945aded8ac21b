// A form shown again with mistakes: the focus moves to the error summary at its top, so
// a screen reader reads the list and a keyboard user starts from it. A link of the
// summary moves the focus into its field (a group's first control), not just the view.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) return;

  function focusable(target) {
    if (target.matches("input, select, textarea, button")) return target;
    return target.querySelector("input:not([type=hidden]), select, textarea");
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    var control = focusable(target);
    if (!control) return;
    event.preventDefault();
    // A searchable picker hides its <select>: focus the box that stands for it.
    var shown = control.tomselect ? control.tomselect.control_input : control;
    var label = document.querySelector("label[for='" + control.id + "']");
    (label || target).scrollIntoView({ block: "center" });
    shown.focus({ preventScroll: true });
  });

  summary.focus();
})();
