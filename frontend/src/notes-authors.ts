// Who wrote what, in the notes editor: each writer's text is underlined in their colour (the
// colour of their cursor), and their name shows on hover (a title attribute, never a style:
// our CSP refuses style attributes). A piece of text belongs to the Yjs client that inserted
// it; names come from the writers' presence (awareness), remembered for this page's life, so
// nothing about who wrote what is added to the stored document (a person's erasure stays whole).
import { RangeSetBuilder } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import * as Y from "yjs";
import { COLOURS } from "./notes-cursors";

export interface Writers {
  /** The name of a writer (by Yjs client id) seen on this page, or "". */
  name(client: number): string;
}

const palette: Record<string, Record<string, string>> = {};
COLOURS.forEach((colour, i) => {
  palette[`.cm-author-${i}`] = { textDecorationColor: colour, borderBottom: `2px solid ${colour}` };
});
export const authorsTheme = EditorView.baseTheme(palette);

export function authorship(ytext: Y.Text, writers: Writers) {
  const build = (view: EditorView): DecorationSet => {
    const builder = new RangeSetBuilder<Decoration>();
    const size = view.state.doc.length;
    let pos = 0;
    // Walk the text's items in document order: each visible one is a run of one client's text.
    let item = (ytext as unknown as { _start: Y.Item | null })._start;
    while (item !== null && pos < size) {
      if (!item.deleted && item.countable) {
        const end = Math.min(size, pos + item.length);
        const client = item.id.client;
        const name = writers.name(client);
        if (end > pos)
          builder.add(
            pos,
            end,
            Decoration.mark({
              class: `cm-author cm-author-${client % COLOURS.length}`,
              attributes: name ? { title: name } : {},
            }),
          );
        pos = end;
      }
      item = item.right;
    }
    return builder.finish();
  };
  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet;
      constructor(view: EditorView) {
        this.decorations = build(view);
      }
      update(update: ViewUpdate): void {
        // Document changes, and the redraw the cursors plugin asks for when presence changes.
        if (update.docChanged || update.transactions.length) this.decorations = build(update.view);
      }
    },
    { decorations: (v) => v.decorations },
  );
}
