// A minute before the session's idle limit, offer to stay signed in; at the limit, reload so
// the server shows the login page instead of a page of records left open on the screen.
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.getAttribute("data-idle-seconds"));
  var banner = document.getElementById("idle-warning");
  if (!idle || !banner) return;
  var stay = banner.querySelector("button");
  var warnTimer, endTimer;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      banner.hidden = false;
      stay.focus();
    }, Math.max(0, idle - 60) * 1000);
    endTimer = setTimeout(function () {
      window.location.reload();
    }, (idle + 2) * 1000);
  }

  stay.addEventListener("click", function () {
    fetch(body.getAttribute("data-keep-alive"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": body.getAttribute("data-csrf") },
    }).then(function (response) {
      if (!response.ok) {
        window.location.reload();
        return;
      }
      banner.hidden = true;
      schedule();
    });
  });
  schedule();
})();
