// Long pickers (target markets, an enterprise, a nationality) become searchable: every
// <select data-searchable> is enhanced with Tom Select (static/vendor/). Without
// JavaScript, or before it has loaded, the native <select> is there and posts the same.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    if (select.tomselect) return;
    var multiple = select.multiple;
    var label = document.querySelector("label[for='" + select.id + "']");
    var options = {
      maxOptions: null,
      allowEmptyOption: !multiple,
      hidePlaceholder: multiple,
      plugins: multiple ? ["remove_button", "checkbox_options"] : [],
      placeholder: select.getAttribute("data-placeholder") || undefined,
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = select.getAttribute("data-no-results") || "—";
          return div;
        },
      },
    };
    var picker = new window.TomSelect(select, options);
    // The hint for the native control ("hold Ctrl to choose several") no longer applies.
    var hint = select.getAttribute("data-searchable-hint");
    var help = document.getElementById(select.id + "-help");
    if (hint && help) help.textContent = hint;
    // Name the typing box like the field, and tie it to the field's help and errors.
    var input = picker.control_input;
    if (label && !input.hasAttribute("aria-labelledby")) {
      if (!label.id) label.id = select.id + "-label";
      input.setAttribute("aria-labelledby", label.id);
    }
    // Tom Select points the label's "for" at its typing box: the native select, still in
    // the accessibility tree, keeps its name through the label's id.
    if (label) {
      if (!label.id) label.id = select.id + "-label";
      select.setAttribute("aria-labelledby", label.id);
    }
    var described = select.getAttribute("aria-describedby");
    if (described) input.setAttribute("aria-describedby", described);
    if (select.getAttribute("aria-invalid") === "true") {
      picker.wrapper.classList.add("is-invalid");
    }
  });
})();
