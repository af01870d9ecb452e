// The portal's only script. Without JavaScript every page still works: the navigation stays
// open and forms are saved with their buttons.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  // The phone menu.
  const button = document.querySelector(".menu-button");
  if (button) {
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      button.closest(".topbar").classList.toggle("menu-open", open);
    });
  }
  // A long import: poll its progress, and reload when it is finished (the page then shows the
  // outcome, failed included, and polls no more). A progress that cannot be read is tried a few
  // more times, then the page says so and stops.
  const progress = document.querySelector("[data-progress-url]");
  if (progress) {
    const bar = progress.querySelector("progress");
    const done = progress.querySelector("[data-done]");
    let failures = 0;
    const poll = async () => {
      try {
        const response = await fetch(progress.dataset.progressUrl, { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const state = await response.json();
        failures = 0;
        bar.max = Math.max(state.total, 1);
        bar.value = state.done;
        done.textContent = state.done;
        if (state.finished) {
          window.location.reload();
          return;
        }
      } catch (error) {
        failures += 1;
        if (failures >= 5) {
          progress.querySelector("[data-unreachable]").hidden = false;
          return;
        }
      }
      setTimeout(poll, 1000 * (failures + 1));
    };
    setTimeout(poll, 1000);
  }
  // Ctrl+Enter (⌘+Enter on a Mac) saves forms meant to be typed fast, such as "log a session".
  document.querySelectorAll("form[data-submit-shortcut]").forEach((form) => {
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  });
  // Page shortcuts, shown beside their link (the case file's "Log a session": Alt+Shift+N). The
  // link's accesskey does the same in browsers that use Alt+Shift for it; this makes it one
  // key everywhere.
  const shortcuts = new Map(
    [...document.querySelectorAll("a[data-shortcut]")].map((link) => [
      `Key${link.dataset.shortcut.toUpperCase()}`,
      link,
    ]),
  );
  if (shortcuts.size) {
    document.addEventListener("keydown", (event) => {
      const link = shortcuts.get(event.code);
      if (link && event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    });
  }
  const online = document.querySelector("[data-online-progress-url]");
  if (online) watchOnlineProgress(online);
  // Delegated: the answer form is replaced by the next question's, and this still holds.
  document.addEventListener("submit", answerInPlace);
  const warning = document.querySelector("[data-session-idle-seconds]");
  if (warning) watchIdleSession(warning);
  const kept = document.querySelector("[data-kept-draft]");
  if (kept) fillKeptDraft(kept);
});

// The idle timeout, announced: the warning shows a while before the session ends, and "Stay
// signed in" renews it. Values come from data- attributes (no inline script).
function watchIdleSession(warning) {
  const idle = Number(warning.dataset.sessionIdleSeconds) * 1000;
  const lead = Number(warning.dataset.sessionWarningSeconds) * 1000;
  const countdown = warning.querySelector("[data-session-countdown]");
  const open = warning.querySelector("[data-session-open]");
  const ended = warning.querySelector("[data-session-ended]");
  const stay = warning.querySelector("[data-stay-signed-in]");
  let endsAt = Date.now() + idle;
  let timer;
  // Any tab's request renews the one session: tabs tell each other (nothing is stored).
  const tabs = "BroadcastChannel" in window ? new BroadcastChannel("portal-session") : null;
  const renewed = (at) => {
    clearTimeout(timer);
    warning.hidden = true;
    endsAt = at + idle;
    tick();
  };
  const end = () => {
    clearTimeout(timer);
    warning.hidden = false;
    open.hidden = true;
    stay.hidden = true;
    ended.hidden = false;
  };
  const tick = () => {
    const left = endsAt - Date.now();
    if (left <= 0) return end();
    if (left <= lead) {
      const seconds = Math.ceil(left / 1000);
      countdown.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      warning.hidden = false;
    }
    timer = setTimeout(tick, 1000);
  };
  stay.addEventListener("click", async () => {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    try {
      const response = await fetch(warning.dataset.keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
      });
      if (!response.ok) return end();
    } catch {
      return; // offline for a moment: the warning stays and the button can be pressed again
    }
    renewed(Date.now());
    if (tabs) tabs.postMessage(Date.now());
  });
  if (tabs) {
    tabs.onmessage = (event) => {
      if (ended.hidden) renewed(event.data);
    };
    tabs.postMessage(Date.now());
  }
  tick();
}

