// The progress of a background job, polled without reloading the page. Without
// JavaScript the page refreshes itself (<noscript> meta refresh) and has a reload link.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.active !== "true") return;
  var url = box.dataset.jobUrl;
  var delay = (parseFloat(box.dataset.pollSeconds) || 1) * 1000;
  var bar = document.getElementById("job-progress");
  var reload = document.getElementById("job-reload");
  if (reload) reload.hidden = true;

  function show(id, visible) {
    var element = document.getElementById(id);
    if (element) element.hidden = !visible;
  }

  function update(job) {
    bar.max = job.total || 1;
    bar.value = job.processed;
    bar.textContent = job.percent + "%";
    document.getElementById("job-status").textContent = job.status_label;
    document.getElementById("job-text").textContent = job.text;
    document.getElementById("job-failed-count").textContent = job.failed;
    show("job-failed", job.failed > 0);
    var zip = document.getElementById("job-zip");
    if (job.zip_url && zip) zip.href = job.zip_url;
    var merged = document.getElementById("job-merged");
    if (job.volumes && job.volumes.length && merged) {
      // A print file in volumes: a link for each, in place of the single one.
      var list = document.createElement("ul");
      list.className = "list-unstyled mb-0";
      list.id = "job-volumes";
      job.volumes.forEach(function (volume) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.className = "btn btn-outline-primary mb-1";
        link.href = volume.url;
        link.textContent = volume.label;
        item.appendChild(link);
        list.appendChild(item);
      });
      merged.replaceWith(list);
    } else if (job.merged_url && merged) {
      merged.href = job.merged_url;
    }
    if (job.zip_url || job.merged_url) show("job-downloads", true);
    (job.events || []).forEach(updateEvent);
    if (!job.active) {
      show("job-active-actions", false);
      show("job-finished", true);
    }
    return job.active;
  }

  // A campaign-wide run: each event's line, its job resumed under a new id included.
  function updateEvent(event) {
    var row = document.getElementById("run-event-" + event.event_id);
    if (!row || !event.id) return;
    function field(name) {
      return row.querySelector('[data-field="' + name + '"]');
    }
    var eventBar = row.querySelector("progress");
    if (eventBar) {
      eventBar.max = event.total || 1;
      eventBar.value = event.processed;
      eventBar.textContent = event.percent + "%";
    }
    if (field("status")) field("status").textContent = event.status_label;
    if (field("text")) field("text").textContent = event.text;
    if (field("link") && event.job_url) field("link").href = event.job_url;
    if (field("failed")) {
      field("failed").hidden = !(event.failed > 0);
      field("failed-count").textContent = event.failed;
    }
    if (field("zip") && event.zip_url) {
      field("zip").href = event.zip_url;
      field("zip").hidden = false;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        if (update(job)) window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A network hiccup or a restarting server: try again, a little later.
        window.setTimeout(poll, delay * 3);
      });
  }

  window.setTimeout(poll, delay);
})();
