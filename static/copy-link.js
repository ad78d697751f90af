/* The Copy button beside a link to copy (calendar feeds): shown only where the browser can copy
   (the Clipboard API, which needs https or localhost); without it, or without JavaScript, the link
   stays a selectable text. The result is said beside the button (aria-live), in the page's language
   (the button's data-copied / data-failed). */
(function () {
  "use strict";
  if (!navigator.clipboard || !navigator.clipboard.writeText) { return; }
  document.querySelectorAll("button.copy-link[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!field || !status) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "";
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = button.getAttribute("data-copied");
      }, function () {
        field.focus();
        field.select();
        status.textContent = button.getAttribute("data-failed");
      });
    });
  });
})();
