// A JSON WebSocket that reconnects with backoff and resumes from the last sequence number.
// The server is the truth: after every (re)connect it sends a snapshot unless we are current.

export type Message = { type: string; seq?: number; [key: string]: unknown };

export interface LiveSocketOptions {
  url: string;
  onMessage: (message: Message) => void;
  onStatus: (online: boolean) => void;
  onRefused: (code: number) => void;
}

// Close codes after which retrying cannot help (see docs/live-protocol.md).
const FINAL_CODES = new Set([4401, 4403, 4404, 4410]);

export class LiveSocket {
  private socket: WebSocket | null = null;
  private lastSeq = 0;
  private attempt = 0;
  private stopped = false;
  private pingTimer: number | undefined;

  constructor(private readonly options: LiveSocketOptions) {}

  start(): void {
    this.connect();
    window.addEventListener("online", () => this.reconnectSoon(0));
  }

  send(message: Record<string, unknown>): boolean {
    if (this.socket === null || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify({ v: 1, ...message }));
    return true;
  }

  private connect(): void {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${this.options.url}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.options.onStatus(true);
      socket.send(JSON.stringify({ v: 1, type: "hello", last_seq: this.lastSeq }));
      window.clearInterval(this.pingTimer);
      // Keeps middleboxes from dropping an idle socket, and notices a dead one.
      this.pingTimer = window.setInterval(() => this.send({ type: "ping" }), 25000);
    });
    socket.addEventListener("message", (event: MessageEvent) => {
      let message: Message;
      try {
        message = JSON.parse(String(event.data)) as Message;
      } catch {
        return;
      }
      if (typeof message.seq === "number" && message.seq > this.lastSeq) this.lastSeq = message.seq;
      this.options.onMessage(message);
    });
    socket.addEventListener("close", (event: CloseEvent) => {
      window.clearInterval(this.pingTimer);
      this.options.onStatus(false);
      if (FINAL_CODES.has(event.code)) {
        this.stopped = true;
        this.options.onRefused(event.code);
        return;
      }
      this.reconnectSoon();
    });
  }

  private reconnectSoon(delay?: number): void {
    if (this.stopped) return;
    if (this.socket !== null && this.socket.readyState === WebSocket.OPEN) return;
    // Exponential backoff with jitter, so a restarted server is not hit by everyone at once.
    const wait = delay ?? Math.min(10000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    window.setTimeout(() => {
      if (this.socket === null || this.socket.readyState === WebSocket.CLOSED) this.connect();
    }, wait);
  }

  /** For tests and the "reconnect" button: drop the socket as a network failure would. */
  drop(): void {
    this.socket?.close();
  }
}
