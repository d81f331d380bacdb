// The group's notes on the round screen (#29): this part only says which blocks to show.
// It writes them on the panel as data attributes; the editor (notes.js, fetched when the
// first round starts) watches them and binds one CodeMirror per block. A block is the root Y.Text
// `group:<prompt id>:<run number>:<group number>` (src/crossroads/notes/blocks.py).
import { fill } from "./dom";

interface Member {
  id: string;
  name: string;
}
interface View {
  phase: string;
  round: { number: number; prompts: { id: string; text: string }[] } | null;
  group: { number: number; members: Member[] } | null;
}

export function groupNotes(root: HTMLElement, t: Record<string, string>): (view: View) => void {
  const panel = root.querySelector<HTMLElement>("[data-live-notes]");
  const heading = panel?.querySelector<HTMLElement>("[data-live-notes-heading]") ?? null;
  return (view: View): void => {
    if (panel === null) return;
    const round = view.round;
    const group = view.group;
    const show = round !== null && group !== null && ["running", "wrap_up", "over"].includes(view.phase);
    panel.hidden = !show;
    if (!show) return;
    // The editor's script (Yjs and CodeMirror) is most of a page's weight: fetched only now.
    const script = panel.dataset.editorScript;
    if (script && !document.querySelector("script[data-notes-editor]")) {
      const tag = document.createElement("script");
      tag.src = script;
      tag.dataset.notesEditor = "";
      document.head.append(tag);
    }
    // Named by its members, or "Group 7" when the call keeps the Chatham House rule or the
    // group is more than three (four names or more would push the editor out of view).
    const names = group.members.map((m) => m.name).join(", ");
    const numbered = panel.dataset.chatham === "yes" || !names || group.members.length > 3;
    const title = numbered ? fill(t.notes_group ?? "{n}", { n: group.number }) : names;
    if (heading) heading.textContent = fill(t.notes_heading ?? "{group}", { group: title });
    const blocks = round.prompts.map((p) => ({
      section: `group:${p.id}:${round.number}:${group.number}`,
      label: fill(t.notes_label ?? "{prompt}", { prompt: p.text, group: title }),
    }));
    const encoded = JSON.stringify(blocks);
    // The notes editor reconnects when the group changes: the server decides what one may
    // write when the socket opens.
    if (panel.dataset.blocks !== encoded) panel.dataset.blocks = encoded;
  };
}
