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

  // Sessions with unread messages (the inbox list, refreshed every few seconds, says how many): in the page's
  // title, and as a browser notification when one more arrives while the console is not in front (if allowed).
  var title = document.title;
  var unreadBefore = null;
  function tellUnread() {
    var marker = document.getElementById("unread-sessions");
    if (!marker) return;
    var count = parseInt(marker.dataset.count || "0", 10);
    document.title = count > 0 ? "(" + count + ") " + title : title;
    var away = document.visibilityState !== "visible" || !document.hasFocus();
    if (unreadBefore !== null && count > unreadBefore && away && window.Notification &&
        Notification.permission === "granted") {
      var newest = document.querySelector(".session.unread");
      var who = newest ? newest.querySelector(".user").textContent : "";
      var what = newest ? newest.querySelector(".preview").textContent.trim() : "";
      new Notification(title, { body: who + ": " + what, tag: "kakao-gateway-inbox" });
    }
    unreadBefore = count;
  }
  function offerNotifications() {
    var button = document.getElementById("notify-me");
    if (!button || !window.Notification || Notification.permission !== "default") return;
    button.hidden = false;
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () { button.hidden = true; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tellUnread(); offerNotifications(); });
  document.addEventListener("htmx:afterSettle", tellUnread);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-reset-on-success]");
    if (form && event.detail.successful && event.target === form) form.reset();
  });
})();
