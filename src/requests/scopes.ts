/**
 * The statistics groups a request counts in: one per (tenant, region) pair, numbered in a grid.
 * The front end assigns a request its scope when it picks the region; metrics keep one ScopeStats
 * per scope and roll them up by tenant, region or model through this one class.
 */
/**
 * The (tenant, region) grid of scopes: scope i is tenant ⌊i / regions⌋ in region i mod regions. Roll-ups
 * hand each group its values in scope order, so merges and float sums keep the order they always had.
 */
export class Scopes {
  constructor(
    readonly tenantCount: number,
    readonly regionCount: number,
  ) {}

  get size(): number {
    return this.tenantCount * this.regionCount;
  }

  at(tenant: number, region: number): number {
    return tenant * this.regionCount + region;
  }

  tenantOf(scope: number): number {
    return Math.floor(scope / this.regionCount);
  }

  regionOf(scope: number): number {
    return scope % this.regionCount;
  }

  /** Reduces per-scope values into `groupCount` groups; `groupOf` returns -1 to leave a scope out. */
  rollUp<T, A>(values: readonly T[], groupCount: number, groupOf: (scope: number) => number, reduce: (parts: T[]) => A): A[] {
    const groups: T[][] = Array.from({ length: groupCount }, () => []);
    values.forEach((value, scope) => {
      const group = groupOf(scope);
      if (group >= 0) groups[group].push(value);
    });
    return groups.map(reduce);
  }

  byTenant<T, A>(values: readonly T[], reduce: (parts: T[]) => A): A[] {
    return this.rollUp(values, this.tenantCount, (scope) => this.tenantOf(scope), reduce);
  }

  byRegion<T, A>(values: readonly T[], reduce: (parts: T[]) => A): A[] {
    return this.rollUp(values, this.regionCount, (scope) => this.regionOf(scope), reduce);
  }

  /** Groups by the model each tenant calls (`tenantModels[t]`, one of `modelNames`); a model no tenant calls gets an empty group. */
  byModel<T, A>(values: readonly T[], modelNames: readonly string[], tenantModels: readonly string[], reduce: (parts: T[]) => A): A[] {
    return this.rollUp(values, modelNames.length, (scope) => modelNames.indexOf(tenantModels[this.tenantOf(scope)]), reduce);
  }

  total<T, A>(values: readonly T[], reduce: (parts: T[]) => A): A {
    return reduce([...values]);
  }
}

/** Customer accounts by name, and each tenant's account as an index into `names`. */
export interface Accounts {
  readonly names: readonly string[];
  readonly ofTenant: readonly number[];
}

/** The customer accounts of the tenants, in order of first mention: a tenant without `account` is its own. */
export function accountsOf(tenants: readonly { name: string; account?: string }[]): Accounts {
  const names: string[] = [];
  const ofTenant = tenants.map((t) => {
    const name = t.account ?? t.name;
    let at = names.indexOf(name);
    if (at < 0) at = names.push(name) - 1;
    return at;
  });
  return { names, ofTenant };
}
