// Node type icons for the maps: fixed SVG drawn here (never from segment
// data), as data: URIs that Cytoscape paints on the canvas.

function svg(body: string): string {
  return "data:image/svg+xml;utf8," + encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">${body}</svg>`);
}

export type NodeKind = "client" | "service" | "aws" | "database" | "remote";

export const icons: Record<NodeKind, string> = {
  client: svg('<circle cx="12" cy="8" r="4" fill="#475569"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7z" fill="#475569"/>'),
  service: svg('<rect x="3" y="4" width="18" height="7" rx="1.5" fill="#2563eb"/><rect x="3" y="13" width="18" height="7" rx="1.5" fill="#2563eb"/><circle cx="7" cy="7.5" r="1.2" fill="#fff"/><circle cx="7" cy="16.5" r="1.2" fill="#fff"/>'),
  aws: svg('<path d="M12 2l9 5v10l-9 5-9-5V7z" fill="#f59e0b"/><path d="M12 12l9-5M12 12v10M12 12L3 7" stroke="#fff" stroke-width="1.3" fill="none"/>'),
  database: svg('<ellipse cx="12" cy="5" rx="8" ry="3" fill="#7c3aed"/><path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5c0 1.7-3.6 3-8 3S4 6.7 4 5z" fill="#7c3aed"/><path d="M4 11c0 1.7 3.6 3 8 3s8-1.3 8-3" stroke="#fff" fill="none"/>'),
  remote: svg('<path d="M7 19a5 5 0 0 1-.6-10A6 6 0 0 1 18 9.5a4.5 4.5 0 0 1-.5 9.5z" fill="#0d9488"/>'),
};

export const kindLabels: Record<NodeKind, string> = {
  client: "Client",
  service: "Service",
  aws: "AWS resource",
  database: "Database",
  remote: "Remote / inferred",
};

export function kindOf(type: string | undefined, name?: string): NodeKind {
  const t = type || "";
  if (t === "client" || t === "Client") return "client";
  if (/^Database::|SQL|sql/.test(t) || /@/.test(name || "") && t === "Database::SQL") return "database";
  if (t.startsWith("AWS::")) return "aws";
  if (t === "remote") return "remote";
  return "service";
}
