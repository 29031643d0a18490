// The error pages' 返回上一页: the browser's own back, which keeps what was typed into the form left
// behind. A file rather than an inline script (the content security policy allows scripts from here
// only); without scripts the button stays hidden and 返回首页 remains.
(function () {
  "use strict";
  var button = document.querySelector("[data-back]");
  if (!button || window.history.length < 2) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.history.back(); });
})();
