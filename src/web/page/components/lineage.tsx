// The lineage graph: sources in the first column, each model one column right of its deepest input,
// models in a column ordered by the mean position of their inputs (fewer crossings), edges as curves.
// Each model's box shows its last build state; names are SVG text, so nothing in them is markup.
import type { ModelNodeJson, ModelsJson } from '../../api-types.js';

const W = 190;
const H = 38;
const GAP_X = 70;
const GAP_Y = 16;

interface Placed extends ModelNodeJson {
  x: number;
  y: number;
}

export function layout(graph: Pick<ModelsJson, 'nodes' | 'edges'>): {
  nodes: Placed[];
  width: number;
  height: number;
} {
  const layers = new Map<number, ModelNodeJson[]>();
  for (const n of graph.nodes) layers.set(n.layer, [...(layers.get(n.layer) ?? []), n]);
  const position = new Map<string, number>();
  const placed: Placed[] = [];
  const order = [...layers.keys()].sort((a, b) => a - b);
  for (const layer of order) {
    const list = layers.get(layer)!;
    const weight = (n: ModelNodeJson) => {
      const inputs = graph.edges.filter((e) => e.to === n.id).map((e) => position.get(e.from) ?? 0);
      return inputs.length ? inputs.reduce((a, b) => a + b, 0) / inputs.length : 0;
    };
    list.sort((a, b) =>
      layer === 0 ? a.name.localeCompare(b.name) : weight(a) - weight(b) || a.name.localeCompare(b.name),
    );
    list.forEach((n, i) => {
      position.set(n.id, i);
      placed.push({ ...n, x: layer * (W + GAP_X), y: i * (H + GAP_Y) });
    });
  }
  const tallest = Math.max(1, ...[...layers.values()].map((l) => l.length));
  return { nodes: placed, width: order.length * (W + GAP_X) - GAP_X, height: tallest * (H + GAP_Y) - GAP_Y };
}

const cut = (text: string, n = 22) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

export function Lineage({
  graph,
  selected,
  onPick,
}: {
  graph: ModelsJson;
  selected: string | undefined;
  onPick: (id: string) => void;
}) {
  const { nodes, width, height } = layout(graph);
  const at = new Map(nodes.map((n) => [n.id, n]));
  return (
    <div class="lineage">
      <svg
        width={width + 4}
        height={height + 4}
        viewBox={`-2 -2 ${width + 4} ${height + 4}`}
        role="img"
        aria-label="lineage of the models"
      >
        {graph.edges.map((e) => {
          const a = at.get(e.from);
          const b = at.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + W;
          const y1 = a.y + H / 2;
          const x2 = b.x;
          const y2 = b.y + H / 2;
          const mid = (x1 + x2) / 2;
          return (
            <path
              key={`${e.from}>${e.to}`}
              class="edge"
              d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
            />
          );
        })}
        {nodes.map((n) => {
          const state = n.kind === 'source' ? 'source' : (n.build?.status ?? 'never');
          const failedTests = n.tests.filter((t) => t.status === 'fail' || t.status === 'error').length;
          return (
            <g
              key={n.id}
              class={`node node-${state}${failedTests > 0 ? ' tests-failed' : ''}${selected === n.id ? ' selected' : ''}`}
              transform={`translate(${n.x},${n.y})`}
              onClick={() => onPick(n.id)}
              role="button"
              aria-label={n.name}
              data-node={n.name}
            >
              <rect width={W} height={H} rx={5} />
              <text x={8} y={16} class="node-name">
                {cut(n.name)}
              </text>
              <text x={8} y={31} class="node-sub">
                {n.kind === 'source'
                  ? 'source'
                  : `${n.materialized ?? ''} · ${state === 'never' ? 'not built yet' : state}${n.tests.length ? ` · tests ${n.tests.length - failedTests}/${n.tests.length}` : ''}`}
              </text>
              <title>{n.name}</title>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
