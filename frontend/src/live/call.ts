// Pair calls (#7): a WebRTC mesh for the group (2 to 4 people), signalled over the live
// socket, with a group chat as the last resort. Or, per the server's call mode, a link to the
// group's Jitsi room or the name of the Zoom breakout room. User text only via textContent.
//
// Negotiation follows the "perfect negotiation" pattern: in each pair the member whose public
// id sorts first is impolite (their offer wins a collision), the other polite. Someone who has
// not joined answers an offer with call_leave, so the caller drops that peer; whoever joins
// later calls everyone who is in. The server relays only within the current group
// (see src/crossroads/convenings/calls.py, signal_target).
import { el, fill, replaceChildren } from "./dom";

export interface CallInfo {
  mode: "builtin" | "jitsi" | "external";
  ice_servers?: RTCIceServer[];
  url?: string;
  room?: string;
}
export interface Member {
  id: string;
  name: string;
}
type Send = (message: Record<string, unknown>) => boolean;
type Strings = Record<string, string>;
type Quality = "good" | "fair" | "poor" | "";

interface Peer {
  id: string;
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  video: HTMLVideoElement;
  tile: HTMLElement;
  lastLost: number;
  lastReceived: number;
  waited?: boolean;
  firstOfferTimer?: number;
}

// Above these a connection is poor: audio-only is offered (after two checks in a row).
const POOR_LOSS = 0.08;
const POOR_RTT = 0.5;
const FAIR_LOSS = 0.03;
const FAIR_RTT = 0.3;
const STATS_EVERY_MS = 3000;
const FIRST_OFFER_WAIT_MS = 1500;

export class GroupCall {
  readonly peers = new Map<string, Peer>();
  /** The last signalling steps, for tests and chrome://inspect when a call will not connect. */
  readonly trace: string[] = [];
  local: MediaStream | null = null;
  joined = false;
  audioOnly = false;
  private me = "";
  private members: Member[] = [];
  private info: CallInfo | null = null;
  private groupKey = "";
  private poorChecks = 0;
  private statsTimer: number | undefined;
  private readonly body: HTMLElement;
  private readonly chatLog: HTMLOListElement;
  private readonly controls: HTMLElement;
  private readonly videos: HTMLElement;
  private readonly quality: HTMLElement;
  private readonly offerAudioOnly: HTMLElement;
  private readonly joinButton: HTMLButtonElement;
  private readonly muteButton: HTMLButtonElement;
  private readonly cameraButton: HTMLButtonElement;
  private readonly audioOnlyButton: HTMLButtonElement;
  private readonly micSelect: HTMLSelectElement;
  private readonly camSelect: HTMLSelectElement;
  private readonly selfTile: HTMLElement;
  private readonly selfVideo: HTMLVideoElement;
  private readonly mutedBadge: HTMLElement;
  private readonly chat: HTMLDetailsElement;
  private readonly chatSummary: HTMLElement;
  private unread = 0;

