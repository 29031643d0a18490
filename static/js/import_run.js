// The import page: asks for the run's status every two seconds while a worker reads or writes it, and
// reloads the page once it is done (preview, committed or failed), so the server renders the result. A file
// rather than an inline script: the site's content security policy allows scripts from itself only.
(function () {
  "use strict";
  var box = document.getElementById("import-run");
  if (!box) return;
  var url = box.dataset.statusUrl;
  var working = ["pending", "running", "committing"];
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (run) {
        if (working.indexOf(run.status) < 0) { window.location.reload(); return; }
        document.getElementById("import-status").textContent = run.label;
        document.getElementById("import-done").textContent = run.done;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
