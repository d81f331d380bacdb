// Entry point of the live pages (participant lobby and host console); loaded only there.
import { startParticipant } from "./live/participant";
import { startHost } from "./live/host";

function start(): void {
  const participant = document.querySelector<HTMLElement>("[data-live-participant]");
  if (participant) startParticipant(participant);
  const host = document.querySelector<HTMLElement>("[data-live-host]");
  if (host) startHost(host);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
