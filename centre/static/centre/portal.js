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
  // A long import: poll its progress, and reload when it is finished.
  const progress = document.querySelector("[data-progress-url]");
  if (progress) {
    const bar = progress.querySelector("progress");
    const done = progress.querySelector("[data-done]");
    const poll = async () => {
      const response = await fetch(progress.dataset.progressUrl, { credentials: "same-origin" });
      const state = await response.json();
      bar.max = Math.max(state.total, 1);
      bar.value = state.done;
      done.textContent = state.done;
      if (state.finished) window.location.reload();
      else setTimeout(poll, 1000);
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
