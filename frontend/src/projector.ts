// The venue's projector (#32): the round, the clock, the prompts and where each table goes,
// in type large enough for the back of a room. Read-only; live over the same socket
// mechanism as the round screens (a snapshot after every change, reconnecting by itself).
import { LiveSocket, type Message } from "./live/socket";
import { el, fill, formatClock, loadStrings, replaceChildren, roundClock } from "./live/dom";

interface Table {
  table: string;
  people: string[];
  online: number;
  mode: string;
}
interface View extends Message {
  phase: "lobby" | "running" | "wrap_up" | "over" | "plenary" | "ended";
  now: string;
  title: string;
  round: {
    number: number;
    title: string;
    ends_at: string;
    wrap_up_until: string;
    prompts: { id: string; text: string }[];
  } | null;
  mode: string;
  tables: Table[];
}

function start(root: HTMLElement): void {
  const t = loadStrings("projector-strings");
  const part = (name: string): HTMLElement | null => root.querySelector<HTMLElement>(`[data-projector-${name}]`);
  const title = part("title");
  const heading = part("round");
  const clock = part("clock");
  const prompts = part("prompts");
  const tables = part("tables");
  const status = part("status");
  const mode = part("mode");
  const talk = part("talk");
  let view: View | null = null;
  let offset = 0;

  function render(next: View): void {
    view = next;
    offset = Date.parse(next.now) - Date.now();
    root.dataset.phase = next.phase;
    if (title) title.textContent = next.title;
    const round = next.round;
    let text = t.waiting ?? "";
    if (next.phase === "ended") text = t.ended ?? "";
    else if (next.phase === "plenary") text = t.plenary ?? "";
    else if (round && next.phase !== "lobby")
      text = round.title ? fill(t.round_titled ?? "", { n: round.number, title: round.title }) : fill(t.round ?? "", { n: round.number });
    if (heading) heading.textContent = text;
    const talking = round !== null && ["running", "wrap_up", "over"].includes(next.phase);
    if (prompts) replaceChildren(prompts, talking ? round.prompts.map((p) => el("li", { text: p.text, attrs: { dir: "auto" } })) : []);
    if (talk) talk.hidden = !talking || round.prompts.length === 0;
    if (mode) mode.textContent = talking && (next.mode === "in_person" || next.mode === "mixed") ? (t[next.mode] ?? "") : "";
    if (tables)
      replaceChildren(
        tables,
        (talking ? next.tables : []).map((table) =>
          el("li", { cls: "projector-table", attrs: { "data-mode": table.mode } }, [
            el("span", { text: table.table, cls: "projector-table-number" }),
            el("span", { text: table.people.join(", "), cls: "projector-table-people", attrs: { dir: "auto" } }),
            ...(table.online ? [el("span", { text: fill(t.online ?? "", { n: table.online }), cls: "projector-table-online" })] : []),
          ]),
        ),
      );
    tick();
  }

  function tick(): void {
    if (clock === null) return;
    const v = view;
    if (v === null || v.round === null || !["running", "wrap_up", "over"].includes(v.phase)) {
      clock.textContent = "";
      return;
    }
    const { stage, left } = roundClock(v.round, Date.now() + offset);
    root.dataset.clock = stage;
    if (stage === "running") clock.textContent = fill(t.time_left ?? "{clock}", { clock: formatClock(left) });
    else clock.textContent = stage === "wrap_up" ? (t.wrap_up ?? "") : (t.over ?? "");
    clock.toggleAttribute("data-warn", left > 0 && left <= 60);
  }

  const socket = new LiveSocket({
    url: root.dataset.liveUrl ?? "",
    onMessage(message) {
      if (message.type === "snapshot") render(message as View);
    },
    onStatus(online) {
      root.dataset.online = online ? "yes" : "no";
      if (status) status.textContent = online ? "" : (t.offline ?? "");
    },
    onRefused() {
      if (status) status.textContent = t.refused ?? "";
    },
  });
  window.setInterval(tick, 1000);
  socket.start();
}

function boot(): void {
  const root = document.querySelector<HTMLElement>("[data-projector]");
  if (root) start(root);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
