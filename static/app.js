// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form").forEach(function (form) {
    var bar = form.dataset.progress && document.getElementById(form.dataset.progress);
    form.addEventListener("submit", function (ev) {
      // Disable the submit buttons after the first submit, so a double click posts once. A form
      // that only asks (a search, a download) changes nothing: its buttons stay, since a download
      // leaves the page where it is and the next click must work.
      if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          setTimeout(function () { b.disabled = true; }, 0);
        });
      }
      if (!bar || !window.XMLHttpRequest || !window.FormData) return;
      // Large uploads: send with XHR to show the upload's progress, then show the server's answer.
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  });
});
