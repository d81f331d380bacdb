// Shows <time data-local> elements in the reader's own time zone, next to the host's.
export function formatLocal(iso: string, locale: string | undefined): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "full",
    timeStyle: "short",
  }).format(date);
}

export function initialize(root: ParentNode): void {
  root.querySelectorAll<HTMLTimeElement>("time[data-local]").forEach((element) => {
    const text = formatLocal(element.dateTime, document.documentElement.lang || undefined);
    const label = element.dataset.localLabel ?? "";
    if (text === null || element.dataset.localDone === "1") return;
    const note = document.createElement("small");
    note.className = "local-time";
    note.textContent = ` (${label} ${text})`;
    element.after(note);
    element.dataset.localDone = "1";
  });
}
