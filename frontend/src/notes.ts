// Shared notes: CodeMirror editors, each bound to a root Y.Text, over the y-websocket protocol.
// Two pages use it: the full document (`[data-notes]`: every prompt's section and, folded,
// every group's block) and the round screen (`[data-live-notes]`: the person's group's block
// for each prompt of the round, which live.js names in `data-blocks`). Edits made offline stay
// in the local document and are sent when the connection is back (the sync step answers the
// server's state vector with what it lacks); the server acknowledges what it has committed
// (message 100, docs/notes-protocol.md).
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import * as decoding from "lib0/decoding";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { defaultKeymap } from "@codemirror/commands";
import { yCollab, yRemoteSelections, yRemoteSelectionsTheme, yUndoManagerKeymap } from "y-codemirror.next";
import { COLOURS, remoteCursors, remoteCursorsTheme } from "./notes-cursors";
import { authorship, authorsTheme } from "./notes-authors";
import { fill, loadStrings } from "./live/dom";

const ACK = 100;
// Muting is enforced by the server (it drops a muted person's edits); the editor only
// mirrors it so nobody types into the void. Keep the codes in sync with close_codes.py.
const MUTED = 4423;
const UNMUTED = 4424;
// Our update broke the server's document engine: it muted us (notes/rooms.py CLOSE_CUT_OFF).
const CUT_OFF = 4422;

// A readable proportional font (CodeMirror's default is monospace): notes are prose.
const proseTheme = EditorView.theme({
  ".cm-scroller": { fontFamily: "inherit", lineHeight: "1.5" },
  ".cm-content": { padding: ".5rem 0" },
  ".cm-line": { padding: "0 .6rem" },
});

interface Options {
  locked: boolean; // the host locked the prompt's section
  readonly: boolean; // another group's block: the server refuses our edits to it
}

class Session {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly views = new Map<EditorView, Options>();
  private readonly editable = new Compartment();
  private readonly names = new Map<number, string>();
  private muted: boolean;
  private refused = false;

  constructor(
    private readonly root: HTMLElement,
    token: string,
    name: string,
    muted: boolean,
    private readonly t: Record<string, string>,
  ) {
    this.muted = muted;
    const status = root.querySelector<HTMLElement>("[data-notes-status]");
    const presence = root.querySelector<HTMLElement>("[data-notes-presence]");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const provider = (this.provider = new WebsocketProvider(`${scheme}//${location.host}/ws/notes`, root.dataset.room ?? "", this.doc, {
      params: { token },
      maxBackoffTime: 10000,
    }));
    // Updates sent on this connection versus acknowledged by the server (its count is per
    // connection: the sync answer on connecting counts as one).
    let sent = 0;
    let acknowledged = 0;
    let online = false;
    const showStatus = (): void => {
      root.dataset.online = online ? "yes" : "no";
      root.dataset.pending = String(Math.max(0, sent - acknowledged));
      if (status === null || this.refused) return;
      // The round screen has a line's corner for it: the short words.
      const short = root.dataset.statusShort === "yes";
      if (!online) status.textContent = (short ? t.offline_short : t.offline) ?? "";
      else status.textContent = sent > acknowledged ? (t.saving ?? "") : ((short ? t.online_short : t.online) ?? "");
    };
    provider.messageHandlers[ACK] = (_encoder, decoder) => {
      acknowledged = decoding.readVarUint(decoder);
      showStatus();
    };
    provider.on("status", (event: { status: string }) => {
      online = event.status === "connected";
      if (online) {
        sent = 1;
        acknowledged = 0;
      }
      showStatus();
    });
    provider.on("connection-close", (event: CloseEvent | null) => {
      if (event && (event.code === MUTED || event.code === UNMUTED)) this.setMuted(event.code === MUTED);
      if (event && event.code === CUT_OFF) this.setMuted(true);
      if (event && [4401, 4403, 4404, 4410].includes(event.code)) {
        this.refused = true;
        provider.shouldConnect = false;
        if (status) status.textContent = t.refused ?? "";
      }
    });
    // The browser knows first when the network goes: say "offline" at once instead of after
    // y-websocket's 30 s without a message (a socket can stay open on a dead link), and
    // reconnect the moment the network is back instead of at the end of a backoff. Edits made
    // meanwhile stay in the local document and go out with the sync on reconnecting.
    window.addEventListener("offline", () => {
      if (!this.refused) provider.disconnect();
    });
    window.addEventListener("online", () => {
      if (!this.refused) provider.connect();
    });
    this.doc.on("update", (_update: Uint8Array, origin: unknown) => {
      if (origin !== provider && online) {
        sent += 1;
        showStatus();
      }
    });

    // Cursor moves would send an awareness message per keystroke to everyone in the room:
    // send at most one every 150 ms (the last position wins).
    const awareness = provider.awareness;
    const setField = awareness.setLocalStateField.bind(awareness);
    let pendingCursor: unknown = undefined;
    let cursorTimer: number | undefined;
    awareness.setLocalStateField = (field: string, value: unknown): void => {
      if (field !== "cursor") {
        setField(field, value);
        return;
      }
      pendingCursor = value;
      if (cursorTimer !== undefined) return;
      cursorTimer = window.setTimeout(() => {
        cursorTimer = undefined;
        setField("cursor", pendingCursor);
      }, 150);
    };
    const shown = name || (t.someone ?? "");
    const colour = COLOURS[this.doc.clientID % COLOURS.length];
    this.names.set(this.doc.clientID, shown);
    awareness.setLocalStateField("user", { name: shown, color: colour, colorLight: `${colour}33` });
    awareness.on("change", () => {
      const present = new Set<string>();
      awareness.getStates().forEach((state, clientId) => {
        const user = (state as { user?: { name?: string } }).user;
        if (user?.name) this.names.set(clientId, user.name); // kept for hover once they leave
        if (clientId !== this.doc.clientID && user?.name) present.add(user.name);
      });
      if (presence) presence.textContent = present.size ? fill(t.here ?? "{names}", { names: [...present].join(", ") }) : "";
    });
    showStatus();
    this.setMuted(muted);
  }

