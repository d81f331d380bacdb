// Where a group meets in a hybrid convening (#32): a table in the room, or a table joined to
// the call through one device. Built from the server's "place" (textContent only).
import { el } from "./dom";

export interface Place {
  mode: "in_person" | "mixed";
  venue: string;
  room: string;
  table: string;
  heading: string;
  lines: string[];
  in_room: boolean;
  device: boolean;
  call_members: string[] | null;
}

/** The table line ("Table 12, with Ana and Kofi") and how the table meets the call. */
export function placeNodes(place: Place | undefined): Node[] {
  if (!place) return [];
  const nodes: Node[] = [];
  if (place.heading) nodes.push(el("p", { text: place.heading, cls: "live-table", attrs: { dir: "auto", "data-live-table": place.table } }));
  for (const line of place.lines) nodes.push(el("p", { text: line, cls: "live-table-note", attrs: { dir: "auto" } }));
  return nodes;
}

/** The members whose phones are in the call: in a mixed group, the online people and the
 * table's one device; at a table meeting in person, nobody. Everyone when there is no place. */
export function callPeers<M extends { id: string }>(members: M[], place: Place | undefined, you: string): M[] {
  if (!place || place.call_members === null) return members;
  const keep = new Set([...place.call_members, you]);
  return members.filter((m) => keep.has(m.id));
}
