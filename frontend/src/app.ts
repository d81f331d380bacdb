// Progressive enhancement for the server-rendered pages. Every page works without it.
import { initialize as initializeLocalTimes } from "./local_time";
import { initialize as initializeCopyButtons } from "./copy_link";
import { initialize as initializeTimeZone } from "./time_zone";
import { loadAfterLive, prefetchLater } from "./prefetch";
import { initialize as initializeReflection } from "./reflection";

// A page answered to a form (the lobby, straight after joining) names its own address: put
// it in the address bar, so that a reload or a shared link asks for the page, not the form.
function settleAddress(): void {
  const path = document.body.dataset.pagePath;
  if (path && path.startsWith("/") && !path.startsWith("//") && location.pathname !== path) {
    history.replaceState(null, "", path);
  }
}

function start(): void {
  settleAddress();
  initializeLocalTimes(document);
  initializeCopyButtons(document);
  initializeTimeZone(document);
  initializeReflection(document);
  prefetchLater(document);
  loadAfterLive(document);
  // htmx swaps new fragments in: enhance them too.
  document.body.addEventListener("htmx:afterSwap", (event: Event) => {
    const target = event.target;
    if (target instanceof Element) {
      initializeLocalTimes(target);
      initializeCopyButtons(target);
    }
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
