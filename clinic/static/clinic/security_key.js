// allauth's WebAuthn script only logs a refused request to the console; say on the page what
// happened (cancelled, timed out, a key already added) so the person knows to try again or to
// use a code. A file, not inline code: the pages' Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function explain(exception) {
    var name = exception && exception.name;
    if (name === "NotAllowedError") {
      return "The security key was not used: the request was cancelled or took too long. Try again.";
    }
    if (name === "InvalidStateError") {
      return "This security key is already added to your account.";
    }
    if (name === "SecurityError" || name === "NotSupportedError") {
      return "This browser cannot use a security key on this address. Use a code instead.";
    }
    return "Your browser could not use the security key. Try again, or use a code instead.";
  }

  document.addEventListener("allauth.error", function (event) {
    var box = document.getElementById("security-key-error");
    if (!box) return;
    event.preventDefault();
    box.textContent = explain(event.detail && event.detail.exception);
    box.hidden = false;
    box.focus();
  });
})();