// The online classes' progress (a campaign page): the counts of each class refreshed every few
// seconds from the same origin. Counts only; a class opened meanwhile shows after a reload (the
// page's refresh link, which is also what works without JavaScript).
const ONLINE_PROGRESS_SECONDS = 5;
function watchOnlineProgress(table) {
  const refresh = async () => {
    try {
      const response = await fetch(table.dataset.onlineProgressUrl, { credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        state.windows.forEach((counts) => {
          const row = table.querySelector(`tr[data-window="${counts.id}"]`);
          if (!row) return;
          row.querySelectorAll("[data-count]").forEach((cell) => {
            cell.textContent = String(counts[cell.dataset.count]);
          });
        });
      }
    } catch {
      // offline for a moment: the next tick tries again
    }
    setTimeout(refresh, ONLINE_PROGRESS_SECONDS * 1000);
  };
  setTimeout(refresh, ONLINE_PROGRESS_SECONDS * 1000);
}

// The online questionnaire, one question a screen: the answer is sent and the next question
// comes back in the same response (X-Online-Step), put in place of this one: one request a
// question on a slow connection, and no "resend the form?" on the back button. A lost
// connection keeps the question on screen and says so; the answer is sent again with "Next".
// Without JavaScript the form is sent as usual (a redirect to the next question).
async function answerInPlace(event) {
  const form = event.target;
  if (form.id !== "online-answer-form") return;
  event.preventDefault();
  const offline = document.getElementById("online-offline");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  let response;
  let text;
  try {
    response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { "X-Online-Step": "next" },
    });
    // The body too: a connection lost half-way through it is a lost connection as well.
    text = response.redirected ? "" : await response.text();
  } catch {
    button.disabled = false;
    offline.hidden = false;
    return;
  }
  if (response.redirected) {
    // Not the next question (the window closed, consent withdrawn, the session ended): its page.
    window.location.assign(response.url);
    return;
  }
  const next = new DOMParser().parseFromString(text, "text/html");
  const main = next.getElementById("main");
  if (!main) {
    window.location.assign(form.action);
    return;
  }
  document.title = next.title;
  document.getElementById("main").replaceWith(main);
  const focus = main.querySelector("legend, h1");
  if (focus) {
    focus.tabIndex = -1;
    focus.focus();
  }
}

// A form sent after the session ended comes back from the server (never from browser storage):
// put what was typed back into the form it was sent from.
function fillKeptDraft(kept) {
  const fields = JSON.parse(kept.dataset.keptDraft);
  const values = new Map();
  fields.forEach(([name, value]) => values.set(name, [...(values.get(name) || []), value]));
  const forms = [...document.forms].filter((form) => form.method === "post");
  const form =
    forms.find((each) => new URL(each.action, location.href).pathname === kept.dataset.keptAction) ||
    forms.find((each) => fields.some(([name]) => each.elements.namedItem(name)));
  if (!form) return;
  [...form.elements].forEach((element) => {
    const sent = values.get(element.name);
    if (!element.name || element.name === "csrfmiddlewaretoken" || element.type === "file") return;
    if (element.type === "checkbox" || element.type === "radio") {
      element.checked = (sent || []).includes(element.value);
    } else if (!sent || element.tagName === "BUTTON" || element.type === "submit") {
      return;
    } else if (element.multiple) {
      [...element.options].forEach((option) => (option.selected = sent.includes(option.value)));
    } else if (sent.length) {
      element.value = sent.shift();
    }
  });
}

// A page's print button (a task sheet): the browser's print dialog, no inline script.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

// A button that asks before it sends its form (data-confirm holds the question): the browser's
// confirm dialog, no inline handler. Without JavaScript the form is sent at once.
document.querySelectorAll("[data-confirm]").forEach((button) => {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) event.preventDefault();
  });
});
