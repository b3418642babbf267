// The import job page: polls the job's status (JSON) once a second and moves the progress bar; reloads the page into the
// report when the job has ended. Without JavaScript the page says to reload it.
(function () {
  var box = document.querySelector('[data-testid="import-job"][data-state="running"]');
  if (!box) return;
  var url = box.getAttribute('data-status-url');
  var bar = box.querySelector('progress');
  var done = box.querySelector('[data-testid="import-done"]');
  var total = box.querySelector('[data-testid="import-total"]');
  function poll() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        if (s.state !== 'running') { window.location.reload(); return; }
        bar.max = Math.max(1, s.total);
        bar.value = s.done;
        bar.textContent = s.done + ' / ' + s.total;
        done.textContent = s.done;
        total.textContent = s.total;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
