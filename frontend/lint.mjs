// Refuses HTML sinks for user text (see STYLE.md, "User text never becomes HTML").
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const banned = /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write)\b/;
let failures = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".ts")) {
      readFileSync(path, "utf8").split("\n").forEach((line, i) => {
        if (banned.test(line)) {
          console.error(`${path}:${i + 1}: HTML sink is not allowed: ${line.trim()}`);
          failures += 1;
        }
      });
    }
  }
}
walk(new URL("./src", import.meta.url).pathname);
process.exit(failures ? 1 : 0);
