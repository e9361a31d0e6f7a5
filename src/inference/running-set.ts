/**
 * The sequences running at one replica (or pipeline lane), held two ways at once: the decoding
 * ones in a DecodeGroup, credited lazily as a whole, and the others in `listed`, visited one by one
 * in running order (admission order). An iteration formed without visiting the group leaves it as
 * it is; one that must look at every sequence in order (the KV cache or the token budget would run
 * short, so the order decides who waits or is preempted) first lays the group out into `listed`,
 * and `gather` puts the decoding ones back once that iteration has ended. Batch formation
 * (batch-formation.ts) and the replica read and change the running sequences only through this.
 */
import { removeLast } from "../engine/columns.js";
import { RequestState, type RequestTable } from "../requests/table.js";
import { DecodeGroup } from "./decode-group.js";
import type { SequenceKv } from "./sequence-kv.js";
import type { SequenceTable } from "./sequences.js";

export class RunningSet {
  /** decoding sequences credited as a group (empty while laid out) */
  readonly group: DecodeGroup;
  /** the others, in running order: those computing their prompt, or every one while laid out */
  listed: number[] = [];
  /** every running sequence is in `listed` (until `gather`) */
  laidOut = false;
  /** group members abandoned during the iteration in progress (visited, and freed, when it ends) */
  readonly abandoned: number[] = [];
  private readonly byAdmission = (a: number, b: number) => this.seqs.admitOrder[a] - this.seqs.admitOrder[b];

  constructor(
    private readonly seqs: SequenceTable,
    private readonly kv: SequenceKv,
    scopeCount: number,
  ) {
    this.group = new DecodeGroup(seqs, kv.blockSize, scopeCount);
  }

  get count(): number {
    return this.group.count + this.listed.length;
  }

  /** `list` sorted in running order, in place; usually it already is. */
  inOrder(list: number[]): number[] {
    const order = this.seqs.admitOrder;
    for (let i = 1; i < list.length; i++) {
      if (order[list[i - 1]] > order[list[i]]) {
        list.sort(this.byAdmission);
        break;
      }
    }
    return list;
  }

  /** Every running sequence into `listed`, synced, in running order; the group is left empty. */
  layOut(): void {
    if (this.laidOut) return;
    const all = this.group.dissolve();
    for (const req of this.listed) all.push(req);
    this.listed = this.inOrder(all);
    this.laidOut = true;
  }

  /** After an iteration formed laid out: the decoding sequences rejoin the group, the others stay listed in order. */
  gather(outputTokens: Int32Array, scopeOf: (req: number) => number): void {
    if (!this.laidOut) return;
    const rest: number[] = [];
    for (const req of this.listed) {
      if (this.seqs.decoding[req]) this.group.join(req, outputTokens[req], scopeOf(req));
      else rest.push(req);
    }
    this.listed = rest;
    this.laidOut = false;
  }

  /** A listed sequence computed its prompt and decodes: it joins the group now, or at `gather` while laid out. */
  promote(req: number, outputTokens: number, scope: number): void {
    if (this.laidOut) return;
    removeLast(this.listed, req);
    this.group.join(req, outputTokens, scope);
  }

  /** `req` stops running (answered, abandoned); its columns are synced. */
  remove(req: number, scope: number): void {
    if (this.group.isMember(req)) this.group.leave(req, scope);
    else removeLast(this.listed, req);
  }

  /** Every running sequence, synced (unordered). */
  all(): number[] {
    const out = this.listed.slice();
    this.group.forEach((req) => {
      this.group.sync(req);
      out.push(req);
    });
    return out;
  }

  /** Empties the set (the replica went down); the sequences themselves are the caller's to close. */
  clear(): void {
    this.layOut();
    this.listed = [];
    this.laidOut = false;
    this.abandoned.length = 0;
  }

  /**
   * What the end of an iteration visits, into `out` in running order: the group's members that have
   * their whole output, the listed sequences of the batch, and the members abandoned meanwhile.
   */
  toVisit(batch: readonly number[], out: number[]): void {
    this.group.takeFinished(out);
    for (let i = 0; i < batch.length; i++) out.push(batch[i]);
    if (this.abandoned.length > 0) {
      for (const req of this.abandoned) out.push(req);
      this.abandoned.length = 0;
    }
    this.inOrder(out);
  }

  // --- a decode-only batch: the group's members and the listed sequences in `batch` ------------

  /** Decode steps until the first sequence of the batch has its whole output. */
  stepsToFirstFinish(batch: readonly number[], outputTokens: Int32Array): number {
    let steps = this.group.stepsToFirstFinish();
    for (const req of batch) steps = Math.min(steps, outputTokens[req] - this.seqs.generated[req]);
    return steps;
  }

  /** KV blocks the batch needs beyond what it holds to run `steps` decode steps. */
  extraBlocks(batch: readonly number[], steps: number): number {
    const group = this.group;
    let extra = group.blocksBetween(group.reserved, steps);
    for (const req of batch) extra += this.kv.shortfall(req, this.seqs.computed[req] + steps);
    return extra;
  }

  /** Gives each sequence of the batch exactly the blocks `steps` steps need: the group as a whole, the listed ones each. */
  reserveSteps(batch: readonly number[], steps: number, requests: RequestTable): void {
    const group = this.group;
    const held = group.reserved;
    const cache = this.kv.cache;
    if (steps > held) cache.allocate(group.blocksBetween(held, steps));
    else cache.release(group.blocksBetween(steps, held));
    group.reserve(steps);
    for (const req of batch) {
      if (requests.stateOf(req) === RequestState.inService) this.kv.reserve(req, this.seqs.computed[req] + steps);
    }
  }
}
