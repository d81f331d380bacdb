// Progressive enhancement for the server-rendered pages. Every page works without it.
import { initialize as initializeLocalTimes } from "./local_time";
import { initialize as initializeCopyButtons } from "./copy_link";
import { prefetchLater } from "./prefetch";

function start(): void {
  initializeLocalTimes(document);
  initializeCopyButtons(document);
  prefetchLater(document);
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
