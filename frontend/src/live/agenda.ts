// The lobby's agenda, redrawn from each live snapshot, so the host's edits (a round renamed,
// a prompt reworded, rounds reordered) reach people already waiting (#31). Text only.
import { fill } from "./dom";

export interface AgendaRound {
  id: string;
  title: string;
  kind: string;
  minutes: number;
  prompts: { text: string; lang: string }[];
}

export function renderAgenda(
  list: HTMLElement,
  rounds: AgendaRound[],
  strings: Record<string, string>,
): void {
  const items = rounds.map((round) => {
    const item = document.createElement("li");
    item.dataset.round = round.id;
    const name = document.createElement("strong");
    name.dir = "auto";
    name.textContent = round.title || (strings[`kind_${round.kind}`] ?? round.kind);
    item.append(name, ` · ${fill(strings.agenda_minutes ?? "{n} min", { n: String(round.minutes) })}`);
    if (round.prompts.length) {
      const prompts = document.createElement("ul");
      for (const prompt of round.prompts) {
        const line = document.createElement("li");
        line.lang = prompt.lang;
        line.dir = "auto";
        line.textContent = prompt.text;
        prompts.append(line);
      }
      item.append(prompts);
    }
    return item;
  });
  list.replaceChildren(...items);
}
