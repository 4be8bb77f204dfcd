// Outputs too wide (or too long) for their box scroll inside it; a keyboard user must be able
// to reach and scroll them too (WCAG 2.1.1; axe-core's scrollable-region-focusable): such boxes
// get a tab stop and a name. The role is "group", not "region": a chapter has dozens of such
// boxes, and as landmarks they would crowd a screen reader's list of landmarks (and need a
// name each, axe-core's landmark-unique); a name on an element without a role is not allowed.
// Widget outputs (progress bars) are drawn by the widget manager after the page has loaded,
// so the check runs again whenever an output area changes.
var DLSG_SCROLL_BOXES = "div.cell_output pre, div.highlight pre, div.output pre, .cell_output .output, " +
  ".cell_output .jupyter-widgets, .cell_output .widget-container";
function dlsgFocusableScrollBoxes() {
  document.querySelectorAll(DLSG_SCROLL_BOXES).forEach(function (box) {
    var style = window.getComputedStyle(box);
    var scrolls = /(auto|scroll)/.test(style.overflowX + style.overflowY) &&
      (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight);
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", box.closest(".cell_output, .output") ? "output (scrolls)" : "code (scrolls)");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () {
  dlsgFocusableScrollBoxes();
  var pending = null;
  var watch = new MutationObserver(function () {
    if (pending === null) pending = window.setTimeout(function () { pending = null; dlsgFocusableScrollBoxes(); }, 50);
  });
  document.querySelectorAll(".cell_output").forEach(function (out) {
    watch.observe(out, {childList: true, subtree: true});
  });
});
window.addEventListener("load", dlsgFocusableScrollBoxes);
window.addEventListener("resize", dlsgFocusableScrollBoxes);

// The theme's colour-mode and search buttons have an aria-label ("Color mode", "Search") that
// does not contain their visible text: Font Awesome turns each icon into an <svg> with a
// <title> ("Light", "Dark", "System Settings"), and the search field shows a "Ctrl+K" hint.
// axe-core reports it as label-content-name-mismatch (WCAG 2.5.3, serious). The icons become
// decorative, and each search button is named by the text it shows.
function dlsgNameThemeButtons() {
  document.querySelectorAll(".theme-switch-button, .search-button__button").forEach(function (b) {
    b.querySelectorAll("svg, i").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
      icon.removeAttribute("role");
      icon.removeAttribute("aria-labelledby");
      icon.removeAttribute("title");
      var title = icon.querySelector("title");
      if (title) title.remove();
    });
    var shown = (b.innerText || "").replace(/\s+/g, " ").trim();
    if (shown && b.getAttribute("aria-label") !== shown) b.setAttribute("aria-label", shown);
  });
}
// Two more from the extensions' HTML: myst-nb's folded cells are <summary aria-label="Toggle
// hidden content"> around the visible "Show code cell content" (the same mismatch: the visible
// text names them), and sphinxcontrib-bibtex marks each reference with the deprecated ARIA role
// doc-biblioentry inside a role="list" (axe-core: aria-required-children, critical).
function dlsgFixExtensionAria() {
  document.querySelectorAll("summary[aria-label]").forEach(function (s) {
    if ((s.innerText || s.textContent || "").trim()) s.removeAttribute("aria-label");
  });
  document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach(function (e) {
    e.setAttribute("role", "listitem");
  });
}
document.addEventListener("DOMContentLoaded", dlsgFixExtensionAria);
window.addEventListener("load", function () { dlsgFixExtensionAria(); dlsgNameThemeButtons(); });
document.addEventListener("DOMContentLoaded", function () {
  dlsgNameThemeButtons();
  // Font Awesome replaces the icons after this script has run: name them again when it does.
  var watch = new MutationObserver(dlsgNameThemeButtons);
  document.querySelectorAll(".theme-switch-button, .search-button__button").forEach(function (b) {
    watch.observe(b, {childList: true, subtree: true});
  });
});

// The theme's primary sidebar (the book's title, the search button, the table of contents) is
// not inside a landmark, so a screen reader's landmark list skips the title and the search
// (axe-core: region). It becomes a complementary landmark; on a phone the theme moves its
// content into a dialog while it is open, which is a region of its own.
function dlsgSidebarLandmark() {
  var side = document.querySelector(".bd-sidebar-primary");
  if (side && !side.hasAttribute("role") && !side.closest("main, [role=main], aside, nav")) {
    side.setAttribute("role", "complementary");
    side.setAttribute("aria-label", "Book sidebar");
  }
}
document.addEventListener("DOMContentLoaded", dlsgSidebarLandmark);

// A figure shown smaller than it was drawn (a wide figure, a phone screen) opens at its natural
// size when tapped or clicked: the image becomes a link to itself, so it is reachable with the
// keyboard (Tab, Enter) and the browser's own zoom works on it. Animation players (whose image
// changes every frame) and images that already are links are left alone.
function dlsgFullSizeFigures() {
  document.querySelectorAll(".cell_output img, figure img").forEach(function (img) {
    if (img.closest("a") || !img.complete || !img.naturalWidth) return;
    if (/^_anim_img/.test(img.id) || /^data:/.test(img.currentSrc || img.src)) return;
    if (img.naturalWidth <= img.clientWidth + 1) return;
    var link = document.createElement("a");
    link.className = "dlsg-full-size";
    link.href = img.currentSrc || img.src;
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = " (open the figure at full size)";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
    link.appendChild(hint);
  });
}
window.addEventListener("load", dlsgFullSizeFigures);
window.addEventListener("resize", function () {
  window.clearTimeout(dlsgFullSizeFigures.pending);
  dlsgFullSizeFigures.pending = window.setTimeout(dlsgFullSizeFigures, 100);
});
