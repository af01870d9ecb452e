// The call form (templates/hotline/call_form.html): the pick-up timer, the draft's autosave to
// the server (a same-origin POST with the CSRF token; nothing in localStorage), the C-SSRS
// screener's skip logic and risk, the actions suggested for it, non-data contacts hiding the
// rest, the repeat-caller look-up on leaving the number field, and keyboard shortcuts.
"use strict";
(() => {
  const form = document.getElementById("call-form");
  if (!form) return;
  const NON_DATA = new Set(["silent", "blank", "joke_prank", "hang_up", "wrong_number", "abusive"]);
  const csrf = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const radio = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value || "";

  // Timer from pick-up.
  const timer = document.getElementById("call-timer");
  if (timer) {
    const started = Date.parse(timer.dataset.startedAt);
    const tick = () => {
      const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      const m = Math.floor(seconds / 60);
      const s = String(seconds % 60).padStart(2, "0");
      timer.textContent = `${m}:${s}`;
    };
    tick();
    setInterval(tick, 1000);
  }

  // Non-data contacts: the rest of the form is hidden and ignored.
  const dataPart = document.getElementById("data-contact");
  const showData = () => {
    const hidden = NON_DATA.has(radio("contact_type"));
    dataPart.hidden = hidden;
    dataPart.querySelectorAll("input, select, textarea").forEach((input) => {
      input.disabled = hidden;
    });
  };

  // C-SSRS skip logic and the risk (the same rules as screening.scoring; the server scores).
  const rowOf = (name) => form.querySelector(`.field-cssrs_${name}`);
  const answer = (name) => radio(`cssrs_${name}`);
  const setAsked = (name, asked) => {
    const row = rowOf(name);
    if (!row) return;
    row.hidden = !asked;
    row.querySelectorAll("input").forEach((input) => {
      input.disabled = !asked || dataPart.hidden;
      if (!asked) input.checked = false;
    });
  };
  const riskLine = document.getElementById("cssrs-risk");
  const riskLabels = JSON.parse(riskLine.dataset.labels);
  const actionsByRisk = JSON.parse(form.dataset.actionsByRisk);
  const screener = () => {
    const q2yes = answer("q2") === "yes";
    ["q3", "q4", "q5"].forEach((name) => setAsked(name, q2yes));
    setAsked("q6_past_3_months", answer("q6") === "yes");
    const yes = (name) => answer(name) === "yes";
    let risk = "";
    const complete = answer("q1") && answer("q2") && answer("q6") &&
      (!q2yes || (answer("q3") && answer("q4") && answer("q5"))) &&
      (!yes("q6") || answer("q6_past_3_months"));
    if (complete) {
      const recent = yes("q6") && yes("q6_past_3_months");
      if (yes("q4") || yes("q5") || recent) risk = "high";
      else if (yes("q3") || (yes("q6") && !yes("q6_past_3_months"))) risk = "moderate";
      else if (yes("q1") || yes("q2")) risk = "low";
      else risk = "none";
    }
    riskLine.textContent = risk ? `${riskLine.dataset.label}: ${riskLabels[risk]}` : "";
    const suggested = new Set(actionsByRisk[risk] || []);
    form.querySelectorAll('input[name="actions"]').forEach((box) => {
      const label = box.closest("label");
      label.classList.toggle("suggested", suggested.has(box.value));
      let mark = label.querySelector(".suggested-mark");
      if (suggested.has(box.value) && !mark) {
        mark = document.createElement("strong");
        mark.className = "suggested-mark";
        mark.textContent = ` (${document.getElementById("actions-hint").dataset.mark || "✓"})`;
        label.append(mark);
      } else if (!suggested.has(box.value) && mark) {
        mark.remove();
      }
    });
    if (risk === "high") form.querySelector('input[name="crisis"]').checked = true;
  };

  const refresh = () => {
    showData();
    screener();
  };
  form.addEventListener("change", refresh);
  refresh();

  // Autosave of the draft every few seconds when something changed.
  const draftUrl = form.dataset.draftUrl;
  const status = document.getElementById("autosave-status");
  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  const autosave = async () => {
    if (!dirty) return;
    dirty = false;
    const body = new FormData(form);
    try {
      const answer = await fetch(draftUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf() },
      });
      if (!answer.ok) throw new Error(String(answer.status));
      status.textContent = status.dataset.savedLabel;
    } catch (error) {
      dirty = true;
      status.textContent = status.dataset.failedLabel;
    }
  };
  if (draftUrl) setInterval(autosave, 3000);

  // Repeat callers: on leaving the number field, a POST look-up by keyed hash.
  const phone = form.querySelector('input[name="caller_phone"]');
  const history = document.getElementById("caller-history");
  phone?.addEventListener("blur", async () => {
    history.textContent = "";
    if (!phone.value.trim()) return;
    const body = new FormData();
    body.append("phone", phone.value);
    const answer = await fetch(form.dataset.lookupUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() },
    });
    if (!answer.ok) return;
    const found = await answer.json();
    const line = (text) => {
      const p = document.createElement("p");
      p.textContent = text;
      history.append(p);
    };
    if (!found.count) line(history.dataset.noneLabel);
    else {
      line(`${history.dataset.countLabel}: ${found.count}`);
      const list = document.createElement("ul");
      found.calls.forEach((call) => {
        const item = document.createElement("li");
        item.textContent = `${call.date} · ${call.risk}`;
        list.append(item);
      });
      history.append(list);
    }
    if (found.open_callbacks) line(`${history.dataset.callbacksLabel}: ${found.open_callbacks}`);
    if (found.flagged_until) line(`${history.dataset.flagLabel}: ${found.flagged_until}`);
  });

  // Shortcuts: Alt+Shift+letter picks a common answer (Ctrl+Enter saves: portal.js).
  const contact = (value) => () => {
    const input = form.querySelector(`input[name="contact_type"][value="${value}"]`);
    input.checked = true;
    input.focus();
    dirty = true;
    refresh();
  };
  const keys = {
    KeyS: contact("silent"),
    KeyH: contact("hang_up"),
    KeyW: contact("wrong_number"),
    KeyC: contact("child_about_self"),
    KeyX: () => {
      const box = form.querySelector('input[name="crisis"]');
      box.checked = true;
      box.focus();
      dirty = true;
    },
  };
  document.addEventListener("keydown", (event) => {
    const act = keys[event.code];
    if (act && event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      act();
    }
  });
})();
