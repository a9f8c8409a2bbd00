// Keep the chat scrolled to the newest message, and show the reply fields of the chosen kind.
(function () {
  function scrollDown() {
    var t = document.getElementById("transcript");
    if (t) t.scrollTop = t.scrollHeight;
  }
  function showKind(form) {
    var kind = (form.querySelector("input[name=type]:checked") || {}).value || "TEXT";
    form.dataset.kind = kind;
  }
  document.addEventListener("DOMContentLoaded", function () {
    scrollDown();
    var form = document.getElementById("reply");
    if (form) {
      showKind(form);
      form.addEventListener("change", function () { showKind(form); });
      form.addEventListener("reset", function () { setTimeout(function () { showKind(form); }, 0); });
    }
  });
  document.body && document.body.addEventListener("htmx:sseMessage", scrollDown);
  document.addEventListener("htmx:sseMessage", scrollDown);
})();
