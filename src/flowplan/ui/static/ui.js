// The run page: zoom of the DAG, and live updates of a running run (polling) until it ends.
(function () {
  "use strict";
  var box = document.getElementById("dag");
  var scale = 1;
  function applyZoom() {
    var svg = box && box.querySelector("svg");
    if (!svg) { return; }
    svg.setAttribute("width", Math.round(svg.dataset.width * scale));
    svg.setAttribute("height", Math.round(svg.dataset.height * scale));
  }
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var svg = box.querySelector("svg");
      var what = button.dataset.zoom;
      if (what === "in") { scale = Math.min(scale * 1.25, 4); }
      else if (what === "out") { scale = Math.max(scale / 1.25, 0.05); }
      else if (what === "reset") { scale = 1; }
      else if (what === "fit" && svg) {
        scale = Math.min(1, box.clientWidth / svg.dataset.width, (window.innerHeight * 0.7) / svg.dataset.height);
      }
      applyZoom();
    });
  });
  if (box) {
    box.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault();
      scale = event.deltaY < 0 ? Math.min(scale * 1.1, 4) : Math.max(scale / 1.1, 0.05);
      applyZoom();
    }, { passive: false });
  }

  var head = document.querySelector("[data-live]");
  if (!head) { return; }
  var version = head.dataset.version;
  function setStatus(status) {
    var badge = document.querySelector("#run-status .badge");
    badge.textContent = status;
    badge.className = "badge status-" + status;
    badge.dataset.status = status;
  }
  function refreshPanel() {
    if (!head.dataset.panel) { return Promise.resolve(); }
    return fetch(head.dataset.panel, { cache: "no-store" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      var panel = document.getElementById("step");
      if (html !== null && panel) { panel.innerHTML = html; }
    });
  }
  function tick() {
    fetch(head.dataset.live + "since=" + encodeURIComponent(version), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.svg !== null) {
          box.innerHTML = data.svg;
          applyZoom();
          version = data.version;
          refreshPanel();
        }
        setStatus(data.status);
        document.getElementById("run-ended").textContent = data.ended;
        document.getElementById("run-duration").textContent = data.duration;
        document.getElementById("run-counts").textContent = data.counts;
        if (data.finished) { head.dataset.finished = "true"; } else { setTimeout(tick, 1000); }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();
