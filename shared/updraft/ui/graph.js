// The Graph view: tasks laid out left to right by dependency depth, edges as curves, task
// groups as boxes around their tasks, each task coloured by its state in the chosen run.

import { h, svg, stateColor } from "./ui.js";

const W = 190, H = 46, GAP_X = 70, GAP_Y = 22, PAD = 14, MARGIN = 30;

export function drawGraph(structure, run, hrefOf) {
  const nodes = structure.nodes;
  if (!nodes.length) return h("div.empty", "This DAG version has no tasks.");
  const tis = run.task_instances || {};
  const groups = new Map(structure.groups.map((g) => [g.id, g]));
  const upstream = new Map(nodes.map((n) => [n.id, []]));
  for (const e of structure.edges) if (upstream.has(e.target_id) && upstream.has(e.source_id)) upstream.get(e.target_id).push(e.source_id);

  // Layers: the longest path from a root (nodes come in topological order).
  const layer = new Map();
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  for (const n of topological(nodes, upstream)) layer.set(n.id, Math.max(-1, ...upstream.get(n.id).map((u) => layer.get(u) ?? 0)) + 1);
  const layers = [];
  for (const n of nodes) (layers[layer.get(n.id)] ||= []).push(n);

  // Order within a layer: by the mean position of upstream tasks, keeping a group's tasks together.
  const pos = new Map();
  layers.forEach((items) => {
    const bary = (n) => {
      const ups = upstream.get(n.id).filter((u) => pos.has(u));
      return ups.length ? ups.reduce((a, u) => a + pos.get(u), 0) / ups.length : index.get(n.id);
    };
    const groupKey = new Map();
    for (const n of items) {
      const top = topGroup(n, groups);
      if (top && !groupKey.has(top)) groupKey.set(top, bary(n));
    }
    items.sort((a, b) => {
      const ka = topGroup(a, groups) ? groupKey.get(topGroup(a, groups)) : bary(a);
      const kb = topGroup(b, groups) ? groupKey.get(topGroup(b, groups)) : bary(b);
      return ka - kb || (a.group_id || "").localeCompare(b.group_id || "") || bary(a) - bary(b) || index.get(a.id) - index.get(b.id);
    });
    items.forEach((n, i) => pos.set(n.id, i));
  });

  const tallest = Math.max(...layers.map((l) => l.length));
  const xy = new Map();
  layers.forEach((items, li) => {
    const offset = ((tallest - items.length) * (H + GAP_Y)) / 2;
    items.forEach((n, i) => xy.set(n.id, { x: MARGIN + li * (W + GAP_X), y: MARGIN + 16 + offset + i * (H + GAP_Y) }));
  });
  const width = MARGIN * 2 + layers.length * (W + GAP_X) - GAP_X;
  const height = MARGIN * 2 + 16 + tallest * (H + GAP_Y) - GAP_Y;

  // Group boxes: around every task inside the group (nested groups drawn inside their parent).
  const boxes = [];
  for (const g of structure.groups) {
    const members = nodes.filter((n) => inGroup(n, g.id, groups));
    if (!members.length) continue;
    const depth = groupDepth(g, groups);
    const xs = members.map((n) => xy.get(n.id));
    const pad = PAD + 8 * (maxDepth(structure.groups, groups) - depth);
    const x0 = Math.min(...xs.map((p) => p.x)) - pad, y0 = Math.min(...xs.map((p) => p.y)) - pad - 12;
    const x1 = Math.max(...xs.map((p) => p.x + W)) + pad, y1 = Math.max(...xs.map((p) => p.y + H)) + pad;
    boxes.push({ g, depth, x0, y0, x1, y1 });
  }
  boxes.sort((a, b) => a.depth - b.depth);

  const edgeLabels = [];
  const edges = structure.edges.filter((e) => xy.has(e.source_id) && xy.has(e.target_id)).map((e) => {
    const a = xy.get(e.source_id), b = xy.get(e.target_id);
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const bend = Math.max(30, (x2 - x1) / 2);
    if (e.label) {  // Label("...") on the edge, at the curve's middle
      edgeLabels.push(svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, class: "edge-label",
        "text-anchor": "middle", "data-source": e.source_id, "data-target": e.target_id }, e.label));
    }
    return svg("path", { class: "edge", d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2 - 6},${y2}`, "marker-end": "url(#arrow)",
      "data-source": e.source_id, "data-target": e.target_id });
  });

  const drawn = nodes.map((n) => {
    const p = xy.get(n.id);
    const ti = tis[n.id];
    const shown = ti ? ti.state : null;  // a mapped task's: its instances' most pressing state
    const label = n.label.length > 24 ? `${n.label.slice(0, 23)}…` : n.label;
    return svg("a", { href: hrefOf(n.id), class: "node", "data-task-id": n.id, "data-state": shown || "none" },
      svg("title", {}, `${n.id}\n${n.operator}\n${shown || "no status"}${n.is_mapped && ti && ti.map_count != null ? `\n${ti.map_count} mapped` : ""}`),
      n.is_mapped ? svg("rect", { x: p.x + 4, y: p.y + 4, width: W, height: H, rx: 6, class: "node-shadow" }) : null,
      svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: 6, class: "node-box", stroke: shown ? stateColor(shown) : "#9aa5b1" }),
      svg("rect", { x: p.x, y: p.y, width: 7, height: H, rx: 3, fill: shown ? stateColor(shown) : "#e4e7eb" }),
      svg("text", { x: p.x + 14, y: p.y + 19, class: "node-label" }, label + (n.is_mapped ? " [ ]" : "")),
      svg("text", { x: p.x + 14, y: p.y + 35, class: "node-sub" }, n.operator.length > 27 ? `${n.operator.slice(0, 26)}…` : n.operator));
  });

  return h("div.graph", svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "DAG graph" },
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 4, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }))),
    boxes.map((b) => svg("g", { class: "group", "data-group-id": b.g.id },
      svg("rect", { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0, rx: 10 }),
      svg("text", { x: b.x0 + 10, y: b.y0 + 15 }, b.g.label || b.g.id))),
    edges, edgeLabels, drawn));
}

function topological(nodes, upstream) {
  const done = new Set();
  const out = [];
  const visit = (n, seen = new Set()) => {
    if (done.has(n.id) || seen.has(n.id)) return;
    seen.add(n.id);
    for (const u of upstream.get(n.id)) visit(byId.get(u), seen);
    done.add(n.id);
    out.push(n);
  };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  nodes.forEach((n) => visit(n));
  return out;
}

function inGroup(node, groupId, groups) {
  let g = node.group_id;
  while (g) {
    if (g === groupId) return true;
    g = groups.get(g)?.parent_id || null;
  }
  return false;
}

function topGroup(node, groups) {
  let g = node.group_id;
  let top = null;
  while (g) {
    top = g;
    g = groups.get(g)?.parent_id || null;
  }
  return top;
}

function groupDepth(group, groups) {
  let depth = 0;
  let p = group.parent_id;
  while (p) {
    depth += 1;
    p = groups.get(p)?.parent_id || null;
  }
  return depth;
}

function maxDepth(list, groups) {
  return Math.max(0, ...list.map((g) => groupDepth(g, groups)));
}
