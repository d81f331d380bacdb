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
