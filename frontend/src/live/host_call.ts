// The host in a group's call after "Join this group" (#29): one more peer of the group's
// in-browser call (signalled as "host"), or the group's Jitsi room or Zoom breakout room,
// with the group's notes a link away. Signals from anyone outside the joined group are ignored.
import { el, fill, replaceChildren } from "./dom";
import { GroupCall, type CallInfo, type Member } from "./call";

type Send = (message: Record<string, unknown>) => boolean;
type Strings = Record<string, string>;

export interface JoinedGroup {
  help: number;
  group: number;
  members: Member[];
  call: CallInfo;
}

export class HostVisit {
  group: number | null = null;
  private call: GroupCall | null = null;
  private readonly heading: HTMLElement;
  private readonly callPanel: HTMLElement;
  private readonly leaveButton: HTMLButtonElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly send: Send,
    private readonly t: Strings,
    private readonly announce: (text: string) => void,
    notesUrl: string,
  ) {
    this.heading = el("h3", { attrs: { id: "visit-heading" } });
    this.callPanel = el("section", { cls: "live-call host-visit-call", attrs: { "data-visit-call": "" } });
    this.leaveButton = el("button", { text: t.visit_leave ?? "", cls: "secondary", attrs: { type: "button", "data-visit-leave": "" } });
    this.leaveButton.addEventListener("click", () => this.leave());
    const notes = el("a", {
      text: t.visit_notes ?? "",
      attrs: { href: notesUrl, target: "_blank", rel: "noopener", "data-visit-notes": "" },
    });
    replaceChildren(root, [this.heading, el("p", { cls: "visit-actions" }, [this.leaveButton, notes]), this.callPanel]);
    root.setAttribute("aria-labelledby", "visit-heading");
    root.hidden = true;
  }

  joined(message: JoinedGroup): void {
    this.group = message.group;
    this.root.hidden = false;
    this.root.dataset.group = String(message.group);
    this.heading.textContent = fill(this.t.visit_heading ?? "{n}", {
      n: message.group,
      names: message.members.map((m) => m.name).join(", "),
    });
    if (this.call === null) this.call = new GroupCall(this.callPanel, this.send, this.t, this.announce);
    this.call.update("host", message.members, message.call, `visit:${message.help}:${message.group}`);
    this.announce(this.heading.textContent);
    // The click on "Join this group" was the host's choice to talk: join the call at once.
    if (message.call.mode === "builtin") void this.call.join();
  }

  /** A relayed call message from a participant; only the joined group's are for us. */
  onSignal(message: Record<string, unknown>): void {
    if (this.call === null || this.group === null || Number(message.group) !== this.group) return;
    void this.call.onSignal(message);
  }

  leave(): void {
    this.call?.leave();
    this.send({ type: "call_leave" });
    this.call?.update("host", [], null, "");
    this.group = null;
    this.root.hidden = true;
  }
}
