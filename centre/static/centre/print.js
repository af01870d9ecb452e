// Print layouts (templates/counselling/print_base.html): the button prints the page. Without
// JavaScript the browser's own print (Ctrl+P) does the same.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