  setMuted(value: boolean): void {
    this.muted = value;
    this.root.dataset.muted = value ? "yes" : "no";
    const note = this.root.querySelector<HTMLElement>("[data-notes-muted]");
    if (note) note.textContent = value ? (this.t.muted ?? "") : "";
    for (const [view, options] of this.views)
      view.dispatch({ effects: this.editable.reconfigure(EditorView.editable.of(this.writable(options))) });
  }

  private writable(options: Options): boolean {
    return !this.muted && !options.locked && !options.readonly;
  }

  /** An editor on `host` for the root Y.Text `section`. */
  bind(host: HTMLElement, section: string, label: string, options: Options): EditorView {
    const text = this.doc.getText(section);
    const undoManager = new Y.UndoManager(text); // undoes one's own edits only
    const nonce = this.root.dataset.styleNonce ?? "";
    const writers = { name: (client: number) => this.names.get(client) ?? "" };
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
          EditorView.lineWrapping,
          EditorState.readOnly.of(options.locked || options.readonly),
          this.editable.of(EditorView.editable.of(this.writable(options))),
          EditorView.cspNonce.of(nonce),
          EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" }),
          // yCollab without its remote selections, which colour by style attributes (refused by
          // our CSP): ours colour by class (notes-cursors.ts).
          (yCollab(text, this.provider.awareness, { undoManager }) as unknown[]).filter(
            (part) => part !== yRemoteSelections && part !== yRemoteSelectionsTheme,
          ) as Extension[],
          remoteCursorsTheme,
          remoteCursors,
          authorsTheme,
          authorship(text, writers),
          proseTheme,
        ],
      }),
    });
    this.views.set(view, options);
    return view;
  }

  unbindAll(): void {
    for (const view of this.views.keys()) view.destroy();
    this.views.clear();
  }

  expose(): void {
    (window as unknown as { crossroadsNotes?: { doc: Y.Doc; provider: WebsocketProvider } }).crossroadsNotes = {
      doc: this.doc,
      provider: this.provider,
    };
  }
}

/** The full document page: every section, and every group's block (folded). */
function startPage(root: HTMLElement): void {
  const t = loadStrings("notes-strings");
  const session = new Session(root, root.dataset.token ?? "", root.dataset.name ?? "", root.dataset.muted === "yes", t);
  root.querySelectorAll<HTMLElement>("[data-section]").forEach((host) => {
    // The host locked this section after its round: the server refuses edits to it, and the
    // page shows a "Locked" label next to its heading.
    session.bind(host, host.dataset.section ?? "prompt:free", host.dataset.label ?? "", {
      locked: host.dataset.locked === "yes",
      readonly: host.dataset.readonly === "yes",
    });
  });
  session.expose();
  // A link to one group's block (#group-<prompt>-<run>-<group>) unfolds it.
  const target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
    target.scrollIntoView();
  }
}

interface Block {
  section: string;
  label: string;
}

/** The round screen: the group's block of each prompt of the round, as live.js names them. */
function startLive(panel: HTMLElement): void {
  const t = loadStrings("notes-strings");
  const area = panel.querySelector<HTMLElement>("[data-live-notes-blocks]") ?? panel;
  let session: Session | null = null;
  let opening = false;
  let shown = "";

  const show = async (): Promise<void> => {
    const encoded = panel.dataset.blocks ?? "";
    if (!encoded || encoded === shown || opening) return;
    if (session === null) {
      opening = true;
      try {
        const response = await fetch(panel.dataset.ticketUrl ?? "", { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const ticket = (await response.json()) as { token: string; name: string; muted: boolean };
        session = new Session(panel, ticket.token, ticket.name, ticket.muted, t);
        session.expose();
      } catch {
        const status = panel.querySelector<HTMLElement>("[data-notes-status]");
        if (status) status.textContent = t.refused ?? "";
        return;
      } finally {
        opening = false;
      }
    } else {
      // A new group: what one may write is decided when the socket opens, so reopen it.
      // Nothing typed is lost: unacknowledged edits go out again with the sync.
      session.provider.disconnect();
      session.provider.connect();
    }
    shown = panel.dataset.blocks ?? "";
    let blocks: Block[] = [];
    try {
      blocks = JSON.parse(shown) as Block[];
    } catch {
      blocks = [];
    }
    session.unbindAll();
    while (area.firstChild) area.removeChild(area.firstChild);
    for (const block of blocks) {
      const host = document.createElement("div");
      host.className = "notes-editor live-notes-editor";
      host.dataset.section = block.section;
      area.appendChild(host);
      session.bind(host, block.section, block.label, { locked: false, readonly: false });
    }
    if (panel.dataset.blocks !== shown) void show(); // changed again while we were opening
  };
  new MutationObserver(() => void show()).observe(panel, { attributes: true, attributeFilter: ["data-blocks"] });
  void show();
}

function start(): void {
  const page = document.querySelector<HTMLElement>("[data-notes]");
  if (page !== null) startPage(page);
  const live = document.querySelector<HTMLElement>("[data-live-notes]");
  if (live !== null) startLive(live);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
