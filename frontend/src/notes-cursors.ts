// Other writers' cursors and selections in the notes editor, coloured by class, never by a
// style attribute. y-codemirror.next's own plugin (yRemoteSelections, MIT) writes
// style="background-color: …" on each remote keystroke; a strict CSP (no 'unsafe-inline')
// refuses those attributes, and a nonce cannot allow an attribute (#29). This is the same
// plugin with the colour as one of our palette's classes; the classes' rules are a theme,
// which CodeMirror puts in a <style> element carrying the page's nonce (EditorView.cspNonce).
import { Annotation, RangeSet, type Range } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { ySyncFacet } from "y-codemirror.next";
import * as Y from "yjs";

/** The writers' colours: a writer's colour is their index here (from their Yjs client id). */
export const COLOURS = ["#0b7285", "#5f3dc4", "#c92a2a", "#2b8a3e", "#e67700", "#a61e4d", "#1864ab"];

const colourClass = (colour: string): string => `cm-ycolour-${Math.max(0, COLOURS.indexOf(colour))}`;

const palette: Record<string, Record<string, string>> = {};
COLOURS.forEach((colour, i) => {
  palette[`.cm-ySelectionCaret.cm-ycolour-${i}`] = { backgroundColor: colour, borderColor: colour };
  palette[`.cm-ySelection.cm-ycolour-${i}, .cm-yLineSelection.cm-ycolour-${i}`] = { backgroundColor: `${colour}33` };
});

export const remoteCursorsTheme = EditorView.baseTheme({
  ...palette,
  ".cm-yLineSelection": { padding: 0, margin: "0px 2px 0px 4px" },
  ".cm-ySelectionCaret": {
    position: "relative",
    borderLeft: "1px solid black",
    borderRight: "1px solid black",
    marginLeft: "-1px",
    marginRight: "-1px",
    boxSizing: "border-box",
    display: "inline",
  },
  ".cm-ySelectionCaretDot": {
    borderRadius: "50%",
    position: "absolute",
    width: ".4em",
    height: ".4em",
    top: "-.2em",
    left: "-.2em",
    backgroundColor: "inherit",
    boxSizing: "border-box",
  },
  ".cm-ySelectionInfo": {
    position: "absolute",
    top: "-1.05em",
    left: "-1px",
    fontSize: ".75em",
    fontStyle: "normal",
    fontWeight: "normal",
    lineHeight: "normal",
    userSelect: "none",
    color: "white",
    paddingLeft: "2px",
    paddingRight: "2px",
    zIndex: "101",
    backgroundColor: "inherit",
    opacity: "0",
    whiteSpace: "nowrap",
  },
  // The writer's name shows on hover (as in y-codemirror.next).
  ".cm-ySelectionCaret:hover > .cm-ySelectionInfo": { opacity: "1" },
});

const remoteCursorsAnnotation = Annotation.define<number[]>();

class CaretWidget extends WidgetType {
  constructor(
    readonly colour: string,
    readonly name: string,
  ) {
    super();
  }

  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = `cm-ySelectionCaret ${colourClass(this.colour)}`;
    const dot = document.createElement("div");
    dot.className = "cm-ySelectionCaretDot";
    const info = document.createElement("div");
    info.className = "cm-ySelectionInfo";
    info.textContent = this.name; // a writer's name is user text: never markup
    caret.append("\u2060", dot, "\u2060", info, "\u2060");
    return caret;
  }

  eq(other: CaretWidget): boolean {
    return other.colour === this.colour && other.name === this.name;
  }

  get estimatedHeight(): number {
    return -1;
  }

  ignoreEvent(): boolean {
    return true;
  }
}

interface Awareness {
  doc: Y.Doc;
  getLocalState(): Record<string, unknown> | null;
  setLocalStateField(field: string, value: unknown): void;
  getStates(): Map<number, Record<string, unknown>>;
  on(event: "change", listener: (changes: { added: number[]; updated: number[]; removed: number[] }) => void): void;
  off(event: "change", listener: (changes: { added: number[]; updated: number[]; removed: number[] }) => void): void;
}

interface Cursor {
  anchor: unknown;
  head: unknown;
}

class RemoteCursors {
  decorations: DecorationSet = RangeSet.of([]);
  private readonly conf: { ytext: Y.Text; awareness: Awareness };
  private readonly listener: (changes: { added: number[]; updated: number[]; removed: number[] }) => void;

  constructor(view: EditorView) {
    this.conf = view.state.facet(ySyncFacet) as unknown as { ytext: Y.Text; awareness: Awareness };
    this.listener = ({ added, updated, removed }) => {
      const clients = added.concat(updated).concat(removed);
      if (clients.some((id) => id !== this.conf.awareness.doc.clientID))
        view.dispatch({ annotations: [remoteCursorsAnnotation.of([])] });
    };
    this.conf.awareness.on("change", this.listener);
  }

  destroy(): void {
    this.conf.awareness.off("change", this.listener);
  }

  update(update: ViewUpdate): void {
    const { ytext, awareness } = this.conf;
    const ydoc = ytext.doc as Y.Doc;
    const decorations: Range<Decoration>[] = [];
    const local = awareness.getLocalState();

    // Our own cursor, for the others.
    if (local !== null) {
      const hasFocus = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
      const sel = hasFocus ? update.state.selection.main : null;
      const current = local.cursor as Cursor | null | undefined;
      if (sel !== null) {
        const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor);
        const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head);
        if (
          current == null ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)
        )
          awareness.setLocalStateField("cursor", { anchor, head });
      } else if (current != null && hasFocus) {
        awareness.setLocalStateField("cursor", null);
      }
    }

    // Everyone else's.
    awareness.getStates().forEach((state, clientId) => {
      if (clientId === awareness.doc.clientID) return;
      const cursor = state.cursor as Cursor | null | undefined;
      if (cursor == null || cursor.anchor == null || cursor.head == null) return;
      const anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.anchor), ydoc);
      const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), ydoc);
      if (anchor === null || head === null || anchor.type !== ytext || head.type !== ytext) return;
      const user = (state.user ?? {}) as { color?: string; name?: string };
      const colour = user.color ?? COLOURS[0];
      const name = user.name ?? "";
      const cls = `cm-ySelection ${colourClass(colour)}`;
      const start = Math.min(anchor.index, head.index);
      const end = Math.max(anchor.index, head.index);
      const doc = update.view.state.doc;
      const startLine = doc.lineAt(start);
      const endLine = doc.lineAt(end);
      if (startLine.number === endLine.number) {
        if (start < end) decorations.push(Decoration.mark({ class: cls }).range(start, end));
      } else {
        if (start < startLine.to) decorations.push(Decoration.mark({ class: cls }).range(start, startLine.to));
        if (endLine.from < end) decorations.push(Decoration.mark({ class: cls }).range(endLine.from, end));
        for (let i = startLine.number + 1; i < endLine.number; i++) {
          const from = doc.line(i).from;
          decorations.push(Decoration.line({ class: `cm-yLineSelection ${colourClass(colour)}` }).range(from));
        }
      }
      decorations.push(
        Decoration.widget({ side: head.index - anchor.index > 0 ? -1 : 1, block: false, widget: new CaretWidget(colour, name) }).range(
          head.index,
        ),
      );
    });
    this.decorations = Decoration.set(decorations, true);
  }
}

export const remoteCursors = ViewPlugin.fromClass(RemoteCursors, { decorations: (v) => v.decorations });
