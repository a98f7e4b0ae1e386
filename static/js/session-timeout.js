/* The session-timeout warning (templates/includes/session_timeout.html, labportal/sessions.py).
 *
 * A signed-in session ends after its idle limit (30 minutes for staff and reviewers, 120 for
 * applicants by default). This script warns five minutes before, with a button that extends the
 * session (WCAG 2.2.1 "Timing Adjustable"); typing in any form extends it quietly, at most every
 * five minutes, so nobody who is writing a section is signed out under their hands. If the
 * session does end, it says so, and that what was typed has not been sent.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var idleSeconds = parseInt(script && script.dataset.idleSeconds, 10);
  var keepaliveUrl = script && script.dataset.keepaliveUrl;
  var loginUrl = script && script.dataset.loginUrl;
  if (!idleSeconds || !keepaliveUrl) {
    return;
  }
  // The server notes activity to the minute: count the limit a minute short.
  var budgetMs = Math.max(idleSeconds - 60, 60) * 1000;
  var warnBeforeMs = Math.min(5 * 60 * 1000, Math.floor(budgetMs / 3));
  var quietExtendEveryMs = Math.min(5 * 60 * 1000, Math.floor(budgetMs / 3));
  var lastActivity = Date.now(); // loading this page was activity
  var warnTimer = null;
  var endTimer = null;
  var box = null;
  var ended = false;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, budgetMs - warnBeforeMs);
    endTimer = window.setTimeout(end, budgetMs);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function show(kind) {
    if (box) {
      box.remove();
    }
    box = element("div", "session-timeout" + (kind === "ended" ? " session-timeout--ended" : ""));
    box.id = "session-timeout";
    box.setAttribute("role", kind === "ended" ? "alert" : "alertdialog");
    box.setAttribute("aria-labelledby", "session-timeout-title");
    box.setAttribute("aria-describedby", "session-timeout-text");
    var title, text;
    if (kind === "ended") {
      title = element("p", "session-timeout__title", "ログインの有効期限が切れました");
      text = element("p", "session-timeout__text",
        "一定時間操作がなかったため、安全のためログアウトしました。このページで入力中の内容はまだ保存されていません。" +
        "必要な内容を控えてから、もう一度ログインしてください。");
      var link = element("a", "", "もう一度ログインする");
      link.href = loginUrl + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
      title.id = "session-timeout-title";
      text.id = "session-timeout-text";
      box.append(title, text, link);
    } else {
      var minutes = Math.max(1, Math.round(warnBeforeMs / 60000));
      title = element("p", "session-timeout__title", "まもなくログアウトします");
      text = element("p", "session-timeout__text",
        "操作がないため、あと約" + minutes + "分で安全のためログアウトします。" +
        "続けて利用する場合は「ログインを続ける」を押してください。入力中の内容はそのまま残ります。");
      var button = element("button", "session-timeout__button", "ログインを続ける");
      button.type = "button";
      button.addEventListener("click", extend);
      title.id = "session-timeout-title";
      text.id = "session-timeout-text";
      box.append(title, text, button);
    }
    document.body.appendChild(box);
    if (kind !== "ended") {
      box.querySelector("button").focus();
    }
  }

  function hide() {
    if (box) {
      box.remove();
      box = null;
    }
  }

  function extend() {
    if (ended) {
      return;
    }
    lastActivity = Date.now();
    schedule();
    window.fetch(keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"},
      redirect: "manual"
    }).then(function (response) {
      if (ended) {
        return;  // a late answer must not take away the notice that the session has ended
      }
      if (response.ok) {
        hide();
      } else {
        end();
      }
    }).catch(function () {
      // The network is down: keep the warning; the person can try again.
    });
  }

  function warn() {
    show("warning");
  }

  function end() {
    ended = true;
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    show("ended");
  }

  document.addEventListener("input", function () {
    if (!ended && Date.now() - lastActivity > quietExtendEveryMs) {
      extend();
    }
  }, true);

  schedule();
}());
