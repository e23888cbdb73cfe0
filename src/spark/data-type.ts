// Spark data types as the protocol sends them, and their names in Spark SQL ("decimal(38,2)",
// "array<int>", "struct<a:int,b:string>"), which is how ferry shows and compares them.

/** The DataType message: exactly one kind is set; `kind` names it. */
export interface DataTypeMessage {
  kind?: string;
  decimal?: { precision?: number; scale?: number };
  char?: { length: number };
  var_char?: { length: number };
  array?: { element_type: DataTypeMessage; contains_null?: boolean };
  map?: { key_type: DataTypeMessage; value_type: DataTypeMessage; value_contains_null?: boolean };
  struct?: { fields?: StructFieldMessage[] };
  udt?: { type: string };
  unparsed?: { data_type_string: string };
  [other: string]: unknown;
}

export interface StructFieldMessage {
  name: string;
  data_type: DataTypeMessage;
  nullable?: boolean;
}

/** One column of a result, as ferry describes it. */
export interface SparkField {
  name: string;
  /** Spark SQL type name: "bigint", "decimal(38,10)", "timestamp_ntz", "map<string,int>". */
  type: string;
  nullable: boolean;
}

/** Simple kinds whose Spark SQL name differs from the protocol's field name. */
const SIMPLE_NAMES: Readonly<Record<string, string>> = {
  null: 'void',
  binary: 'binary',
  boolean: 'boolean',
  byte: 'tinyint',
  short: 'smallint',
  integer: 'int',
  long: 'bigint',
  float: 'float',
  double: 'double',
  string: 'string',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp_ntz',
  calendar_interval: 'interval',
  year_month_interval: 'interval year to month',
  day_time_interval: 'interval day to second',
  variant: 'variant',
};

function kindOf(type: DataTypeMessage): string {
  if (type.kind) return type.kind;
  const present = Object.keys(type).find((key) => type[key] !== undefined);
  return present ?? 'null';
}

export function sparkTypeName(type: DataTypeMessage): string {
  const kind = kindOf(type);
  switch (kind) {
    case 'decimal':
      return `decimal(${type.decimal?.precision ?? 10},${type.decimal?.scale ?? 0})`;
    case 'char':
      return `char(${type.char?.length ?? 1})`;
    case 'var_char':
      return `varchar(${type.var_char?.length ?? 1})`;
    case 'array':
      return `array<${sparkTypeName(type.array!.element_type)}>`;
    case 'map':
      return `map<${sparkTypeName(type.map!.key_type)},${sparkTypeName(type.map!.value_type)}>`;
    case 'struct':
      return `struct<${(type.struct?.fields ?? []).map((f) => `${f.name}:${sparkTypeName(f.data_type)}`).join(',')}>`;
    case 'udt':
      return type.udt?.type ?? 'udt';
    case 'unparsed':
      return type.unparsed?.data_type_string ?? 'unparsed';
    default:
      return SIMPLE_NAMES[kind] ?? kind;
  }
}

/** The columns of a result schema (a struct type). */
export function fieldsOf(schema: DataTypeMessage | undefined): SparkField[] {
  if (!schema) return [];
  return (schema.struct?.fields ?? []).map((field) => ({
    name: field.name,
    type: sparkTypeName(field.data_type),
    nullable: field.nullable ?? false,
  }));
}
