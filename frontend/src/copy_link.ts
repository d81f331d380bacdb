// A "copy" button next to an invite link: <button data-copy-target="id">.
export function initialize(root: ParentNode): void {
  root.querySelectorAll<HTMLButtonElement>("button[data-copy-target]").forEach((button) => {
    if (button.dataset.copyReady === "1") return;
    button.dataset.copyReady = "1";
    button.hidden = false;
    button.addEventListener("click", () => {
      const target = document.getElementById(button.dataset.copyTarget ?? "");
      if (!(target instanceof HTMLInputElement)) return;
      void navigator.clipboard?.writeText(target.value).then(() => {
        button.textContent = button.dataset.copiedLabel ?? button.textContent;
      });
    });
  });
}
