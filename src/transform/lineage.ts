// The lineage of the models as text (an indented tree per model) or as a Mermaid flowchart for docs.
import type { ModelGraph } from './models/graph.js';

export function lineageText(graph: ModelGraph): string {
  const lines: string[] = [];
  for (const name of graph.order) {
    const model = graph.models.get(name)!;
    const inputs = [
      ...model.sources.map((s) => `source ${s.source}.${s.table}`),
      ...(graph.parents.get(name) ?? []).map((p) => `ref ${p}`),
    ];
    lines.push(
      `${name} (${model.config.materialized}, ${model.kind === 'sql' ? 'SQL' : 'DataFrame'}: ${model.path})`,
    );
    inputs.forEach((input, i) => lines.push(`  ${i === inputs.length - 1 ? '└─' : '├─'} ${input}`));
  }
  return lines.join('\n');
}

const mermaidId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

export function lineageMermaid(graph: ModelGraph): string {
  const lines = ['flowchart LR'];
  const sources = new Set<string>();
  for (const name of graph.order) {
    const model = graph.models.get(name)!;
    for (const s of model.sources) {
      const id = `src_${mermaidId(s.source)}_${mermaidId(s.table)}`;
      if (!sources.has(id)) {
        sources.add(id);
        lines.push(`  ${id}[("${s.source}.${s.table}")]`);
      }
      lines.push(`  ${id} --> ${mermaidId(name)}`);
    }
  }
  for (const name of graph.order) {
    const model = graph.models.get(name)!;
    const shape = model.config.materialized === 'view' ? [`[/"`, `"/]`] : [`["`, `"]`];
    lines.push(
      `  ${mermaidId(name)}${shape[0]}${name}<br/><small>${model.config.materialized}</small>${shape[1]}`,
    );
    for (const p of graph.parents.get(name) ?? []) lines.push(`  ${mermaidId(p)} --> ${mermaidId(name)}`);
  }
  return lines.join('\n');
}
