// How PostgreSQL spells a type (what format_type() prints, and what the type mapping writes), from
// the ways a person may write it: int4 and integer, varchar(20) and character varying(20),
// timestamptz(3) and timestamp(3) with time zone are one type each. Used to match a stream's type
// override with the types the mapping's rules give a column.

const ALIASES: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  bool: 'boolean',
  float4: 'real',
  float8: 'double precision',
  decimal: 'numeric',
  varchar: 'character varying',
  char: 'character',
  bpchar: 'character',
  varbit: 'bit varying',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
};

const ZONED = /^(timestamp|time)( with time zone| without time zone)?$/;

/** The type as format_type() spells it; text it cannot read comes back trimmed and lower-cased. */
export function pgTypeName(text: string): string {
  let t = text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),[\]])\s*/g, '$1');
  const array = t.endsWith('[]');
  if (array) t = t.slice(0, -2);
  const match = /^([a-z][a-z0-9 ]*?)(?:\(([\d,]+)\))?( with time zone| without time zone)?$/.exec(t);
  if (!match) return text.trim().toLowerCase();
  let base = ALIASES[match[1]!] ?? match[1]!;
  let zone = match[3] ?? '';
  const zoned = ZONED.exec(base);
  if (zoned) {
    base = zoned[1]!;
    zone = zoned[2] ?? (zone || ' without time zone');
  }
  let args = match[2];
  if (base === 'character' && args === undefined) args = '1';
  if (base === 'float') {
    // float(p): real up to 24 binary digits, double precision above (PostgreSQL's rule).
    base = args !== undefined && Number(args) <= 24 ? 'real' : 'double precision';
    args = undefined;
  }
  return `${base}${args !== undefined ? `(${args})` : ''}${zone}${array ? '[]' : ''}`;
}
