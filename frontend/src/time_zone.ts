// A new convening's time zone starts as the host's own (the browser's IANA zone), not UTC.
export function initialize(root: ParentNode): void {
  const input = root.querySelector<HTMLInputElement>("input[data-browser-zone]");
  if (!input) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const list = input.list;
  // Only a zone the server offers (its datalist), so the form never gets one it refuses.
  if (!zone || !list) return;
  const known = Array.from(list.options).some((option) => option.value === zone);
  if (known && (input.value === "" || input.value === "UTC")) input.value = zone;
}
