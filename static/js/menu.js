// The menu on a phone: one line with a 菜单 button that opens the list of pages below the bar. A file
// rather than an inline script (the content security policy allows scripts from here only); without
// scripts the button stays hidden and the menu is shown open, as on a desk.
(function () {
  "use strict";
  var button = document.querySelector("[data-menu]");
  if (!button) return;
  var nav = document.getElementById(button.getAttribute("aria-controls"));
  document.documentElement.classList.add("has-menu-button");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  });
})();
