// Parse Mermaid diagrams with Mermaid itself (in Node, on a jsdom document), offline.
// Usage: node mermaid_parse.mjs FILE...; prints one JSON line per file:
// {"file", "ok", "type" | "error", "length", "maxTextSize"}. Copied next to its node_modules
// by tests/report/conftest.py, since Node resolves imports from the script's own folder.
import fs from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["Element", "HTMLElement", "Node", "DOMParser", "SVGElement"]) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const maxTextSize = mermaid.mermaidAPI.getConfig().maxTextSize;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const line = { file, length: text.length, maxTextSize };
  try {
    const parsed = await mermaid.parse(text);
    Object.assign(line, { ok: true, type: parsed.diagramType });
  } catch (error) {
    Object.assign(line, { ok: false, error: String(error?.message ?? error).slice(0, 2000) });
  }
  console.log(JSON.stringify(line));
}
