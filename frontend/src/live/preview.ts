// The next round's groups before Start (#29): what Start will write, and a way to move a
// person to another group (choose both from lists; dragging a name onto a group does the
// same). The server works the groups out ahead; a preview names a token that Start sends
// back, so Start writes exactly these groups or is refused with the new ones shown.
import { el, fill, replaceChildren } from "./dom";

export interface PreviewMember {
  id: string;
  name: string;
  organisation: string;
  moved: boolean;
}
export interface PreviewGroup {
  number: number;
  members: PreviewMember[];
  shared_languages: string[];
  reasons: string[];
  compromises: string[];
}
export interface PreviewMessage {
  type: string;
  token: string | null;
  round?: { id: string; title: string; kind: string };
  plenary?: boolean;
  recomputed?: boolean;
  arrived?: string[];
  left?: string[];
  lost?: string[];
  moves?: number;
  groups: PreviewGroup[];
}

type Send = (message: Record<string, unknown>) => boolean;
type Strings = Record<string, string>;

export class PreviewPanel {
  token: string | null = null;
  private readonly list: HTMLElement;
  private readonly news: HTMLElement;
  private readonly who: HTMLSelectElement | null;
  private readonly where: HTMLSelectElement | null;
  private readonly form: HTMLFormElement | null;
  private readonly intro: HTMLElement | null;

  constructor(
    private readonly root: HTMLElement,
    private readonly send: Send,
    private readonly t: Strings,
  ) {
    this.list = root.querySelector<HTMLElement>("[data-preview-groups]") ?? el("div");
    this.news = root.querySelector<HTMLElement>("[data-preview-news]") ?? el("p");
    this.intro = root.querySelector<HTMLElement>("[data-preview-intro]");
    this.form = root.querySelector<HTMLFormElement>("[data-preview-move]");
    this.who = root.querySelector<HTMLSelectElement>("[data-preview-move] select[name=participant]");
    this.where = root.querySelector<HTMLSelectElement>("[data-preview-move] select[name=group]");
    this.form?.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.who?.value || !this.where?.value) return;
      this.move(this.who.value, Number(this.where.value));
    });
  }

  private move(person: string, group: number): void {
    if (this.send({ type: "preview_move", participant: person, group })) {
      this.news.textContent = this.t.preview_moving ?? "";
      this.clearChoice();
    }
  }

  /** Empty the move form's lists after a move (the next move starts from a clean choice). */
  clearChoice(): void {
    if (this.who) this.who.value = "";
    if (this.where) this.where.value = "";
  }

  /** Shown only while a next round can start (the console hides it during a round). */
  show(visible: boolean): void {
    this.root.hidden = !visible;
  }

  render(p: PreviewMessage): void {
    this.token = p.token;
    this.root.dataset.token = p.token ?? "";
    if (p.token === null) {
      replaceChildren(this.list, []);
      if (this.intro) this.intro.textContent = this.t.preview_none ?? "";
      this.news.textContent = "";
      if (this.form) this.form.hidden = true;
      return;
    }
    if (this.intro)
      this.intro.textContent = p.plenary
        ? (this.t.preview_plenary ?? "")
        : fill(this.t.preview_intro ?? "{n}", { n: p.groups.length });
    if (this.form) this.form.hidden = !!p.plenary || p.groups.length < 2;
    this.news.textContent = this.newsText(p);
    replaceChildren(this.list, p.groups.map((g) => this.group(g)));
    this.fillSelects(p);
  }

  /** Plain words on what changed: who came or left, whether the host's moves held. */
  private newsText(p: PreviewMessage): string {
    const parts: string[] = [];
    if (p.arrived?.length) parts.push(fill(this.t.preview_arrived ?? "{names}", { names: p.arrived.join(", ") }));
    if (p.left?.length) parts.push(fill(this.t.preview_left ?? "{names}", { names: p.left.join(", ") }));
    if (p.recomputed) parts.push(this.t.preview_updated ?? "");
    if (p.recomputed && p.moves && !p.lost?.length) parts.push(this.t.preview_moves_kept ?? "");
    if (p.lost?.length) parts.push(fill(this.t.preview_moves_lost ?? "{names}", { names: p.lost.join(", ") }));
    if (!parts.length && p.moves) parts.push(this.t.preview_moved ?? "");
    return parts.join(" ");
  }

  private group(g: PreviewGroup): HTMLElement {
    const names = el(
      "ul",
      { cls: "preview-members" },
      g.members.map((m) => {
        const item = el("li", { attrs: { "data-preview-person": m.id, draggable: "true" } }, [
          el("span", { text: m.name, attrs: { dir: "auto" } }),
        ]);
        if (m.organisation) item.append(el("small", { text: ` · ${m.organisation}`, attrs: { dir: "auto" } }));
        if (m.moved) item.append(el("small", { text: ` (${this.t.preview_moved_mark ?? ""})`, cls: "preview-moved" }));
        item.addEventListener("dragstart", (event) => event.dataTransfer?.setData("text/plain", m.id));
        return item;
      }),
    );
    const details: Node[] = [];
    if (g.members.length < 2) details.push(el("p", { text: this.t.preview_alone ?? "", cls: "preview-warning" }));
    if (g.compromises.length) details.push(el("p", { text: g.compromises.join("; "), cls: "preview-compromises" }));
    const card = el("article", { cls: "preview-group", attrs: { "data-preview-group": String(g.number) } }, [
      el("h4", { text: fill(this.t.preview_group ?? "{n}", { n: g.number }) }),
      names,
      ...details,
    ]);
    // Dragging a name onto a group moves them there (the lists above do the same by keyboard).
    card.addEventListener("dragover", (event) => event.preventDefault());
    card.addEventListener("drop", (event) => {
      event.preventDefault();
      const person = event.dataTransfer?.getData("text/plain");
      if (person) this.move(person, g.number);
    });
    return card;
  }

  private fillSelects(p: PreviewMessage): void {
    if (this.who) {
      const chosen = this.who.value;
      replaceChildren(this.who, [
        el("option", { text: this.t.choose_person ?? "", attrs: { value: "" } }),
        ...p.groups.flatMap((g) =>
          g.members.map((m) =>
            el("option", { text: fill(this.t.preview_person_in ?? "{name}", { name: m.name, n: g.number }), attrs: { value: m.id } }),
          ),
        ),
      ]);
      this.who.value = chosen;
    }
    if (this.where) {
      const chosen = this.where.value;
      replaceChildren(this.where, [
        el("option", { text: this.t.choose_group ?? "", attrs: { value: "" } }),
        ...p.groups.map((g) =>
          el("option", {
            text: fill(this.t.preview_group_named ?? "{n}", { n: g.number, names: g.members.map((m) => m.name).join(", ") }),
            attrs: { value: String(g.number) },
          }),
        ),
      ]);
      this.where.value = chosen;
    }
  }
}
