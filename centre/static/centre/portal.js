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
});
