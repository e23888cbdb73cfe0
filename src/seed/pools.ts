// Word pools drawn once per seed from Faker in several locales (accents, CJK), then picked from with
// the fast PRNG: Faker is too slow to call per row at 100,000 rows a second.
import { Faker, base, de, en, es, fr, ja, zh_CN } from '@faker-js/faker';

export interface Pools {
  firstNames: string[];
  lastNames: string[];
  cities: string[];
  streets: string[];
  postcodes: string[];
  countries: string[];
  productNames: string[];
  adjectives: string[];
  materials: string[];
  colors: string[];
  departments: string[];
  sentences: string[];
}

const LOCALES = [
  { data: en, country: 'US', weight: 5 },
  { data: de, country: 'DE', weight: 2 },
  { data: fr, country: 'FR', weight: 2 },
  { data: es, country: 'ES', weight: 1 },
  { data: ja, country: 'JP', weight: 1 },
  { data: zh_CN, country: 'CN', weight: 1 },
] as const;

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

export function buildPools(seed: number, size = 400): Pools {
  const pools: Pools = {
    firstNames: [],
    lastNames: [],
    cities: [],
    streets: [],
    postcodes: [],
    countries: [],
    productNames: [],
    adjectives: [],
    materials: [],
    colors: [],
    departments: [],
    sentences: [],
  };
  LOCALES.forEach((locale, index) => {
    const faker = new Faker({ locale: [locale.data, en, base] });
    faker.seed(seed * 31 + index);
    const n = Math.ceil((size * locale.weight) / 5);
    for (let i = 0; i < n; i++) {
      pools.firstNames.push(faker.person.firstName());
      pools.lastNames.push(faker.person.lastName());
      pools.cities.push(faker.location.city());
      pools.streets.push(faker.location.streetAddress());
      pools.postcodes.push(faker.location.zipCode());
      pools.countries.push(locale.country);
    }
  });
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  for (let i = 0; i < size; i++) {
    pools.productNames.push(faker.commerce.product());
    pools.adjectives.push(faker.commerce.productAdjective());
    pools.materials.push(faker.commerce.productMaterial());
    pools.colors.push(faker.color.human());
    pools.sentences.push(faker.commerce.productDescription());
  }
  for (let i = 0; i < 40; i++) pools.departments.push(faker.commerce.department());
  pools.productNames = unique(pools.productNames);
  pools.adjectives = unique(pools.adjectives);
  pools.materials = unique(pools.materials);
  pools.colors = unique(pools.colors);
  pools.departments = unique(pools.departments);
  return pools;
}
