// "Leave quickly" in the portal: the button, Escape pressed twice, or Alt+Q (in every browser,
// not only where accesskey maps to Alt). It replaces this page in the history, so Back does
// not return to Attune; the server ends the session and sends the browser to a neutral site.
(function () {
  "use strict";
  var link = document.getElementById("leave-quickly");
  if (!link) return;
  var lastEscape = 0;

  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true;
    window.location.replace(link.href);
  }

  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "q" || event.key === "Q" || event.code === "KeyQ")) {
      leave(event);
    } else if (event.key === "Escape") {
      var now = Date.now();
      if (now - lastEscape < 1000) leave(event);
      lastEscape = now;
    }
  });
})();
