// Fetches what the next page needs once this one has loaded (`<link data-prefetch-later>`),
// so on a slow link it does not share the bandwidth with this page's own stylesheets.
export function prefetchLater(root: Document): void {
  const start = (): void => {
    for (const later of root.querySelectorAll<HTMLLinkElement>("link[data-prefetch-later]")) {
      const link = root.createElement("link");
      link.rel = "prefetch";
      link.as = later.getAttribute("as") ?? "script";
      link.href = later.href;
      root.head.append(link);
    }
  };
  if (root.readyState === "complete") start();
  else window.addEventListener("load", start, { once: true });
}

export const LIVE_ONLINE = "crossroads:live-online";
const AFTER_LIVE_TIMEOUT_MS = 5000;

// Loads the scripts a page can do without at first (`<link data-script-after-live>`) once its
// live socket is open, or after a few seconds whatever happens: on a slow link they would
// otherwise share the bandwidth with the socket's handshake.
export function loadAfterLive(root: Document): void {
  const links = [...root.querySelectorAll<HTMLLinkElement>("link[data-script-after-live]")];
  if (links.length === 0) return;
  let done = false;
  const load = (): void => {
    if (done) return;
    done = true;
    for (const link of links) {
      const script = root.createElement("script");
      script.src = link.href;
      root.head.append(script);
    }
  };
  root.addEventListener(LIVE_ONLINE, load, { once: true });
  window.setTimeout(load, AFTER_LIVE_TIMEOUT_MS);
}
