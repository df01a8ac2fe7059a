// Document exchange: keyboard paging and zoom in the viewer; drag and drop with progress on
// the upload form. Everything works without it (links and a plain form).
(function () {
  "use strict";
  var zoom = 1;
  var page = document.querySelector(".preview-page");
  document.querySelectorAll("button.zoom").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      zoom = Math.min(3, Math.max(0.5, zoom + 0.25 * Number(button.dataset.zoom)));
      if (page) { page.style.width = (zoom * 100) + "%"; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.closest && event.target.closest("input, textarea, select")) { return; }
    var link = document.querySelector('a[data-key="' + event.key + '"]');
    if (link) { event.preventDefault(); window.location.assign(link.href); }
  });

  var form = document.querySelector("form[data-drop-zone]");
  if (!form || !window.FormData) { return; }
  var input = form.querySelector('input[type="file"]');
  var progress = form.querySelector("progress");
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("dragging"); });
  });
  form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("dragging");
    if (event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
  });
  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    progress.hidden = false;
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { progress.value = Math.round(100 * e.loaded / e.total); }
    });
    request.responseType = "document";
    // The answer is the page the form leads to, with its message: shown as it is (loading it
    // again would lose the one-time message).
    request.addEventListener("load", function () {
      if (!request.responseXML) { window.location.assign(form.action); return; }
      window.history.replaceState(null, "", request.responseURL);
      document.replaceChild(document.adoptNode(request.responseXML.documentElement), document.documentElement);
    });
    request.addEventListener("error", function () { form.submit(); });
    request.send(new FormData(form));
  });
})();
