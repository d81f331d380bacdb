// Small DOM helpers: every piece of user text goes through textContent.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { text?: string; cls?: string; attrs?: Record<string, string> } = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.text !== undefined) node.textContent = options.text;
  if (options.cls) node.className = options.cls;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.appendChild(child);
  return node;
}

export function replaceChildren(parent: Element, children: Node[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  for (const child of children) parent.appendChild(child);
}

/** Translated strings the page rendered for us (a JSON script block, never executed). */
export function loadStrings(id: string): Record<string, string> {
  const block = document.getElementById(id);
  if (block === null) return {};
  try {
    return JSON.parse(block.textContent ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

/** "{name} and {n}" style templates filled with values. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) =>
    key in values ? String(values[key]) : match,
  );
}

/** Where a round's clock stands at `now` (server time): seconds left of the round and of its
 * wrap-up, and which of the two runs (or neither: "over"). The one reading of a round's
 * times for the round screen, the host console and the projector. */
export interface RoundClock {
  stage: "running" | "wrap_up" | "over";
  left: number;
  wrapLeft: number;
}

export function roundClock(round: { ends_at: string; wrap_up_until: string }, now: number): RoundClock {
  const left = (Date.parse(round.ends_at) - now) / 1000;
  const wrapLeft = (Date.parse(round.wrap_up_until) - now) / 1000;
  return { stage: left > 0 ? "running" : wrapLeft > 0 ? "wrap_up" : "over", left, wrapLeft };
}

export function formatClock(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}
