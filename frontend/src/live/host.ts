// The host console: run the rounds, see every group and who is connected, answer help calls.
import { LiveSocket, type Message } from "./socket";
import { el, fill, formatClock, loadStrings, replaceChildren, roundClock } from "./dom";
import { PreviewPanel, type PreviewMessage } from "./preview";
import { HostVisit, type JoinedGroup } from "./host_call";

interface Card {
  id: string;
  name: string;
  organisation: string;
  connected?: boolean;
  sitting_out?: boolean;
  muted?: boolean;
}
interface HostGroup {
  number: number;
  members: Card[];
  away: string[];
  shared_languages: string[];
  needs_interpretation: boolean;
  compromises: string[];
}
interface HostSnapshot extends Message {
  phase: string;
  now: string;
  round: { number: number; title: string; ends_at: string; wrap_up_until: string } | null;
  next_round: { id: string; title: string; kind: string } | null;
  groups: HostGroup[];
  people: Card[];
  connected: number;
  locked: boolean;
  help_calls: { id: number; group: number | null; name: string }[];
}

export function startHost(root: HTMLElement): void {
  const t = loadStrings("console-strings");
  const q = <T extends Element>(selector: string): T | null => root.querySelector<T>(selector);
  const phase = q<HTMLElement>("[data-console-phase]");
  const clock = q<HTMLElement>("[data-console-clock]");
  const groups = q<HTMLElement>("[data-console-groups]");
  const people = q<HTMLElement>("[data-console-people]");
  const help = q<HTMLElement>("[data-console-help]");
  const status = q<HTMLElement>("[data-console-status]");
  const startButton = q<HTMLButtonElement>("[data-command=start_round]");
  const extendButtons = root.querySelectorAll<HTMLButtonElement>("[data-command=extend]");
  const endRoundButton = q<HTMLButtonElement>("[data-command=end_round]");
  const endCallButton = q<HTMLButtonElement>("[data-command=end_call]");
  const lockButton = q<HTMLButtonElement>("[data-console-lock]");
  const lockedNote = q<HTMLElement>("[data-console-locked]");
  let view: HostSnapshot | null = null;
  let offset = 0;
  const send = (message: Record<string, unknown>): boolean => socket.send(message);
  const previewRoot = q<HTMLElement>("[data-console-preview]");
  const preview = previewRoot ? new PreviewPanel(previewRoot, send, t) : null;
  const announcer = q<HTMLElement>("[data-console-announce]");
  const announce = (text: string): void => {
    if (announcer) announcer.textContent = text;
  };
  const visitRoot = q<HTMLElement>("[data-console-visit]");
  const visit = visitRoot ? new HostVisit(visitRoot, send, t, announce, root.dataset.notesUrl ?? "") : null;

  const socket = new LiveSocket({
    url: root.dataset.liveUrl ?? "",
    onMessage(message) {
      if (message.type === "snapshot") render(message as HostSnapshot);
      else if (message.type === "preview") preview?.render(message as unknown as PreviewMessage);
      else if (message.type === "joined_group") visit?.joined(message as unknown as JoinedGroup);
      else if (message.type.startsWith("call_")) visit?.onSignal(message);
      // Plain words for what happened or why not (#29), never a raw server string when we know it.
      else if (message.type === "error" && status)
        status.textContent = t[`error_${String(message.code)}`] ?? String(message.error ?? "");
      else if (message.type === "done" && status) status.textContent = t[`done_${String(message.command)}`] ?? t.done ?? "";
    },
    onStatus(online) {
      root.dataset.online = online ? "yes" : "no";
      if (status && !online) status.textContent = t.offline ?? "";
      // The server forgets a joined group with the connection: hang up here too.
      if (!online && visit?.group != null) visit.leave();
    },
    onRefused() {
      if (status) status.textContent = t.refused ?? "";
    },
  });

  root.querySelectorAll<HTMLButtonElement>("button[data-command]").forEach((button) => {
    button.addEventListener("click", () => {
      const command = button.dataset.command ?? "";
      const message: Record<string, unknown> = { type: command };
      if (command === "extend") message.minutes = Number(button.dataset.minutes ?? "1");
      if (command === "end_call" && !window.confirm(t.confirm_end ?? "")) return;
      // Start writes exactly the groups the host sees in the preview (#29).
      if (command === "start_round" && preview?.token && !previewRoot?.hidden) message.preview = preview.token;
      if (command === "start_round") preview?.clearChoice();
      socket.send(message);
    });
  });
  q<HTMLFormElement>("[data-console-broadcast]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = q<HTMLInputElement>("[data-console-broadcast] input[name=text]");
    if (input && input.value.trim() && socket.send({ type: "broadcast", text: input.value.trim() })) input.value = "";
  });
  q<HTMLFormElement>("[data-console-move]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const who = q<HTMLSelectElement>("[data-console-move] select[name=participant]");
    const group = q<HTMLSelectElement>("[data-console-move] select[name=group]");
    if (!who || !who.value || !group || !group.value) return;
    // "new" starts a new group; otherwise a group of the running round, chosen from the list.
    const number = group.value === "new" ? null : Number(group.value);
    socket.send({ type: "move", participant: who.value, group: number });
  });

  lockButton?.addEventListener("click", () => {
    socket.send({ type: "lock", locked: !(view?.locked ?? false) });
  });
  q<HTMLFormElement>("[data-console-mute]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const who = q<HTMLSelectElement>("[data-console-mute] select[name=participant]");
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    if (!who || !who.value) return;
    socket.send({ type: "mute", participant: who.value, muted: submitter?.value !== "no" });
  });

  q<HTMLFormElement>("[data-console-remove]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const who = q<HTMLSelectElement>("[data-console-remove] select[name=participant]");
    if (!who || !who.value) return;
    const name = who.selectedOptions[0]?.textContent ?? "";
    // One step from this dialog: renewing the shared link keeps a removed person from passing it on (#26).
    const renew = q<HTMLInputElement>("[data-console-remove] [data-console-renew]")?.checked ?? false;
    const question = renew ? t.confirm_remove_renew : t.confirm_remove;
    if (window.confirm(fill(question ?? "{name}", { name }))) socket.send({ type: "remove", participant: who.value, renew_link: renew });
  });

  q<HTMLFormElement>("[data-console-mute-audio]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const who = q<HTMLSelectElement>("[data-console-mute-audio] select[name=participant]");
    if (who && who.value) socket.send({ type: "mute_audio", participant: who.value });
  });

  // Acting on a report (#29): the list is redrawn by htmx every few seconds, so one listener
  // on its container answers every button it ever holds.
  q<HTMLElement>("[data-console-reports]")?.addEventListener("click", (event) => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>("button[data-report-action]");
    if (!button) return;
    const action = button.dataset.reportAction;
    const participant = button.dataset.participant ?? "";
    const name = button.dataset.name ?? "";
    if (action === "dismiss") socket.send({ type: "dismiss_report", id: Number(button.dataset.reportId) });
    else if (action === "mute") socket.send({ type: "mute", participant, muted: true });
    else if (action === "remove" && window.confirm(fill(t.confirm_remove ?? "{name}", { name })))
      socket.send({ type: "remove", participant, renew_link: false });
    if (action === "dismiss") button.closest("li")?.classList.add("report-dismissed");
  });

  function render(next: HostSnapshot): void {
    view = next;
    offset = Date.parse(next.now) - Date.now();
    root.dataset.phase = next.phase;
    if (phase) phase.textContent = fill(t[`phase_${next.phase}`] ?? next.phase, { n: next.round?.number ?? 0 });
    if (startButton) {
      startButton.disabled = next.next_round === null || next.phase === "ended";
      startButton.textContent = next.next_round
        ? fill(t.start ?? "{title}", { title: next.next_round.title || next.next_round.kind })
        : (t.no_more ?? "");
    }
    // Each button only where it applies (#29): no "+1 minute" with no round to extend.
    const inRound = next.round !== null && ["running", "wrap_up"].includes(next.phase);
    extendButtons.forEach((button) => (button.disabled = !inRound));
    if (endRoundButton) endRoundButton.disabled = !(next.round !== null && next.phase === "running");
    if (endCallButton) endCallButton.disabled = next.phase === "ended";
    // The next round's groups, whenever there is a next round to start (#29).
    preview?.show(next.next_round !== null && next.phase !== "ended");
    const moveForm = q<HTMLFormElement>("[data-console-move]");
    if (moveForm) moveForm.hidden = !(next.round !== null && ["running", "wrap_up"].includes(next.phase));
    // After the call nothing is left to say or to moderate; a microphone can only be muted
    // while groups talk (#29).
    const ended = next.phase === "ended";
    const talking = ["running", "wrap_up", "over"].includes(next.phase);
    for (const [selector, off] of [
      ["[data-console-broadcast]", ended],
      ["[data-console-mute]", ended],
      ["[data-console-remove]", ended],
      ["[data-console-mute-audio]", !talking],
    ] as [string, boolean][])
      root.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement>(`${selector} :is(input, select, button)`).forEach((c) => (c.disabled = off));
    if (visit && visit.group !== null && !["running", "wrap_up", "over"].includes(next.phase)) visit.leave();
    if (lockButton) {
      lockButton.textContent = next.locked ? (t.unlock ?? "") : (t.lock ?? "");
      lockButton.setAttribute("aria-pressed", next.locked ? "true" : "false");
    }
    root.dataset.locked = next.locked ? "yes" : "no";
    if (lockedNote) lockedNote.textContent = next.locked ? (t.locked ?? "") : "";
    renderGroups(next);
    renderPeople(next);
    renderHelp(next);
    tick();
  }

  function renderGroups(v: HostSnapshot): void {
    if (!groups) return;
    // Only while there are groups: in the lobby the preview above shows the next round's.
    const section = q<HTMLElement>("[data-console-groups-section]");
    if (section) section.hidden = v.groups.length === 0;
    const byId = new Map(v.people.map((p) => [p.id, p]));
    const rows = v.groups.map((g) => {
      const names = g.members.map((m) => {
        const person = byId.get(m.id);
        const here = person?.connected ? "" : ` (${t.disconnected ?? ""})`;
        const muted = person?.muted ? ` (${t.muted ?? ""})` : "";
        return `${m.name}${here}${muted}`;
      });
      return el("tr", { attrs: { "data-group": String(g.number) } }, [
        el("td", { text: String(g.number) }),
        el("td", { text: names.join(", ") }),
        el("td", { text: g.shared_languages.join(", ") || (t.interpretation ?? "") }),
        el("td", { text: g.compromises.join("; ") }),
      ]);
    });
    replaceChildren(groups, rows);
    const target = q<HTMLSelectElement>("[data-console-move] select[name=group]");
    if (target) {
      const chosen = target.value;
      replaceChildren(target, [
        el("option", { text: t.choose_group ?? "", attrs: { value: "" } }),
        ...v.groups.map((g) =>
          el("option", {
            text: fill(t.group_named ?? "{n}", { n: g.number, names: g.members.map((m) => m.name).join(", ") }),
            attrs: { value: String(g.number) },
          }),
        ),
        el("option", { text: t.new_group ?? "", attrs: { value: "new" } }),
      ]);
      target.value = chosen;
    }
  }

  function renderPeople(v: HostSnapshot): void {
    if (people) people.textContent = fill(t.connected ?? "{n}", { n: v.connected, total: v.people.length });
    root.querySelectorAll<HTMLSelectElement>("select[name=participant]").forEach((select) => {
      const chosen = select.value;
      replaceChildren(select, [
        el("option", { text: t.choose_person ?? "", attrs: { value: "" } }),
        ...v.people.map((p) =>
          el("option", { text: p.muted ? `${p.name} (${t.muted ?? ""})` : p.name, attrs: { value: p.id } }),
        ),
      ]);
      select.value = chosen;
    });
  }

  function renderHelp(v: HostSnapshot): void {
    if (!help) return;
    const empty = q<HTMLElement>("[data-console-help-empty]");
    if (empty) empty.hidden = v.help_calls.length > 0;
    replaceChildren(
      help,
      v.help_calls.map((call) => {
        const button = el("button", { text: t.resolve ?? "", cls: "small secondary", attrs: { type: "button", "data-help-resolve": "" } });
        button.addEventListener("click", () => socket.send({ type: "resolve_help", id: call.id }));
        const where = call.group === null ? "" : fill(t.in_group ?? "{n}", { n: call.group });
        const actions: Node[] = [];
        // Joining needs a group that is talking now: not in the lobby, nor after the call.
        if (call.group !== null && ["running", "wrap_up", "over"].includes(v.phase)) {
          const join = el("button", {
            text: t.join_group ?? "",
            cls: "small",
            attrs: { type: "button", "data-help-join": "", "aria-label": fill(t.join_group_named ?? "{n}", { n: call.group, name: call.name }) },
          });
          join.addEventListener("click", () => socket.send({ type: "join_group", help: call.id }));
          actions.push(join, document.createTextNode(" "));
        }
        return el("li", { attrs: { "data-help": String(call.id) } }, [
          el("span", { text: `${call.name} ${where} `, attrs: { dir: "auto" } }),
          ...actions,
          button,
        ]);
      }),
    );
  }

  function tick(): void {
    if (!clock) return;
    if (!view || !view.round || !["running", "wrap_up"].includes(view.phase)) {
      clock.textContent = "";
      return;
    }
    // Plain words beside the phase line: how long is left, of the round or of its wrap-up.
    const { stage, left, wrapLeft } = roundClock(view.round, Date.now() + offset);
    if (stage === "running") clock.textContent = fill(t.clock_left ?? "{clock}", { clock: formatClock(left) });
    else if (stage === "wrap_up") clock.textContent = fill(t.clock_wrap ?? "{clock}", { clock: formatClock(wrapLeft) });
    else clock.textContent = "";
  }

  window.setInterval(tick, 1000);
  socket.start();
}
