/* Guided breathing: paces a shape and words from the phases on #breathing (data-pace
 * "in:5,out:5"), runs a timer, and fills and sends the practice form when it ends.
 * Together: both phones take the phase from the shared start (data-starts-ms) and the
 * server's clock (offset measured against data-clock-url), so no live channel is needed.
 * Plain script from our own static files: a strict Content-Security-Policy allows it. */
(function () {
  "use strict";
  var root = document.getElementById("breathing");
  var form = document.getElementById("breath-form");
  if (!root || !form || !window.fetch) { return; }

  var WORDS = { "in": "Breathe in", "in again": "A little more in", "hold": "Hold", "out": "Breathe out" };
  var phases = root.getAttribute("data-pace").split(",").map(function (part) {
    var bits = part.split(":");
    return { name: bits[0], seconds: parseFloat(bits[1]) };
  });
  var cycle = phases.reduce(function (sum, p) { return sum + p.seconds; }, 0);
  var minutes = parseInt(root.getAttribute("data-minutes"), 10) || 10;
  var sharedStart = root.getAttribute("data-starts-ms");
  sharedStart = sharedStart ? parseInt(sharedStart, 10) : null;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var shape = document.getElementById("breath-shape");
  var words = document.getElementById("breath-words");
  var timer = document.getElementById("breath-timer");
  var startButton = document.getElementById("breath-start");
  var stopButton = document.getElementById("breath-stop");
  var cues = document.getElementById("breath-cues");
  var tone = document.getElementById("breath-tone");
  var vibrate = document.getElementById("breath-vibrate");
  var after = document.getElementById("breath-after");
  var minutesBox = document.getElementById("breath-minutes");
  var autosaveNote = document.getElementById("breath-autosave");
  var offset = 0;           // server clock minus this phone's clock, in ms
  var begin = null;         // server ms of the first breath
  var lastPhase = -1;
  var running = false;
  var audio = null;

  // With the script the minutes and the after-rating come at the end, by themselves.
  if (!form.querySelector(".errorlist")) {
    after.hidden = true;
    minutesBox.hidden = true;
  }
  startButton.hidden = false;
  cues.hidden = false;
  if (reduceMotion) { root.classList.add("still"); }

  function serverNow() { return Date.now() + offset; }

  function syncClock(done) {
    // Three samples; keep the one with the shortest round trip (its midpoint is truest).
    var best = null, left = 3, url = root.getAttribute("data-clock-url");
    function sample() {
      var sent = Date.now();
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var back = Date.now(), trip = back - sent;
          if (!best || trip < best.trip) { best = { trip: trip, offset: data.now + trip / 2 - back }; }
        })
        .catch(function () {})
        .then(function () {
          left -= 1;
          if (left > 0) { sample(); } else { if (best) { offset = best.offset; } done(); }
        });
    }
    sample();
  }

  function clockText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function cue(name) {
    if (tone.checked) {
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = name === "out" ? 330 : name === "hold" ? 392 : 440;
        gain.gain.setValueAtTime(0.0001, audio.currentTime);
        gain.gain.exponentialRampToValueAtTime(0.06, audio.currentTime + 0.05);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.6);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(); osc.stop(audio.currentTime + 0.65);
      } catch (e) { /* no sound on this device */ }
    }
    if (vibrate.checked && navigator.vibrate) { navigator.vibrate(name === "out" ? [60, 80, 60] : 80); }
  }

  function phaseAt(elapsed) {
    var t = elapsed % cycle;
    for (var i = 0; i < phases.length; i += 1) {
      if (t < phases[i].seconds) { return { index: i, left: phases[i].seconds - t }; }
      t -= phases[i].seconds;
    }
    return { index: 0, left: phases[0].seconds };
  }

  function show(index, left) {
    var name = phases[index].name;
    shape.style.transitionDuration = left.toFixed(2) + "s";
    shape.classList.toggle("is-full", name === "in" || name === "in again" || (name === "hold" && shape.classList.contains("is-full")));
    root.setAttribute("data-phase", name.replace(" ", "-"));
  }

  function tick() {
    if (!running) { return; }
    var now = serverNow();
    if (now < begin) {
      words.textContent = "Starting together in " + Math.ceil((begin - now) / 1000) + " seconds…";
      window.setTimeout(tick, 250);
      return;
    }
    var elapsed = (now - begin) / 1000;
    if (elapsed >= minutes * 60) { finish(); return; }
    var at = phaseAt(elapsed);
    if (at.index !== lastPhase) {
      lastPhase = at.index;
      show(at.index, at.left);
      cue(phases[at.index].name);
    }
    words.textContent = WORDS[phases[at.index].name] + " · " + Math.ceil(at.left);
    timer.textContent = clockText(elapsed) + " of " + minutes + ":00";
    window.setTimeout(tick, 200);
  }

  function start() {
    startButton.hidden = true;
    stopButton.hidden = false;
    words.textContent = "Getting ready…";
    syncClock(function () {
      begin = sharedStart || serverNow();
      if (sharedStart && serverNow() > sharedStart + minutes * 60000) {
        words.textContent = "This practice together has ended.";
        stopButton.hidden = true;
        return;
      }
      running = true;
      tick();
    });
  }

  function finish() {
    if (!running) { return; }
    running = false;
    var practised = Math.max(1, Math.round((serverNow() - Math.max(begin, 0)) / 60000));
    form.elements.minutes.value = Math.min(practised, 240);
    form.elements.started_ms.value = Math.round(begin);
    shape.classList.remove("is-full");
    stopButton.hidden = true;
    words.textContent = "Well done. Take a moment, then say how you feel.";
    after.hidden = false;
    autosaveNote.hidden = false;
    document.getElementById("breath-after-heading").focus();
    // Saved by itself if nothing more is done, so a practice with eyes closed still counts.
    window.setTimeout(function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }, 60000);
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", finish);
}());
