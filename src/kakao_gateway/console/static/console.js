// Keep the chat scrolled to the newest message, show the reply fields of the chosen kind, and empty a form once
// htmx says it was accepted (no inline handlers: the console's Content-Security-Policy allows scripts from here only).
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
  document.addEventListener("htmx:sseMessage", scrollDown);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-reset-on-success]");
    if (form && event.detail.successful && event.target === form) form.reset();
  });
})();
