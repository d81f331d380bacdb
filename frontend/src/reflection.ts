// The reflection note (#27): the host's sections save themselves, and a reader's published
// note follows new versions without a reload. Text and DOM nodes only, never markup strings.

const SAVE_AFTER_MS = 1000; // after typing stops
const RETRY_MS = 5000; // after a failed save (the server away, a conflict on SQLite)
const POLL_MS = 20000; // a reader's check for a newer published version

type SaveState = "saving" | "saved" | "retrying" | "refused";

interface Pending {
  timer: number | undefined;
  running: Promise<void> | undefined; // the save on its way
  again: boolean; // typed while a save was on its way: save once more after it
}

const pending = new WeakMap<HTMLFormElement, Pending>();

function stateOf(form: HTMLFormElement): Pending {
  let state = pending.get(form);
  if (!state) {
    state = { timer: undefined, running: undefined, again: false };
    pending.set(form, state);
  }
  return state;
}

function show(form: HTMLFormElement, state: SaveState): void {
  const status = form.querySelector<HTMLElement>("[data-save-state]");
  if (!status) return;
  status.dataset.state = state;
  status.textContent = status.dataset[state] ?? "";
}

// A refused save says why (the field errors the server wrote, in the host's language).
async function explain(form: HTMLFormElement, response: Response): Promise<void> {
  const status = form.querySelector<HTMLElement>("[data-save-state]");
  if (!status || !(response.headers.get("content-type") ?? "").includes("json")) return;
  const data = (await response.json().catch(() => null)) as { errors?: Record<string, string> };
  const reasons = Object.values(data?.errors ?? {}).filter((r) => typeof r === "string");
  if (reasons.length) status.textContent = `${status.textContent ?? ""}: ${reasons.join(" ")}`;
}

function csrfToken(form: HTMLFormElement): string {
  const field = form.querySelector<HTMLInputElement>("input[name=csrf_token]");
  return field?.value ?? "";
}

// One section per request: the server replaces only this section, so another host's edits
// to other sections stay, and the later save of the same section wins.
function save(form: HTMLFormElement): Promise<void> {
  const state = stateOf(form);
  if (state.running) {
    state.again = true;
    return state.running;
  }
  state.again = false;
  if (!form.checkValidity()) {
    // An empty heading, say: the server would refuse it too, so say why without asking.
    show(form, "refused");
    const invalid = form.querySelector<HTMLInputElement | HTMLTextAreaElement>(":invalid");
    const status = form.querySelector<HTMLElement>("[data-save-state]");
    if (invalid && status) status.textContent += `: ${invalid.validationMessage}`;
    return Promise.resolve();
  }
  state.running = send(form).finally(() => {
    state.running = undefined;
  });
  return state.running;
}

async function send(form: HTMLFormElement): Promise<void> {
  const state = stateOf(form);
  show(form, "saving");
  let retry = false;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form) as unknown as Record<string, string>),
      headers: { Accept: "application/json", "X-CSRF-Token": csrfToken(form) },
      credentials: "same-origin",
    });
    if (response.ok) {
      show(form, "saved");
    } else if (response.status === 422 || response.status === 403 || response.status === 404) {
      show(form, "refused"); // the same text would be refused again: the host must change it
      await explain(form, response);
    } else {
      retry = true;
    }
  } catch {
    retry = true;
  }
  if (retry) {
    show(form, "retrying");
    schedule(form, RETRY_MS);
  } else if (state.again) {
    schedule(form, 0);
  }
}

function schedule(form: HTMLFormElement, delay: number): void {
  const state = stateOf(form);
  window.clearTimeout(state.timer);
  state.timer = window.setTimeout(() => {
    state.timer = undefined;
    void save(form);
  }, delay);
}

function flush(form: HTMLFormElement): void {
  const state = stateOf(form);
  if (state.timer === undefined) return;
  window.clearTimeout(state.timer);
  state.timer = undefined;
  void save(form);
}

function autosaveForm(target: EventTarget | null): HTMLFormElement | null {
  if (!(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) return null;
  const form = target.form;
  return form && form.hasAttribute("data-autosave") ? form : null;
}

// Delegated from the document, so a section htmx swaps in (regenerated) autosaves too.
function initializeEditor(): void {
  document.addEventListener("input", (event) => {
    const form = autosaveForm(event.target);
    if (form) schedule(form, SAVE_AFTER_MS);
  });
  document.addEventListener("focusout", (event) => {
    const form = autosaveForm(event.target);
    if (form) flush(form);
  });
  // Regenerating a section replaces its text: a save of the old text still on its way must
  // reach the server first, or it would land after and undo the regeneration.
  document.addEventListener("htmx:confirm", (event: Event) => {
    const section = (event.target as Element | null)?.closest("section");
    const form = section?.querySelector<HTMLFormElement>("form[data-autosave]");
    if (!form) return;
    const state = stateOf(form);
    window.clearTimeout(state.timer);
    state.timer = undefined;
    state.again = false;
    if (!state.running) return;
    event.preventDefault();
    const detail = (event as CustomEvent<{ issueRequest: (skip: boolean) => void }>).detail;
    void state.running.finally(() => detail.issueRequest(true));
  });
  // Enter in the heading would post the form and leave the page: save in place instead.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-autosave")) {
      event.preventDefault();
      window.clearTimeout(stateOf(form).timer);
      void save(form);
    }
  });
}

// The reader's page asks for itself with If-None-Match; a 304 costs nothing, a 200 brings the
// newer version, whose server-escaped markup is parsed inert and moved in node by node.
function initializeReader(note: HTMLElement): void {
  let etag = note.dataset.reflectionPoll ?? "";
  const check = async (): Promise<void> => {
    try {
      const headers: Record<string, string> = { Accept: "text/html" };
      if (etag) headers["If-None-Match"] = etag;
      const response = await fetch(location.pathname, { headers, credentials: "same-origin" });
      if (response.status !== 200) return;
      etag = response.headers.get("ETag") ?? "";
      const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
      const replacement = parsed.querySelector("[data-reflection-poll]");
      if (!replacement) return;
      // A copy first: adopting a node takes it out of the live childNodes list.
      const nodes = Array.from(replacement.childNodes);
      note.replaceChildren(...nodes.map((node) => document.adoptNode(node)));
      const status = document.querySelector<HTMLElement>("[data-reflection-updated]");
      if (status) status.textContent = status.dataset.message ?? "";
    } catch {
      // Offline for a moment: the next check tries again.
    }
  };
  window.setInterval(() => void check(), POLL_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void check();
  });
}

export function initialize(root: ParentNode): void {
  if (root.querySelector("form[data-autosave]")) initializeEditor();
  const note = root.querySelector<HTMLElement>("[data-reflection-poll]");
  if (note) initializeReader(note);
}
