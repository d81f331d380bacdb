// Shared notes: one CodeMirror editor per prompt, each bound to a root Y.Text, over the
// y-websocket protocol. Edits made offline stay in the local document and are sent when the
// connection is back (the sync step answers the server's state vector with what it lacks);
// the server acknowledges what it has committed (message 100, docs/notes-protocol.md).
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import * as decoding from "lib0/decoding";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { defaultKeymap } from "@codemirror/commands";
import { yCollab, yRemoteSelections, yRemoteSelectionsTheme, yUndoManagerKeymap } from "y-codemirror.next";
import { COLOURS, remoteCursors, remoteCursorsTheme } from "./notes-cursors";
import { fill, loadStrings } from "./live/dom";

const ACK = 100;

function start(): void {
  const root = document.querySelector<HTMLElement>("[data-notes]");
  if (root === null) return;
  const t = loadStrings("notes-strings");
  const status = root.querySelector<HTMLElement>("[data-notes-status]");
  const presence = root.querySelector<HTMLElement>("[data-notes-presence]");
  const mutedNote = root.querySelector<HTMLElement>("[data-notes-muted]");
  // Muting is enforced by the server (it drops a muted person's edits); the editor only
  // mirrors it so nobody types into the void. Keep the codes in sync with live/protocol.py.
  const MUTED = 4423;
  const UNMUTED = 4424;
  // Our update broke the server's document engine: it muted us (notes/rooms.py CLOSE_CUT_OFF).
  const CUT_OFF = 4422;
  const editable = new Compartment();
  const views: EditorView[] = [];
  const lockedViews = new Set<EditorView>();
  let muted = root.dataset.muted === "yes";
  const setMuted = (value: boolean): void => {
    muted = value;
    root.dataset.muted = value ? "yes" : "no";
    if (mutedNote) mutedNote.textContent = value ? (t.muted ?? "") : "";
    for (const view of views)
      view.dispatch({ effects: editable.reconfigure(EditorView.editable.of(!value && !lockedViews.has(view))) });
  };
  const doc = new Y.Doc();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const provider = new WebsocketProvider(`${scheme}//${location.host}/ws/notes`, root.dataset.room ?? "", doc, {
    params: { token: root.dataset.token ?? "" },
    maxBackoffTime: 10000,
  });

  // Updates sent on this connection versus acknowledged by the server (its count is per
  // connection: the sync answer on connecting counts as one).
  let sent = 0;
  let acknowledged = 0;
  let online = false;
  const showStatus = (): void => {
    root.dataset.online = online ? "yes" : "no";
    root.dataset.pending = String(Math.max(0, sent - acknowledged));
    if (status === null) return;
    if (!online) status.textContent = t.offline ?? "";
    else status.textContent = sent > acknowledged ? (t.saving ?? "") : (t.online ?? "");
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
  let refused = false;
  provider.on("connection-close", (event: CloseEvent | null) => {
    if (event && (event.code === MUTED || event.code === UNMUTED)) setMuted(event.code === MUTED);
    if (event && event.code === CUT_OFF) setMuted(true);
    if (event && [4401, 4403, 4404, 4410].includes(event.code)) {
      refused = true;
      provider.shouldConnect = false;
      if (status) status.textContent = t.refused ?? "";
    }
  });
  // The browser knows first when the network goes: say "offline" at once instead of after
  // y-websocket's 30 s without a message (a socket can stay open on a dead link), and
  // reconnect the moment the network is back instead of at the end of a backoff. Edits made
  // meanwhile stay in the local document and go out with the sync on reconnecting.
  window.addEventListener("offline", () => {
    if (!refused) provider.disconnect();
  });
  window.addEventListener("online", () => {
    if (!refused) provider.connect();
  });
  doc.on("update", (_update: Uint8Array, origin: unknown) => {
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

  const name = root.dataset.name || (t.someone ?? "");
  const colour = COLOURS[doc.clientID % COLOURS.length];
  provider.awareness.setLocalStateField("user", { name, color: colour, colorLight: `${colour}33` });
  provider.awareness.on("change", () => {
    if (presence === null) return;
    const names = new Set<string>();
    provider.awareness.getStates().forEach((state, clientId) => {
      const user = (state as { user?: { name?: string } }).user;
      if (clientId !== doc.clientID && user?.name) names.add(user.name);
    });
    presence.textContent = names.size ? fill(t.here ?? "{names}", { names: [...names].join(", ") }) : "";
  });

  const nonce = root.dataset.styleNonce ?? "";
  root.querySelectorAll<HTMLElement>("[data-section]").forEach((host) => {
    const text = doc.getText(host.dataset.section ?? "prompt:free");
    const undoManager = new Y.UndoManager(text); // undoes one's own edits only
    // The host locked this section after its round: the server refuses edits to it, and the
    // page shows a "Locked" label next to its heading.
    const locked = host.dataset.locked === "yes";
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
          EditorView.lineWrapping,
          EditorState.readOnly.of(locked),
          editable.of(EditorView.editable.of(!muted && !locked)),
          EditorView.cspNonce.of(nonce),
          EditorView.contentAttributes.of({ "aria-label": host.dataset.label ?? "", "aria-multiline": "true" }),
          // yCollab without its remote selections, which colour by style attributes (refused by
          // our CSP): ours colour by class (notes-cursors.ts).
          (yCollab(text, provider.awareness, { undoManager }) as unknown[]).filter(
            (part) => part !== yRemoteSelections && part !== yRemoteSelectionsTheme,
          ) as Extension[],
          remoteCursorsTheme,
          remoteCursors,
        ],
      }),
    });
    views.push(view);
    if (locked) lockedViews.add(view);
  });
  showStatus();
  (window as unknown as { crossroadsNotes?: { doc: Y.Doc; provider: WebsocketProvider } }).crossroadsNotes = {
    doc,
    provider,
  };
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
