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
