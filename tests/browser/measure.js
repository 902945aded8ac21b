// What the browser tests measure on a page, defined as window.expoMeasure. Loaded through
// the DevTools protocol (page.evaluate), which the Content-Security-Policy does not stop.
(() => {
  // --- colours and contrast (WCAG 2.1) ---------------------------------------------------
  function parse(colour) {
    const match = colour.match(/rgba?\(([^)]+)\)/);
    if (!match) return null;
    const parts = match[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  }

  function over(top, bottom) {
    const a = top.a;
    return {
      r: top.r * a + bottom.r * (1 - a),
      g: top.g * a + bottom.g * (1 - a),
      b: top.b * a + bottom.b * (1 - a),
      a: 1,
    };
  }

  function luminance({ r, g, b }) {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  }

  function contrast(first, second) {
    const [light, dark] = [luminance(first), luminance(second)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  }

  // The colour behind an element: its ancestors' backgrounds laid over white.
  function backgroundBehind(element) {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), { r: 255, g: 255, b: 255, a: 1 });
  }

  function visible(element) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    // A control hidden for the eye but kept for screen readers (1 px, clipped: what a
    // searchable picker leaves of the native select) draws nothing to measure.
    const clipped =
      style.position === "absolute" && box.width <= 1 &&
      (style.clip === "rect(0px, 0px, 0px, 0px)" || style.clipPath === "inset(50%)");
    return box.width > 0 && box.height > 0 && !clipped && style.visibility !== "hidden" && style.display !== "none";
  }

  function describe(element) {
    const id = element.id ? `#${element.id}` : "";
    const name = element.getAttribute("name");
    const text = (element.innerText || element.value || "").trim().slice(0, 40);
    return `${element.tagName.toLowerCase()}${id}${name ? `[name=${name}]` : ""} "${text}"`;
  }

  // --- times and titles ----------------------------------------------------------------
  function textBox(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const rects = [...range.getClientRects()].filter((rect) => rect.width > 1 && rect.height > 1);
    return rects;
  }

  function intersects(a, b) {
    const slack = 0.5; // sub-pixel rounding of adjoining boxes
    return a.left < b.right - slack && b.left < a.right - slack && a.top < b.bottom - slack && b.top < a.bottom - slack;
  }

  function overflows(element) {
    return element.scrollWidth > element.clientWidth + 1;
  }

  // Each row of a list of times: the cell that holds its times must not meet any other
  // cell of the row (the title, the buttons), and no text may run out of its cell.
  // Returns a line per problem.
  function timesAndTitles(rowSelectors) {
    const problems = [];
    for (const rowSelector of rowSelectors) {
      for (const row of document.querySelectorAll(rowSelector)) {
        if (!visible(row)) continue;
        const cells = [...row.children].filter(visible);
        const time = cells.find((cell) => cell.querySelector("time"));
        if (!time) continue;
        const label = `"${time.innerText.trim().replace(/\s+/g, " ")}"`;
        const timeRects = textBox(time);
        for (const other of cells.filter((cell) => cell !== time)) {
          const otherRects = textBox(other);
          const name = `"${other.innerText.trim().slice(0, 30)}"`;
          if (timeRects.some((a) => otherRects.some((b) => intersects(a, b)))) {
            problems.push(`${label} runs into ${name}`);
          }
        }
        for (const cell of cells) {
          const box = cell.getBoundingClientRect();
          const rects = textBox(cell);
          const outside = rects.some((rect) => rect.right > box.right + 1 || rect.left < box.left - 1);
          if (outside || overflows(cell)) {
            problems.push(`text overflows its box: "${cell.innerText.trim().slice(0, 30)}" in the row of ${label}`);
          }
        }
      }
    }
    if (document.scrollingElement.scrollWidth > window.innerWidth + 1) {
      problems.push(`the page is wider than the window (${document.scrollingElement.scrollWidth} px)`);
    }
    return problems;
  }

  // --- controls and focus --------------------------------------------------------------
  // A searchable picker's box (.ts-wrapper) is the control the eye sees in its select's place.
  const CONTROLS = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=file]), select, textarea, .ts-wrapper";

  function controlBorders(minimum) {
    const problems = [];
    for (const control of document.querySelectorAll(CONTROLS)) {
      if (!visible(control)) continue;
      const style = getComputedStyle(control);
      if (control.matches(".ts-control input")) continue; // drawn inside the picker's box
      if (style.appearance !== "none" && !control.matches(".form-control, .form-select, .form-check-input, .ts-wrapper")) {
        continue; // the browser's own control, drawn in its own contrasting colours
      }
      const behind = backgroundBehind(control.parentElement);
      const border = parse(style.borderTopColor);
      const width = parseFloat(style.borderTopWidth);
      const ratio = border ? contrast(over(border, behind), behind) : 0;
      if (width < 1 || ratio < minimum) {
        problems.push(`${describe(control)} border ${style.borderTopColor} ${width}px: ${ratio.toFixed(2)}:1`);
      }
    }
    return problems;
  }

  const FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

  // Focus every focusable element in turn (after one Tab, so the browser draws rings as
  // for a keyboard user) and check the ring: at least 2 px, at least 3:1 to what is
  // around it.
  function focusRings(minimum) {
    const problems = [];
    let checked = 0;
    for (const element of document.querySelectorAll(FOCUSABLE)) {
      element.focus();
      if (document.activeElement !== element || !visible(element)) continue;
      checked += 1;
      let style = getComputedStyle(element);
      if (element.matches(".stretched-link")) style = getComputedStyle(element, "::after");
      // A searchable picker draws the ring around its whole box, not its typing field.
      if (element.matches(".ts-control input")) style = getComputedStyle(element.closest(".ts-wrapper"));
      const width = style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth);
      const offset = parseFloat(style.outlineOffset) || 0;
      // A ring drawn outside the element is seen against what surrounds it.
      const ringed = element.matches(".ts-control input") ? element.closest(".ts-wrapper") : element;
      const around = backgroundBehind(offset > 0 ? ringed.parentElement : ringed);
      const ring = parse(style.outlineColor);
      const ratio = ring ? contrast(over(ring, around), around) : 0;
      if (width < 2 || ratio < minimum) {
        problems.push(`${describe(element)} ring ${style.outlineStyle} ${style.outlineColor} ${width}px: ${ratio.toFixed(2)}:1`);
      }
    }
    document.activeElement && document.activeElement.blur();
    return { checked, problems };
  }

  window.expoMeasure = { timesAndTitles, controlBorders, focusRings, contrast: (a, b) => contrast(parse(a), parse(b)) };
})();
