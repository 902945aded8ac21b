// Time-zone pickers (<select data-zone-picker>): a box to find a city or country, and,
// where the form also asks for the country (data-country-field), only that country's
// zones, the one zone chosen by itself when the country has just one. Without
// JavaScript the select lists every country's zones in groups, the chosen country first.
(function () {
  "use strict";

  function setUp(select) {
    var form = select.form;
    var countryName = select.getAttribute("data-country-field");
    var country = countryName && form ? form.elements.namedItem(countryName) : null;
    var options = Array.prototype.slice.call(select.options);
    var groups = Array.prototype.slice.call(select.querySelectorAll("optgroup"));

    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.id = select.id + "-search";
    search.setAttribute("aria-label", select.getAttribute("data-search-label") || "");
    search.placeholder = select.getAttribute("data-search-label") || "";
    search.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(search, select);

    function matches(option, words) {
      if (!words.length) return true;
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      var text = (option.text + " " + group + " " + option.value).toLowerCase();
      return words.every(function (word) { return text.indexOf(word) !== -1; });
    }

    function apply(chooseSingle) {
      var code = country && country.value ? country.value.toUpperCase() : "";
      var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var ofCountry = [];
      options.forEach(function (option) {
        var owner = option.getAttribute("data-country");
        var inCountry = !code || !owner || owner === code;
        if (owner && owner === code) ofCountry.push(option);
        var shown = !option.value || option.selected || (inCountry && matches(option, words));
        option.hidden = !shown;
        option.disabled = !shown;
      });
      groups.forEach(function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) {
          return !option.hidden;
        });
      });
      if (chooseSingle && code) {
        var current = select.selectedOptions[0];
        var fits = current && current.getAttribute("data-country") === code;
        if (ofCountry.length === 1) {
          ofCountry[0].selected = true;
        } else if (!fits && current && current.getAttribute("data-country")) {
          select.value = "";
        }
        apply(false);
      }
    }

    search.addEventListener("input", function () { apply(false); });
    if (country) country.addEventListener("change", function () { apply(true); });
    apply(false);
  }

  document.querySelectorAll("select[data-zone-picker]").forEach(setUp);
})();
