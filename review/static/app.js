// ecwatch review: keyboard shortcuts, the queue's row selection, and scrolling the screenshot to the
// outlined element. No inline script anywhere (the Content-Security-Policy allows only this file).
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function toggleHelp() {
    var help = document.getElementById("help");
    if (help) help.hidden = !help.hidden;
  }

  // Finding page: c confirms, e escalates, d dismisses once a reason is chosen (else focuses the reason list).
  function activate(key) {
    var target = document.querySelector('[data-key="' + key + '"]');
    if (!target) return false;
    if (key === "d") {
      var reason = document.querySelector('#decide [data-key="reason"]');
      if (reason && !reason.value) { reason.focus(); return true; }
    }
    if (target.tagName === "A") { window.location.href = target.href; return true; }
    if (target.tagName === "SELECT" || target.tagName === "TEXTAREA") { target.focus(); return true; }
    target.click();
    return true;
  }

  // Queue: j/k move the selection, Enter (or o) opens it.
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".finding-row")); }
  function select(index) {
    var all = rows();
    if (!all.length) return false;
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    all[selected].scrollIntoView({block: "nearest"});
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var handled = false;
    var help = document.getElementById("help");
    if (event.key === "?") { toggleHelp(); handled = true; }
    else if (event.key === "Escape" && help && !help.hidden) { help.hidden = true; handled = true; }
    else if (rows().length && (event.key === "j" || event.key === "k")) {
      handled = select(selected + (event.key === "j" ? 1 : -1));
    } else if (rows().length && (event.key === "Enter" || event.key === "o") && selected >= 0) {
      window.location.href = rows()[selected].getAttribute("data-href"); handled = true;
    } else if (/^[cdenpu]$/.test(event.key)) {
      handled = activate(event.key);
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help-toggle]")) toggleHelp();
    if (event.target.closest("[data-scroll-outline]")) scrollToOutline();
    var row = event.target.closest(".finding-row");
    if (row && !event.target.closest("a, button, input, select, textarea")) {
      window.location.href = row.getAttribute("data-href");
    }
  });

  // A dismissal needs its reason: say so before the round trip.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.value !== "dismissed") return;
    var reason = event.target.querySelector('select[name="reason"]');
    if (reason && !reason.value) { event.preventDefault(); reason.focus(); }
  });

  function scrollToOutline() {
    var outline = document.querySelector("[data-outline]");
    var box = document.querySelector("[data-shot]");
    if (!outline || !box) return;
    var shot = box.getBoundingClientRect();
    var rect = outline.getBoundingClientRect();
    box.scrollTop += rect.top - shot.top - Math.max(0, (box.clientHeight - rect.height) / 3);
  }

  window.addEventListener("load", scrollToOutline);
})();
