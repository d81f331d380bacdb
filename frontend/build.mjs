// Bundles the TypeScript entry points and copies the vendored CSS/JS into the package's
// static folder. Run by `npm run build`, by `make`, and by the hatchling build hook.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../src/crossroads/web/static/build");
mkdirSync(out, { recursive: true });

await build({
  entryPoints: {
    app: resolve(here, "src/app.ts"),
    live: resolve(here, "src/live.ts"),
    notes: resolve(here, "src/notes.ts"),
    projector: resolve(here, "src/projector.ts"),
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  logLevel: "warning",
});

copyFileSync(resolve(here, "node_modules/@picocss/pico/css/pico.min.css"), resolve(out, "pico.min.css"));
copyFileSync(resolve(here, "node_modules/htmx.org/dist/htmx.min.js"), resolve(out, "htmx.min.js"));
console.log(`built into ${out}`);
