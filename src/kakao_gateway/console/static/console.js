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

  // The sandbox phone follows its newest message, as a chat app does: at first, and after each refresh unless the
  // reader had scrolled up to older ones (then it stays where they are).
  var phoneFollows = true;
  function phoneScreen() { return document.getElementById("phone-screen"); }
  function followPhone() {
    var screen = phoneScreen();
    if (screen && phoneFollows && !screen.querySelector(".older-page")) screen.scrollTop = screen.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", followPhone);
  document.addEventListener("htmx:beforeSwap", function (event) {
    var screen = phoneScreen();
    if (screen && event.detail.target === screen) {
      phoneFollows = screen.scrollHeight - screen.scrollTop - screen.clientHeight < 40;
      screen.dataset.kept = String(screen.scrollTop);
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var screen = phoneScreen();
    if (!screen || event.detail.target !== screen) return;
    if (phoneFollows) followPhone(); else screen.scrollTop = Number(screen.dataset.kept || 0);
  });

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

  // Canned replies: "/" and the start of a shortcut, alone in the reply box, lists the matching replies; Enter, Tab
  // or a click puts the chosen one's text in, Escape closes the list.
  function cannedReplies() {
    var data = document.getElementById("canned-replies");
    var list = document.getElementById("canned-suggestions");
    var box = document.querySelector("#reply textarea[name=text]");
    if (!data || !list || !box) return;
    var replies = JSON.parse(data.textContent || "[]");
    var shown = [];
    var chosen = 0;
    function close() { list.hidden = true; shown = []; }
    function put(reply) { box.value = reply.text; close(); box.focus(); }
    function render() {
      list.textContent = "";
      shown.forEach(function (reply, i) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", i === chosen ? "true" : "false");
        var name = document.createElement("code");
        name.textContent = "/" + reply.shortcut;
        item.appendChild(name);
        item.appendChild(document.createTextNode(" " + reply.text));
        item.addEventListener("mousedown", function (event) { event.preventDefault(); put(reply); });
        list.appendChild(item);
      });
      list.hidden = shown.length === 0;
    }
    box.addEventListener("input", function () {
      var typed = /^\/([^\s\/]*)$/.exec(box.value);
      if (!typed) { close(); return; }
      var start = typed[1].toLowerCase();
      shown = replies.filter(function (r) { return r.shortcut.toLowerCase().indexOf(start) === 0; }).slice(0, 8);
      chosen = 0;
      render();
    });
    box.addEventListener("keydown", function (event) {
      if (list.hidden || shown.length === 0) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        chosen = (chosen + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
        render();
        event.preventDefault();
      } else if (event.key === "Enter" || event.key === "Tab") {
        put(shown[chosen]);
        event.preventDefault();
      } else if (event.key === "Escape") {
        close();
      }
    });
    box.addEventListener("blur", close);
  }
  document.addEventListener("DOMContentLoaded", cannedReplies);

  // A file dropped on a drop zone goes into its file input and is sent (the campaign's recipient list).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("over"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        zone.classList.remove("over");
        if (!input || !event.dataTransfer.files.length) return;
        input.files = event.dataTransfer.files;
        zone.closest("form").requestSubmit();
      });
    });
  });
  document.addEventListener("htmx:afterSettle", tellUnread);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-reset-on-success]");
    if (form && event.detail.successful && event.target === form) form.reset();
  });
})();
