// The export job page: asks for the job's progress every two seconds and reloads the page once the job
// is done or failed, so that the server renders the download link or the error. A file rather than an
// inline script: the site's content security policy allows scripts from itself only.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box) return;
  var url = box.dataset.statusUrl;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        document.getElementById("export-state").textContent = job.label;
        document.getElementById("export-done").textContent = job.done;
        var bar = document.getElementById("export-progress");
        bar.max = job.total || 1;
        bar.value = job.done;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
