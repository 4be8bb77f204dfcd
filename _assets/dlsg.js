// Outputs too wide (or too long) for their box scroll inside it; a keyboard user must be able
// to reach and scroll them too (WCAG 2.1.1; axe-core's scrollable-region-focusable): such boxes
// get a tab stop and a name.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.cell_output pre, div.highlight pre, div.output pre, .cell_output .output")
    .forEach(function (box) {
      var style = window.getComputedStyle(box);
      var scrolls = /(auto|scroll)/.test(style.overflowX + style.overflowY) &&
        (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight);
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "scrollable output");
      }
    });
});
