// The real JS y-websocket 3.1.0 client under node, for the interop test.
// usage: node yws_client.mjs <ws base url> <room> <token> <origin> <text to type> <text to wait for>
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, "../../../frontend/package.json"));
const Y = require("yjs");
const { WebsocketProvider } = require("y-websocket");
const WebSocket = require("ws");

const [base, room, token, origin, mine, theirs] = process.argv.slice(2);

class OriginWebSocket extends WebSocket {
  constructor(url) {
    super(url, { headers: { Origin: origin } });
  }
}

const doc = new Y.Doc();
const provider = new WebsocketProvider(base, room, doc, {
  params: { token },
  WebSocketPolyfill: OriginWebSocket,
  disableBc: true,
});
const text = doc.getText("prompt:free");
const deadline = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, text: text.toString() }));
  process.exit(1);
}, 15000);

provider.on("sync", (synced) => {
  if (!synced) return;
  text.insert(text.length, mine);
});
const check = () => {
  const value = text.toString();
  if (value.includes(mine) && value.includes(theirs)) {
    clearTimeout(deadline);
    // Give our own update a moment to reach the server before leaving.
    setTimeout(() => {
      console.log(JSON.stringify({ ok: true, text: text.toString() }));
      provider.destroy();
      process.exit(0);
    }, 500);
  }
};
text.observe(check);
