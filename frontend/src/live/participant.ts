// The participant's live view: who you meet, the prompts, the clock, and the host's messages.
// Announcements (pairing, the one-minute warning, broadcasts) go to a polite live region.
import { LiveSocket, type Message } from "./socket";
import { el, fill, formatClock, loadStrings, replaceChildren, roundClock } from "./dom";
import { GroupCall, type CallInfo } from "./call";
import { LIVE_ONLINE } from "../prefetch";
import { renderAgenda, type AgendaRound } from "./agenda";
import { groupNotes } from "./group_notes";
import { callPeers, placeNodes, type Place } from "./place";

interface Card {
  id: string;
  name: string;
  organisation: string;
  about: string;
  languages: string[];
}
interface Group {
  number: number;
  topic: string;
  members: Card[];
  shared_languages: string[];
  needs_interpretation: boolean;
  reasons: string[];
  compromises: string[];
}
interface Round {
  number: number;
  title: string;
  kind: string;
  ends_at: string;
  wrap_up_until: string;
  prompts: { id: string; text: string }[];
}
interface Snapshot extends Message {
  phase: "lobby" | "running" | "wrap_up" | "over" | "plenary" | "ended";
  now: string;
  plenary_url: string;
  round: Round | null;
  group: Group | null;
  you: { id: string; sitting_out: boolean; muted?: boolean };
  broadcasts: { seq: number; text: string }[];
  next_round: { id: string; title: string; kind: string } | null;
  agenda?: AgendaRound[];
  call?: CallInfo;
  place?: Place;
}

