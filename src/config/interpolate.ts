// ${VAR} and ${VAR:-default} in string values of ferry.yaml; $${ writes a literal ${.
export interface InterpolationProblem {
  path: (string | number)[];
  variable: string;
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  onMissing: (variable: string) => void,
): string {
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    onMissing(name!);
    return '';
  });
}

/** Replaces references in every string of a parsed YAML value; returns the problems found. */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: (string | number)[] = [],
  problems: InterpolationProblem[] = [],
): { value: unknown; problems: InterpolationProblem[] } {
  const walk = (v: unknown, p: (string | number)[]): unknown => {
    if (typeof v === 'string')
      return interpolateString(v, env, (variable) => problems.push({ path: p, variable }));
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...p, i]));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...p, k])]));
    }
    return v;
  };
  return { value: walk(value, path), problems };
}