  constructor(
    private readonly panel: HTMLElement,
    private readonly send: Send,
    private readonly t: Strings,
    private readonly announce: (text: string) => void,
  ) {
    this.body = el("div");
    this.quality = el("p", { cls: "call-quality", attrs: { "data-call-quality": "", role: "status" } });
    this.offerAudioOnly = el("p", { cls: "call-offer-audio-only" });
    this.videos = el("div", { cls: "call-videos" });
    this.joinButton = this.button(t.call_join ?? "", () => void (this.joined ? this.leave() : this.join()));
    this.joinButton.dataset.callJoin = "";
    this.muteButton = this.button(t.call_mute ?? "", () => this.toggleMute());
    this.cameraButton = this.button(t.call_camera_off ?? "", () => this.toggleCamera());
    this.audioOnlyButton = this.button(t.call_audio_only ?? "", () => void this.setAudioOnly(!this.audioOnly));
    this.micSelect = el("select", { attrs: { id: "call-mic" } });
    this.camSelect = el("select", { attrs: { id: "call-cam" } });
    this.micSelect.addEventListener("change", () => void this.switchDevice("audio", this.micSelect.value));
    this.camSelect.addEventListener("change", () => void this.switchDevice("video", this.camSelect.value));
    // The devices fold away: the round screen keeps room for the faces and the prompt.
    this.controls = el("div", { cls: "call-controls" }, [
      this.muteButton,
      this.cameraButton,
      this.audioOnlyButton,
      el("details", { cls: "call-devices" }, [
        el("summary", { text: t.call_devices ?? "" }),
        el("label", { text: t.call_microphone ?? "", attrs: { for: "call-mic" } }),
        this.micSelect,
        el("label", { text: t.call_camera ?? "", attrs: { for: "call-cam" } }),
        this.camSelect,
      ]),
    ]);
    // One's own picture: a small tile named "You", with a badge while the microphone is off.
    this.selfVideo = el("video", { cls: "call-self", attrs: { "data-call-self": "", "aria-label": t.call_you ?? "" } });
    this.selfVideo.muted = true;
    this.selfVideo.autoplay = true;
    this.selfVideo.playsInline = true;
    this.mutedBadge = el("span", { text: t.call_muted ?? "", cls: "call-muted-badge", attrs: { "data-call-muted": "" } });
    this.mutedBadge.hidden = true;
    this.selfTile = el("figure", { cls: "call-tile call-tile-self" }, [
      this.selfVideo,
      el("figcaption", {}, [el("span", { text: t.call_you ?? "" }), this.mutedBadge]),
    ]);
    this.chatLog = el("ol", { cls: "call-chat-log", attrs: { "aria-live": "polite", "data-chat-log": "" } });
    const input = el("input", {
      attrs: { type: "text", id: "call-chat-text", maxlength: "1000", autocomplete: "off", dir: "auto" },
    });
    const share = el("input", { attrs: { type: "checkbox", id: "call-chat-share" } });
    const form = el("form", { cls: "call-chat-form" }, [
      el("label", { text: t.chat_label ?? "", attrs: { for: "call-chat-text" } }),
      input,
      el("label", {}, [share, document.createTextNode(` ${t.chat_share ?? ""}`)]),
      el("button", { text: t.chat_send ?? "", attrs: { type: "submit" } }),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text && this.send({ type: "chat", text, share: share.checked })) input.value = "";
    });
    this.chatSummary = el("summary", { text: t.chat_open ?? "" });
    // Named like the agenda's: opening one closes the other (on a phone both are sheets).
    this.chat = el("details", { cls: "call-chat", attrs: { "data-call-chat": "", name: "live-panel" } }, [
        this.chatSummary,
        el("h4", { text: t.chat_heading ?? "", cls: "visually-hidden", attrs: { id: "chat-heading" } }),
        this.chatLog,
        form,
      ]);
    // Opening the chat reads what was new: the count in its summary goes.
    this.chat.addEventListener("toggle", () => this.countUnread(0));
    replaceChildren(panel, [
      el("h3", { text: t.call_heading ?? "", cls: "visually-hidden", attrs: { id: "call-heading" } }),
      this.body,
      // The chat is one tap away, not in the way of the call.
      this.chat,
    ]);
    panel.setAttribute("aria-labelledby", "call-heading");
    this.setControls();
  }

  private button(text: string, onClick: () => void): HTMLButtonElement {
    const button = el("button", { text, cls: "secondary", attrs: { type: "button" } });
    button.addEventListener("click", onClick);
    return button;
  }

  /** A new snapshot: who is in my group now, and where we talk (null: no group). */
  update(me: string, members: Member[], info: CallInfo | null, groupKey: string): void {
    this.me = me;
    this.members = members.filter((m) => m.id !== me);
    const newGroup = groupKey !== this.groupKey;
    this.groupKey = groupKey;
    if (info === null) {
      this.leave();
      this.info = null;
      this.panel.hidden = true;
      replaceChildren(this.chatLog, []);
      this.countUnread(0);
      return;
    }
    this.panel.hidden = false;
    if (newGroup) {
      replaceChildren(this.chatLog, []);
      this.countUnread(0);
    }
    // Redraw only when the place to talk changes: moving a playing <video> pauses it.
    const before = this.info;
    if (before === null || before.mode !== info.mode || (info.mode !== "builtin" && (before.url !== info.url || before.room !== info.room)))
      this.renderBody(info);
    this.info = info;
    // Hang up on people who left the group; call the newcomers if we are in.
    const ids = new Set(this.members.map((m) => m.id));
    for (const id of [...this.peers.keys()]) if (!ids.has(id)) this.dropPeer(id);
    if (this.joined && info.mode === "builtin") for (const m of this.members) if (!this.peers.has(m.id)) this.connect(m.id);
  }

  private renderBody(info: CallInfo): void {
    if (info.mode === "jitsi" && info.url) {
      replaceChildren(this.body, [
        el("p", { text: this.t.jitsi_intro ?? "" }),
        el("a", {
          text: this.t.jitsi_open ?? "",
          attrs: { href: info.url, target: "_blank", rel: "noopener noreferrer", role: "button", "data-call-jitsi": "" },
        }),
      ]);
    } else if (info.mode === "external") {
      replaceChildren(this.body, [
        el("p", { text: fill(this.t.external_room ?? "{room}", { room: info.room ?? "" }), attrs: { "data-call-room": "" } }),
      ]);
    } else {
      // Join/leave, mute, camera and audio-only in one row above the pictures.
      const row = el("div", { cls: "call-bar" }, [this.joinButton, this.controls, this.quality]);
      replaceChildren(this.body, [row, this.offerAudioOnly, this.videos]);
    }
  }

  private setControls(): void {
    this.joinButton.textContent = this.joined ? (this.t.call_leave ?? "") : (this.t.call_join ?? "");
    this.controls.hidden = !this.joined;
    const audio = this.local?.getAudioTracks()[0];
    const video = this.local?.getVideoTracks()[0];
    this.muteButton.textContent = audio && !audio.enabled ? (this.t.call_unmute ?? "") : (this.t.call_mute ?? "");
    this.muteButton.setAttribute("aria-pressed", String(!!audio && !audio.enabled));
    this.mutedBadge.hidden = !(audio && !audio.enabled);
    this.cameraButton.textContent = video && !video.enabled ? (this.t.call_camera_on ?? "") : (this.t.call_camera_off ?? "");
    this.cameraButton.disabled = !video;
    this.audioOnlyButton.textContent = this.audioOnly ? (this.t.call_video_back ?? "") : (this.t.call_audio_only ?? "");
    this.audioOnlyButton.setAttribute("aria-pressed", String(this.audioOnly));
    if (!this.joined) {
      this.quality.textContent = "";
      this.quality.dataset.quality = "";
      replaceChildren(this.offerAudioOnly, []);
    }
  }

  async join(): Promise<void> {
    if (this.joined || this.info?.mode !== "builtin") return;
    try {
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: !this.audioOnly });
    } catch {
      try {
        // No camera (or it is refused): audio alone still makes a call.
        this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        this.audioOnly = true;
      } catch {
        this.announce(this.t.call_no_media ?? "");
        return;
      }
    }
    this.joined = true;
    this.selfVideo.srcObject = this.local;
    this.videos.append(this.selfTile);
    for (const m of this.members) if (!this.peers.has(m.id)) this.connect(m.id);
    await this.listDevices();
    this.setControls();
    window.clearInterval(this.statsTimer);
    this.statsTimer = window.setInterval(() => void this.checkQuality(), STATS_EVERY_MS);
    this.announce(this.t.call_joined ?? "");
  }

  leave(): void {
    if (!this.joined) return;
    this.send({ type: "call_leave" });
    for (const id of [...this.peers.keys()]) this.dropPeer(id);
    for (const track of this.local?.getTracks() ?? []) track.stop();
    this.local = null;
    this.joined = false;
    window.clearInterval(this.statsTimer);
    this.selfVideo.srcObject = null;
    this.selfTile.remove();
    this.poorChecks = 0;
    this.setControls();
  }

  private connect(id: string): Peer {
    const pc = new RTCPeerConnection({ iceServers: this.info?.ice_servers ?? [] });
    const name = this.members.find((m) => m.id === id)?.name ?? "";
    const video = el("video", { cls: "call-peer", attrs: { "data-call-peer": id, "aria-label": name } });
    video.autoplay = true;
    video.playsInline = true;
    // Each tile carries the person's name (text, never markup); the self tile stays last.
    const tile = el("figure", { cls: "call-tile" }, [video, el("figcaption", { text: name, attrs: { dir: "auto" } })]);
    this.videos.insertBefore(tile, this.selfTile.parentNode === this.videos ? this.selfTile : null);
    this.note(`connect ${id}`);
    const peer: Peer = { id, pc, polite: this.me > id, makingOffer: false, ignoreOffer: false, video, tile, lastLost: 0, lastReceived: 0 };
    this.peers.set(id, peer);
    for (const track of this.local?.getTracks() ?? []) pc.addTrack(track, this.local!);
    pc.ontrack = ({ streams, track }) => {
      video.srcObject = streams[0] ?? new MediaStream([track]);
    };
    pc.onicecandidate = ({ candidate }) => {
      this.note(`out candidate to ${id} ${candidate ? candidate.candidate.slice(0, 40) : "end"}`);
      if (candidate)
        this.send({
          type: "call_candidate",
          to: id,
          candidate: candidate.candidate,
          sdp_mid: candidate.sdpMid,
          sdp_mline_index: candidate.sdpMLineIndex,
        });
    };
    const negotiate = async (): Promise<void> => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        this.sendDescription(id, pc);
      } catch (error) {
        console.warn("call: offer failed", error);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onnegotiationneeded = () => {
      // The first offer is the impolite side's: the polite one waits a moment for it, since
      // two first offers crossing (both joined at once) left Chromium's ICE idle after the
      // rollback in our tests. If none comes (we joined last), we call them.
      if (peer.polite && pc.remoteDescription === null && !peer.waited) {
        if (peer.firstOfferTimer === undefined)
          peer.firstOfferTimer = window.setTimeout(() => {
            peer.waited = true;
            if (this.peers.get(id) === peer && pc.remoteDescription === null && pc.signalingState === "stable") void negotiate();
          }, FIRST_OFFER_WAIT_MS);
        return;
      }
      void negotiate();
    };
    pc.onconnectionstatechange = () => {
      video.dataset.state = pc.connectionState;
      if (pc.connectionState === "failed") pc.restartIce();
    };
    return peer;
  }

  /** Send what setLocalDescription() made: an offer, or (when a remote offer was being
   * applied meanwhile) an answer. Label by the description, never by who asked for it. */
  private sendDescription(id: string, pc: RTCPeerConnection): void {
    const description = pc.localDescription;
    if (description === null || (description.type !== "offer" && description.type !== "answer")) return;
    this.note(`out ${description.type} to ${id}`);
    this.send({ type: description.type === "offer" ? "call_offer" : "call_answer", to: id, sdp: description.sdp });
  }

  private note(step: string): void {
    this.trace.push(step);
    if (this.trace.length > 60) this.trace.shift();
  }

  private dropPeer(id: string): void {
    this.note(`drop ${id}`);
    const peer = this.peers.get(id);
    if (!peer) return;
    window.clearTimeout(peer.firstOfferTimer);
    peer.pc.close();
    peer.tile.remove();
    this.peers.delete(id);
  }

  /** A relayed call message (call_offer, call_answer, call_candidate, call_leave). */
  async onSignal(message: Record<string, unknown>): Promise<void> {
    const from = String(message.from ?? "");
    this.note(`in ${String(message.type)} from ${from} joined=${this.joined} peer=${this.peers.get(from)?.pc.signalingState ?? "none"}`);
    if (!from || !this.members.some((m) => m.id === from)) return;
    if (message.type === "call_leave") {
      this.dropPeer(from);
      return;
    }
    if (!this.joined) {
      // Not in the call: tell the caller, who drops us until we join and call them.
      if (message.type === "call_offer") this.send({ type: "call_leave", to: from });
      return;
    }
    const peer = this.peers.get(from) ?? this.connect(from);
    const pc = peer.pc;
    try {
      if (message.type === "call_offer" || message.type === "call_answer") {
        const description = { type: message.type === "call_offer" ? "offer" : "answer", sdp: String(message.sdp ?? "") } as RTCSessionDescriptionInit;
        const collision = description.type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
        peer.ignoreOffer = !peer.polite && collision;
        if (peer.ignoreOffer) return;
        await pc.setRemoteDescription(description);
        // Our own negotiationneeded may have answered already (it runs on the same chain).
        if (description.type === "offer" && pc.signalingState === "have-remote-offer") {
          await pc.setLocalDescription();
          this.sendDescription(from, pc);
        }
      } else if (message.type === "call_candidate") {
        try {
          await pc.addIceCandidate({
            candidate: String(message.candidate ?? ""),
            sdpMid: (message.sdp_mid as string | null) ?? null,
            sdpMLineIndex: (message.sdp_mline_index as number | null) ?? null,
          });
        } catch (error) {
          if (!peer.ignoreOffer) console.warn("call: candidate refused", error);
        }
      }
    } catch (error) {
      console.warn("call: signalling failed", error);
    }
  }

  /** A host muted this person's microphone (#29): true if it was on and is now off. */
  muteByHost(): boolean {
    const audio = this.local?.getAudioTracks()[0];
    if (!this.joined || !audio || !audio.enabled) return false;
    audio.enabled = false;
    this.setControls();
    return true;
  }

  private toggleMute(): void {
    const audio = this.local?.getAudioTracks()[0];
    if (audio) audio.enabled = !audio.enabled;
    this.setControls();
  }

  private toggleCamera(): void {
    const video = this.local?.getVideoTracks()[0];
    if (video) video.enabled = !video.enabled;
    this.setControls();
  }

  /** Audio only: the video track leaves every connection (no bandwidth spent on it). */
  async setAudioOnly(on: boolean): Promise<void> {
    this.audioOnly = on;
    replaceChildren(this.offerAudioOnly, []);
    const local = this.local;
    if (!this.joined || local === null) return this.setControls();
    if (on) {
      for (const peer of this.peers.values())
        for (const sender of peer.pc.getSenders()) if (sender.track?.kind === "video") peer.pc.removeTrack(sender);
      for (const track of local.getVideoTracks()) {
        track.stop();
        local.removeTrack(track);
      }
    } else {
      try {
        const extra = await navigator.mediaDevices.getUserMedia({ video: this.camSelect.value ? { deviceId: { exact: this.camSelect.value } } : true });
        const track = extra.getVideoTracks()[0];
        if (track) {
          local.addTrack(track);
          for (const peer of this.peers.values()) peer.pc.addTrack(track, local);
        }
      } catch {
        this.audioOnly = true;
        this.announce(this.t.call_no_media ?? "");
      }
    }
    this.setControls();
  }

  private async switchDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    const local = this.local;
    if (!local || !deviceId || (kind === "video" && this.audioOnly)) return;
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
      const track = kind === "audio" ? fresh.getAudioTracks()[0] : fresh.getVideoTracks()[0];
      if (!track) return;
      const old = kind === "audio" ? local.getAudioTracks()[0] : local.getVideoTracks()[0];
      for (const peer of this.peers.values())
        for (const sender of peer.pc.getSenders()) if (sender.track?.kind === kind) await sender.replaceTrack(track);
      if (old) {
        track.enabled = old.enabled;
        old.stop();
        local.removeTrack(old);
      }
      local.addTrack(track);
    } catch {
      this.announce(this.t.call_no_media ?? "");
    }
  }

  private async listDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const fill = (select: HTMLSelectElement, kind: MediaDeviceKind, current: string | undefined): void => {
      const options = devices
        .filter((d) => d.kind === kind)
        .map((d, i) => {
          const option = el("option", { text: d.label || `${kind} ${i + 1}`, attrs: { value: d.deviceId } });
          option.selected = d.deviceId === current;
          return option;
        });
      replaceChildren(select, options);
    };
    fill(this.micSelect, "audioinput", this.local?.getAudioTracks()[0]?.getSettings().deviceId);
    fill(this.camSelect, "videoinput", this.local?.getVideoTracks()[0]?.getSettings().deviceId);
  }

  /** Packet loss and round-trip time over the last interval, worst peer wins. */
  private async checkQuality(): Promise<void> {
    let worst: Quality = "";
    for (const peer of this.peers.values()) {
      if (peer.pc.connectionState !== "connected") continue;
      const stats = await peer.pc.getStats();
      let lost = 0;
      let received = 0;
      let rtt = 0;
      stats.forEach((report: Record<string, unknown>) => {
        if (report.type === "inbound-rtp") {
          lost += Number(report.packetsLost ?? 0);
          received += Number(report.packetsReceived ?? 0);
        } else if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
          rtt = Math.max(rtt, Number(report.currentRoundTripTime ?? 0));
        }
      });
      const dLost = Math.max(0, lost - peer.lastLost);
      const dReceived = Math.max(0, received - peer.lastReceived);
      peer.lastLost = lost;
      peer.lastReceived = received;
      const loss = dLost + dReceived > 0 ? dLost / (dLost + dReceived) : 0;
      const quality: Quality = loss > POOR_LOSS || rtt > POOR_RTT ? "poor" : loss > FAIR_LOSS || rtt > FAIR_RTT ? "fair" : "good";
      if (worst === "" || rank(quality) > rank(worst)) worst = quality;
    }
    this.showQuality(worst);
  }

  /** Shown as text and a data attribute; two poor checks in a row offer audio-only. */
  showQuality(quality: Quality): void {
    // Only on change: the line is a live region, and repeating it every check would be noise.
    if (this.quality.dataset.quality !== quality) {
      this.quality.dataset.quality = quality;
      this.quality.textContent = quality ? (this.t[`call_quality_${quality}`] ?? "") : "";
    }
    this.poorChecks = quality === "poor" ? this.poorChecks + 1 : 0;
    if (this.poorChecks >= 2 && !this.audioOnly && this.offerAudioOnly.childElementCount === 0) {
      const accept = this.button(this.t.call_switch_audio_only ?? "", () => void this.setAudioOnly(true));
      accept.dataset.callAcceptAudioOnly = "";
      replaceChildren(this.offerAudioOnly, [el("span", { text: this.t.call_poor_offer ?? "" }), accept]);
      this.announce(this.t.call_poor_offer ?? "");
    }
  }

  /** A chat line (or the round's lines after a reconnect). */
  addChat(message: Record<string, unknown>): void {
    const mine = message.from === this.me;
    if (!mine) this.countUnread(this.unread + 1);
    this.chatLog.append(
      el("li", { cls: mine ? "chat-mine" : "", attrs: { "data-chat-id": String(message.id ?? "") } }, [
        el("strong", { text: `${String(message.name ?? "")}: `, attrs: { dir: "auto" } }),
        el("span", { text: String(message.text ?? ""), attrs: { dir: "auto" } }),
      ]),
    );
  }

  /** "Chat with your group (2 new)" while the chat is folded and others wrote. */
  private countUnread(count: number): void {
    this.unread = this.chat.open ? 0 : count;
    this.chatSummary.textContent = this.unread
      ? fill(this.t.chat_unread ?? "{n}", { n: this.unread })
      : (this.t.chat_open ?? "");
  }

  chatHistory(messages: Record<string, unknown>[]): void {
    replaceChildren(this.chatLog, []);
    for (const message of messages) this.addChat(message);
    this.countUnread(0);
  }
}

function rank(quality: Quality): number {
  return quality === "poor" ? 3 : quality === "fair" ? 2 : quality === "good" ? 1 : 0;
}