export function startParticipant(root: HTMLElement): void {
  const t = loadStrings("live-strings");
  const url = root.dataset.liveUrl ?? "";
  const feedbackUrl = root.dataset.feedbackUrl ?? "";
  const stage = root.querySelector<HTMLElement>("[data-live-stage]") ?? root;
  const clock = root.querySelector<HTMLElement>("[data-live-clock]");
  const announcer = root.querySelector<HTMLElement>("[data-live-announce]");
  const status = root.querySelector<HTMLElement>("[data-live-status]");
  const messages = root.querySelector<HTMLElement>("[data-live-messages]");
  const helpButton = root.querySelector<HTMLButtonElement>("[data-live-help]");
  const sitOut = root.querySelector<HTMLInputElement>("[data-live-sit-out]");
  const mutedNote = root.querySelector<HTMLElement>("[data-live-muted]");
  const reportUrl = root.dataset.reportUrl ?? "";
  const promptArea = root.querySelector<HTMLElement>("[data-live-prompts]");
  const agenda = root.querySelector<HTMLDetailsElement>("[data-live-agenda-panel]");

  let view: Snapshot | null = null;
  let offset = 0; // server clock minus ours, so the countdown agrees with the server
  let lastGroupKey = "";
  let warned = false;
  let wrapAnnounced = false;
  let lastCallKey = "";
  const seenBroadcasts = new Set<number>();

  const announce = (text: string): void => {
    if (announcer) announcer.textContent = text;
  };

  // A message from the hosts: a notice on top of the round screen. Its container is a status
  // region from page load, so adding the notice is what screen readers announce (once).
  const showBroadcast = (seq: number, text: string): void => {
    if (seenBroadcasts.has(seq)) return;
    seenBroadcasts.add(seq);
    showNotice(String(seq), text, "broadcast");
  };
  // A notice from the server about you (#29): help resolved, a host joining, your microphone
  // muted by a host. The same announced, dismissible notice as the hosts' messages.
  const showNotice = (key: string, text: string, cls = "server-notice"): void => {
    if (messages === null) return;
    messages.querySelector(`[data-notice="${CSS.escape(key)}"]`)?.remove();
    const seq = key;
    const dismiss = el("button", {
      text: "×",
      cls: "notice-dismiss secondary outline small",
      attrs: { type: "button", "aria-label": t.dismiss ?? "", title: t.dismiss ?? "" },
    });
    const notice = el("div", { cls: "notice", attrs: { "data-notice": seq } }, [
      el("p", { text, cls, attrs: { dir: "auto" } }),
      dismiss,
    ]);
    dismiss.addEventListener("click", () => notice.remove());
    messages.prepend(notice);
  };

  const showNotes = groupNotes(root, t);
  const callPanel = root.querySelector<HTMLElement>("[data-live-call]");
  const call = callPanel ? new GroupCall(callPanel, (m) => socket.send(m), t, announce) : null;
  // A host who joined this group after a call for help: one more member of its call.
  let visitor: { id: string; name: string } | null = null;
  const updateCall = (next: Snapshot): void => {
    const peers = callPeers(next.group?.members ?? [], next.place, next.you.id);
    const members = [...peers, ...(visitor && next.group ? [visitor] : [])];
    call?.update(next.you.id, members, next.call ?? null, next.group ? `${next.round?.number}:${next.group.number}` : "");
  };

  const socket = new LiveSocket({
    url,
    onMessage(message) {
      if (message.type === "snapshot") render(message as Snapshot);
      else if (message.type.startsWith("call_")) void call?.onSignal(message);
      else if (message.type === "chat") call?.addChat(message);
      else if (message.type === "chat_history")
        call?.chatHistory((message.messages as Record<string, unknown>[] | undefined) ?? []);
      else if (message.type === "broadcast")
        showBroadcast(Number(message.seq), String(message.text ?? ""));
      else if (message.type === "help_sent") announce(t.help_sent ?? "");
      else if (message.type === "help_resolved") {
        showNotice(`help-${String(message.id)}`, t.help_resolved ?? "");
        if (helpButton) helpButton.disabled = false;
      } else if (message.type === "host_joined") {
        visitor = { id: "host", name: fill(t.host_visitor ?? "{name}", { name: String(message.name ?? "") }) };
        showNotice("host-visit", fill(t.host_joined ?? "{name}", { name: String(message.name ?? "") }));
        if (view) updateCall(view);
      } else if (message.type === "host_left") {
        visitor = null;
        messages?.querySelector('[data-notice="host-visit"]')?.remove();
        if (view) updateCall(view);
      } else if (message.type === "audio_muted") {
        // The host muted our microphone (as Zoom and Jitsi do): we obey and say so; the
        // person unmutes themselves with the usual button when they want to speak.
        if (call?.muteByHost()) showNotice("audio-muted", t.audio_muted_by_host ?? "");
      }
      else if (message.type === "blocked") announce(t.blocked ?? "");
      else if (message.type === "error" && status) status.textContent = String(message.error ?? "");
    },
    onStatus(online) {
      root.dataset.online = online ? "yes" : "no";
      if (status) status.textContent = online ? "" : (t.offline ?? "");
      if (online) document.dispatchEvent(new Event(LIVE_ONLINE));
    },
    onRefused(code) {
      if (status) status.textContent = code === 4410 ? (t.removed ?? "") : (t.refused ?? "");
    },
  });

  helpButton?.addEventListener("click", () => {
    if (socket.send({ type: "help" })) helpButton.disabled = true;
    window.setTimeout(() => (helpButton.disabled = false), 10000);
  });
  sitOut?.addEventListener("change", () => socket.send({ type: "sit_out", sitting_out: sitOut.checked }));

  function render(next: Snapshot): void {
    view = next;
    offset = Date.parse(next.now) - Date.now();
    const before = view === null ? "" : root.dataset.phase;
    root.dataset.phase = next.phase;
    // The page around the round (welcome, links, people) follows the phase too (crossroads.css).
    document.body.dataset.phase = next.phase;
    // The agenda folds away once a round starts; it stays one tap away.
    if (agenda && next.phase !== "lobby" && before !== next.phase && ["running", "wrap_up"].includes(next.phase)) agenda.open = false;
    if (sitOut) sitOut.checked = next.you.sitting_out;
    if (mutedNote) mutedNote.textContent = next.you.muted && next.phase !== "ended" ? (t.muted ?? "") : "";
    if (next.phase === "ended") {
      // Nothing stale after the call: no old notices, no reconnect or error line.
      if (messages) replaceChildren(messages, []);
      if (status) status.textContent = "";
      if (before !== "ended") announce(t.ended ?? "");
    } else for (const b of next.broadcasts) showBroadcast(b.seq, b.text);
    const key = next.group ? `${next.round?.number}:${next.group.members.map((m) => m.id).join(",")}` : "";
    if (key && key !== lastGroupKey) {
      const others = next.group!.members.filter((m) => m.id !== next.you.id).map((m) => m.name);
      announce(
        others.length
          ? fill(t.paired ?? "{names}", { names: others.join(", ") })
          : (t.waiting_partner ?? ""),
      );
      warned = false;
      wrapAnnounced = false;
    }
    lastGroupKey = key;
    const agendaList = root.querySelector<HTMLElement>("ol[data-live-agenda]");
    if (agendaList && next.agenda) renderAgenda(agendaList, next.agenda, t);
    replaceChildren(stage, stageContent(next));
    if (promptArea) replaceChildren(promptArea, promptContent(next));
    showNotes(next);
    const groupKey = next.group ? `${next.round?.number}:${next.group.number}` : "";
    if (groupKey !== lastCallKey) visitor = null; // a host's visit was to the old group
    lastCallKey = groupKey;
    updateCall(next);
    // No call for help once the call has ended: nobody is there to answer (#29).
    if (helpButton) helpButton.hidden = next.phase === "ended";
    tick();
  }

  /** The nudge to give feedback (#9), once the last round is over or the call has ended.
   * The form works without scripts too: the lobby links to it. */
  function feedbackNudge(): Node[] {
    if (!feedbackUrl) return [];
    return [
      el("p", { text: t.feedback_nudge ?? "", cls: "feedback-nudge" }),
      el("a", { text: t.feedback_link ?? "", attrs: { href: feedbackUrl, role: "button" } }),
    ];
  }

  function stageContent(v: Snapshot): Node[] {
    if (v.phase === "ended") return [el("h2", { text: t.ended ?? "" }), ...feedbackNudge()];
    // In the lobby the welcome line above says it already: once is enough.
    if (v.phase === "lobby") return [];
    if (v.phase === "plenary") {
      const nodes: Node[] = [el("h2", { text: t.plenary ?? "" })];
      if (v.plenary_url)
        nodes.push(
          el("a", {
            text: t.open_plenary ?? "",
            attrs: { href: v.plenary_url, target: "_blank", rel: "noopener noreferrer" },
          }),
        );
      if (v.next_round === null) nodes.push(...feedbackNudge());
      return nodes;
    }
    const round = v.round;
    const nodes: Node[] = [];
    if (round)
      nodes.push(
        el("h2", {
          text: round.title ? fill(t.round_titled ?? "", { n: round.number, title: round.title }) : fill(t.round ?? "", { n: round.number }),
        }),
      );
    if (v.phase === "over") {
      if (v.next_round === null) nodes.push(...feedbackNudge());
      else nodes.push(el("p", { text: t.over ?? "" }));
    }
    if (v.group) nodes.push(...placeNodes(v.place), groupSection(v.group));
    else if (v.you.sitting_out) nodes.push(el("p", { text: t.sitting_out ?? "" }));
    else if (v.phase !== "over") nodes.push(el("p", { text: t.not_placed ?? "" }));
    return nodes;
  }

  /** The prompt in the person's language, under the call (the group's notes follow it). */
  function promptContent(v: Snapshot): Node[] {
    const round = v.round;
    if (round === null || !["running", "wrap_up", "over"].includes(v.phase)) return [];
    const nodes: Node[] = [];
    if (round.prompts.length) {
      const list = el("ol", { cls: "live-prompts" });
      for (const prompt of round.prompts) list.appendChild(el("li", { text: prompt.text, attrs: { dir: "auto" } }));
      nodes.push(el("section", { cls: "live-prompt", attrs: { "aria-labelledby": "live-prompts-heading" } }, [
        el("h3", { text: t.prompts ?? "", attrs: { id: "live-prompts-heading" } }),
        list,
      ]));
    }
    return nodes;
  }

  function groupSection(group: Group): HTMLElement {
    const others = group.members.filter((m) => m.id !== view?.you.id);
    const cards = others.map((m) => {
      const block = el("button", {
        text: t.block ?? "",
        cls: "small secondary outline",
        attrs: { type: "button", "aria-label": fill(t.block_named ?? "", { name: m.name }) },
      });
      block.addEventListener("click", () => {
        if (window.confirm(fill(t.confirm_block ?? "", { name: m.name }))) socket.send({ type: "block", participant: m.id });
      });
      const report = el("a", {
        text: t.report ?? "",
        cls: "partner-report",
        attrs: {
          href: `${reportUrl}?participant=${encodeURIComponent(m.id)}`,
          target: "_blank",
          rel: "noopener",
          "aria-label": fill(t.report_named ?? "", { name: m.name }),
        },
      });
      return el("article", { cls: "partner-card", attrs: { "data-partner": m.id } }, [
        // User text may be in any script: let the browser pick its direction (dir="auto").
        el("h3", { text: m.name, attrs: { dir: "auto" } }),
        ...(m.organisation ? [el("p", { text: m.organisation, cls: "organisation", attrs: { dir: "auto" } })] : []),
        // The title keeps the whole text where a crowded card clips it to two lines.
        ...(m.about ? [el("p", { text: m.about, cls: "partner-about", attrs: { dir: "auto", title: m.about } })] : []),
        el("p", { cls: "partner-actions" }, [block, report]),
      ]);
    });
    const why: Node[] = [];
    if (group.topic) why.push(el("p", { text: fill(t.topic ?? "{topic}", { topic: group.topic }), cls: "group-topic" }));
    if (group.shared_languages.length)
      why.push(el("p", { text: fill(t.shared_languages ?? "", { languages: group.shared_languages.join(", ") }) }));
    if (group.reasons.length) why.push(el("p", { text: fill(t.why ?? "", { reasons: group.reasons.join("; ") }) }));
    for (const compromise of group.compromises) why.push(el("p", { text: compromise, cls: "compromise" }));
    // Two partners or more: shorter cards side by side (CSS), so a trio's or a five's notes
    // editor stays in a laptop's first viewport with every partner named above it.
    const size = others.length >= 4 ? " live-group-many live-group-crowd" : others.length >= 2 ? " live-group-many" : "";
    return el("section", { cls: `live-group${size}`, attrs: { "aria-labelledby": "live-group-heading", "data-group": String(group.number) } }, [
      el("h3", {
        text: others.length ? fill(t.you_meet ?? "", { n: group.number }) : (t.waiting_partner ?? ""),
        attrs: { id: "live-group-heading" },
      }),
      el("div", { cls: "partner-cards" }, cards),
      ...why,
    ]);
  }

  function tick(): void {
    if (clock === null) return;
    const v = view;
    if (v === null || v.round === null || !["running", "wrap_up", "over"].includes(v.phase)) {
      clock.textContent = "";
      return;
    }
    const { stage: clockStage, left } = roundClock(v.round, Date.now() + offset);
    root.dataset.clock = clockStage;
    if (clockStage === "running") {
      // The one-minute warning is seen (colour and words on the clock) as well as announced.
      const text = fill(t.time_left ?? "{clock}", { clock: formatClock(left) });
      clock.textContent = left <= 60 ? `${text} · ${t.one_minute ?? ""}` : text;
      clock.toggleAttribute("data-warn", left <= 60);
      if (left <= 60 && !warned) {
        warned = true;
        announce(t.one_minute ?? "");
      }
    } else if (clockStage === "wrap_up") {
      // Soft end: never cut anyone off; the group sees it is time to wrap up.
      clock.textContent = t.wrap_up ?? "";
      if (!wrapAnnounced) {
        wrapAnnounced = true;
        announce(t.wrap_up ?? "");
      }
    } else if (v.next_round === null) {
      // The last round just ran out on the clock: no snapshot comes for that, so nudge here.
      clock.textContent = "";
      if (stage.querySelector(".feedback-nudge") === null) stage.append(...feedbackNudge());
    } else {
      clock.textContent = t.over ?? "";
    }
  }

  window.setInterval(tick, 1000);
  socket.start();
  (window as unknown as { crossroadsLive?: LiveSocket }).crossroadsLive = socket;
  // For tests and debugging, like window.crossroadsNotes: the call's peer connections.
  (window as unknown as { crossroadsCall?: GroupCall | null }).crossroadsCall = call;
}
